"""The fast SHACL engine (pyshacl-turbo) gives pySHACL's report on every fixture and the data.

pySHACL is the reference engine; ``--engine turbo`` (and ``auto``, when installed) must give
the identical set of results: same focus nodes, paths, source shapes, constraint components
and severities. Checked on every shape fixture, the malformed-value corpus, the shipped data
and the data with a user's broken addition.

turbo takes data in two ways: an rdflib graph (``validate_graph``, a ``data_graph``) and the
N-Triples text that ``validate`` writes from the loader's triples (``validate_triples``).
On every fixture both ways give the very same results, blank-node labels included, so the
N-Triples text changes nothing the shapes can see. (A message may show a value differently
in one case: rdflib's parser keeps ``"x"^^xsd:string`` apart from ``"x"``; RDF 1.1, and so
the loader, hold them to be one literal.) The ill-typed values of the corpus, which the
loader refuses, go that way too: their triples are made here.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, Literal, URIRef

from trilat_kg.cli import cli
from trilat_kg.graph import load_union
from trilat_kg.validation import (
    ValidationOutcome,
    turbo_available,
    validate,
    validate_graph,
    validate_triples,
)

pytestmark = [pytest.mark.skipif(not turbo_available(), reason="pyshacl-turbo not installed"),
              pytest.mark.slow]

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
CASES = sorted(FIXTURES.glob("*.ttl")) + sorted((FIXTURES / "lexical").glob("*.ttl"))


def _keys(outcome: ValidationOutcome) -> set[tuple[str, str | None, str, str]]:
    """What the two reports must share: focus node, path, source shape and severity.

    On the malformed-value corpus the Rust engine also names sh:DatatypeConstraintComponent
    where rdflib accepts a form XSD does not (``"2016-03-25T00:00"^^xsd:date``); the pattern
    next to the datatype catches the same value in both, so the shapes report the same nodes.
    """
    return {("_:" if r.focus.startswith("_:") else r.focus, r.path, r.source_shape, r.severity)
            for r in outcome.results}


def _all_keys(outcome: ValidationOutcome) -> list[tuple[str, str | None, str, str, str]]:
    """Every result (repeats kept) with its focus node as labelled, path, shape, component
    and severity."""
    return sorted(((r.focus, r.path, r.source_shape, r.component, r.severity)
                   for r in outcome.results), key=lambda key: (key[0], key[1] or "", *key[2:]))


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_union(graphs=["ontology"])


def _ox(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for an rdflib term, as written (blank-node label kept)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, Literal), term
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def ox_triples(graph: Graph) -> list[ox.Triple]:
    """A graph's triples as pyoxigraph triples (what the loader would give, ill-typed too)."""
    return [ox.Triple(_ox(s), _ox(p), _ox(o)) for s, p, o in graph]


def test_cases_found() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_both_engines_report_the_same_on_a_fixture(path: Path, ontology: Graph) -> None:
    from test_shapes import keys, load_case

    data, expected = load_case(path)  # the fixture's data, as written, and what it expects
    reference = validate_graph(ontology + data, engine="pyshacl")
    fast = validate_graph(ontology + data, engine="turbo")
    assert _keys(fast) == _keys(reference)
    # the way `validate` hands turbo the loader's triples: N-Triples text
    text_way = validate_triples(ox_triples(ontology + data), engine="turbo")
    assert _all_keys(text_way) == _all_keys(fast)
    if path.parent.name != "lexical":  # the corpus states its values' results per constraint
        assert keys(fast) == keys(reference) == expected
    assert fast.conforms == reference.conforms


def test_both_engines_report_the_same_on_the_data(tmp_path: Path) -> None:
    assert _keys(validate(engine="turbo")) == _keys(validate(engine="pyshacl"))
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        "@prefix trilat: <https://w3id.org/trilat-kg/ontology#> .\n"
        "<https://w3id.org/trilat-kg/id/states/atlantis> a trilat:State ;\n"
        '    trilat:cowCode "99x" .\n', encoding="utf-8")
    fast, reference = validate([broken], engine="turbo"), validate([broken], engine="pyshacl")
    assert not reference.conforms and _keys(fast) == _keys(reference)


def test_cli_engine_choice() -> None:
    runner = CliRunner()
    for engine in ("auto", "pyshacl", "turbo"):
        result = runner.invoke(cli, ["validate", "--engine", engine, "--format", "json"])
        assert result.exit_code == 0, result.output
        assert '"shacl_conforms": false' in result.stdout  # eight warnings
    assert runner.invoke(cli, ["validate", "--engine", "fastest"]).exit_code == 2
