"""Namespaces used across the package, defined once."""

from __future__ import annotations

from rdflib import Namespace

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

PREFIXES: dict[str, str] = {
    "trilat": str(TRILAT),
    "id": str(ID),
    "oa": str(OA),
    "eli": str(ELI),
    "schema": str(SCHEMA),
    "vann": str(VANN),
    "wd": str(WD),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
