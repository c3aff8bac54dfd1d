"""Integrity rules that need named graphs: SPARQL queries that must return no rows.

Each rule in shapes/integrity/<what>-violation.rq runs on the real dataset (and must find
nothing) and on a small TriG fixture made to break it (and must find exactly the planted
offender), so a rule that silently matches nothing cannot pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset

from trilat_kg.graph import load_dataset
from trilat_kg.resources import data_root

RULES = sorted((data_root() / "shapes" / "integrity").glob("*-violation.rq"))

PREFIXES = """
@prefix trilat: <https://w3id.org/trilat-kg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix id: <https://w3id.org/trilat-kg/id/> .
@prefix g: <https://w3id.org/trilat-kg/graphs/> .
"""

#: rule slug -> (TriG fixture, the offending value the rule must report)
BREAKERS: dict[str, tuple[str, str]] = {
    "essay-node-without-passage": (
        "g:essay { id:states:x a trilat:State ; rdfs:label \"X\"@en . }".replace(
            "id:states:x", "<https://w3id.org/trilat-kg/id/states/x>"),
        "https://w3id.org/trilat-kg/id/states/x",
    ),
    "external-node-without-source": (
        "g:external { <https://w3id.org/trilat-kg/id/states/x> trilat:cowCode \"999\" . }",
        "https://w3id.org/trilat-kg/id/states/x",
    ),
    "essay-event-after-essay-date": (
        "g:essay { <https://w3id.org/trilat-kg/id/lifecycle-steps/x> "
        "trilat:date \"2016-11-23\"^^xsd:date . }",
        "https://w3id.org/trilat-kg/id/lifecycle-steps/x",
    ),
    "undeclared-source": (
        "g:external { <https://w3id.org/trilat-kg/id/states/x> "
        "dcterms:source <https://example.org/nowhere> . }",
        "https://w3id.org/trilat-kg/id/states/x",
    ),
    "passage-without-user": (
        "g:essay { <https://w3id.org/trilat-kg/id/passages/orphan> a trilat:Passage . }",
        "https://w3id.org/trilat-kg/id/passages/orphan",
    ),
    "dangling-reference": (
        "g:essay { <https://w3id.org/trilat-kg/id/claims/x> trilat:holder "
        "<https://w3id.org/trilat-kg/id/persons/nobody> . }",
        "https://w3id.org/trilat-kg/id/persons/nobody",
    ),
}


def slug(rule: Path) -> str:
    return rule.name.removesuffix("-violation.rq")


def run(ds: Dataset, rule: Path) -> list[tuple[str, ...]]:
    rows = ds.query(rule.read_text(encoding="utf-8"))
    return [tuple(str(v) for v in row) for row in rows]


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset()


def test_rules_exist_and_each_has_a_breaker() -> None:
    assert RULES, "no integrity rules found"
    assert {slug(r) for r in RULES} == set(BREAKERS)


@pytest.mark.parametrize("rule", RULES, ids=slug)
def test_dataset_breaks_no_rule(dataset: Dataset, rule: Path) -> None:
    rows = run(dataset, rule)
    assert not rows, f"{rule.name}: " + "; ".join(" ".join(r) for r in rows[:20])


@pytest.mark.parametrize("rule", RULES, ids=slug)
def test_rule_catches_its_breaker(rule: Path) -> None:
    trig, offender = BREAKERS[slug(rule)]
    ds = Dataset(default_union=True)
    ds.parse(data=PREFIXES + trig, format="trig")
    rows = run(ds, rule)
    assert [r[0] for r in rows] == [offender]
