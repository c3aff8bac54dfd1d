"""Namespaces used across the package, defined once."""

from __future__ import annotations

from rdflib import Namespace

from .prefixes import VOCABULARIES

BASE = "https://w3id.org/trilat-kg/"
TRILAT = Namespace(BASE + "ontology#")
ONTOLOGY = BASE + "ontology"
ID = Namespace(BASE + "id/")
SHAPES = Namespace(BASE + "shapes#")
OA = Namespace("http://www.w3.org/ns/oa#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
WD = Namespace("http://www.wikidata.org/entity/")

#: Prefixes bound on every rdflib graph the package builds (exports use them too).
PREFIXES: dict[str, str] = {"trilat": str(TRILAT), "id": str(ID)} | {
    k: v for k, v in VOCABULARIES.items() if k not in {"trilat", "rdf"}}
