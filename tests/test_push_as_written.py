"""push sends the graph as written (case A.3): datatypes and lexical forms unchanged.

The bodies ``push`` PUTs are built by ``trilat_kg.push._graphs``; a store that keeps lexical
forms (Jena, Virtuoso) then holds what the source files say, and passes the shapes.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.compare import isomorphic

from trilat_kg.push import _graphs
from trilat_kg.resources import GRAPHS, files_for

XSD = "http://www.w3.org/2001/XMLSchema#"


def test_each_pushed_graph_is_its_source_files_as_written() -> None:
    bodies = {graph: body for graph, body, _ in _graphs((), None)}
    assert set(bodies) == set(GRAPHS.values())
    for name, iri in GRAPHS.items():
        source = Graph()
        for path in files_for(name):
            source.parse(path, format="turtle")
        sent = Graph().parse(data=bodies[iri], format="nt")
        assert isomorphic(sent, source), name
    every = b"".join(bodies.values())
    assert every.count(f"<{XSD}positiveInteger>".encode()) >= 99


def test_a_users_lexical_forms_are_pushed_unchanged(tmp_path: Path) -> None:
    mine = tmp_path / "mine.ttl"
    mine.write_text('@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n'
                    '<http://ex/a> <http://ex/p> "01"^^xsd:integer, "1"^^xsd:int, '
                    '"5"^^xsd:positiveInteger .\n', encoding="utf-8")
    bodies = {graph: (body, count) for graph, body, count in _graphs([mine], None)}
    body, count = bodies["https://w3id.org/trilat-kg/graphs/user"]
    assert count == 3
    # Checked on the bytes: rdflib's parsers normalise "01"^^xsd:integer to "1" themselves.
    for literal in (f'"01"^^<{XSD}integer>', f'"1"^^<{XSD}int>', f'"5"^^<{XSD}positiveInteger>'):
        assert f"<http://ex/a> <http://ex/p> {literal} .\n".encode() in body
