"""Prefix tables, defined once and importable without rdflib.

``VOCABULARIES`` names the standard vocabularies the data set uses; ``KINDS`` names the
instance kinds of the data guide (``state:``, ``law:`` ...). rdflib bindings
(:data:`trilat_kg.namespaces.PREFIXES`) and the compact display of query results
(:data:`trilat_kg.results.DISPLAY_PREFIXES`) are both built from these, so the CLI can shorten
IRIs without importing rdflib.
"""

from __future__ import annotations

__all__ = ["BASE", "KINDS", "VOCABULARIES"]

BASE = "https://w3id.org/trilat-kg/"

VOCABULARIES: dict[str, str] = {
    "trilat": BASE + "ontology#",
    "oa": "http://www.w3.org/ns/oa#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "schema": "https://schema.org/",
    "vann": "http://purl.org/vocab/vann/",
    "wd": "http://www.wikidata.org/entity/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

KINDS: dict[str, str] = {
    prefix: f"{BASE}id/{kind}/"
    for prefix, kind in [
        ("state", "states"), ("organization", "organizations"), ("government", "governments"),
        ("group", "groups"), ("person", "persons"), ("place", "places"),
        ("agreement", "agreements"), ("law", "laws"), ("provision", "provisions"),
        ("situation", "situation-categories"), ("measure", "measures"),
        ("conditionset", "condition-sets"), ("condition", "conditions"),
        ("lstep", "lifecycle-steps"), ("claim", "claims"), ("position", "positions"),
        ("concept", "concepts"),
        ("passage", "passages"), ("paragraph", "paragraphs"), ("section", "sections"),
        ("work", "works"), ("akind", "agreement-kinds"), ("step", "step-types"),
        ("pol", "polarities"), ("mod", "modalities"), ("scheme", "concept-schemes"),
    ]
}
KINDS["graph"] = BASE + "graphs/"
