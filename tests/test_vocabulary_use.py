"""Every trilat: term the data uses is defined by the ontology, and used as its kind."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from trilat_kg.graph import load_union

TRILAT = "https://w3id.org/trilat-kg/ontology#"
ONTOLOGY = URIRef("https://w3id.org/trilat-kg/ontology")


@pytest.fixture(scope="module")
def union() -> Graph:
    """The union of every graph, loaded once for the module (tests only read it)."""
    return load_union()


def test_every_trilat_term_in_the_data_is_defined(union: Graph) -> None:
    data = load_union(graphs=["essay", "external", "metadata"])
    defined = set(union.subjects(RDFS.isDefinedBy, ONTOLOGY))
    predicates = {p for p in data.predicates() if str(p).startswith(TRILAT)}
    classes = {o for o in data.objects(None, RDF.type) if str(o).startswith(TRILAT)}
    assert predicates and classes
    assert not sorted(predicates - defined)
    assert not sorted(classes - defined)
    properties = set(union.subjects(RDF.type, OWL.ObjectProperty)) | set(
        union.subjects(RDF.type, OWL.DatatypeProperty))
    assert predicates <= properties, "a class used as a predicate"
    assert classes <= set(union.subjects(RDF.type, OWL.Class)), "a property used as a class"


def test_object_and_datatype_properties_are_used_as_declared(union: Graph) -> None:
    """An owl:ObjectProperty never takes a literal, an owl:DatatypeProperty never an IRI."""
    data = load_union(graphs=["essay", "external"])
    wrong = []
    for prop in union.subjects(RDF.type, OWL.ObjectProperty):
        wrong += [(str(prop), str(o)) for o in data.objects(None, prop)
                  if not isinstance(o, URIRef)]
    for prop in union.subjects(RDF.type, OWL.DatatypeProperty):
        wrong += [(str(prop), str(o)) for o in data.objects(None, prop) if isinstance(o, URIRef)]
    assert not wrong[:10]
