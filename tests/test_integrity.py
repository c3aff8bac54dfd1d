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
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix pol: <https://w3id.org/trilat-kg/id/polarities/> .
@prefix mod: <https://w3id.org/trilat-kg/id/modalities/> .
@prefix claim: <https://w3id.org/trilat-kg/id/claims/> .
@prefix passage: <https://w3id.org/trilat-kg/id/passages/> .
@prefix position: <https://w3id.org/trilat-kg/id/positions/> .
@prefix paragraph: <https://w3id.org/trilat-kg/id/paragraphs/> .
"""

#: A passage (quote and paragraph) for the breakers below, in TriG.
def _passage(slug: str, exact: str, paragraph: int = 19) -> str:
    return (f"passage:{slug} trilat:inParagraph paragraph:p{paragraph} ; "
            f"oa:hasSelector <https://w3id.org/trilat-kg/id/passages/{slug}#quote> . "
            f"<https://w3id.org/trilat-kg/id/passages/{slug}#quote> oa:exact \"{exact}\" . "
            f"paragraph:p{paragraph} trilat:ordinal {paragraph} . ")

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
    # Kind: the essay graph says more than the essay (an official year in a label)
    "essay-label-year": (
        "g:essay { claim:x rdfs:label \"The 2015 legislation is a war-making law\"@en ; "
        "trilat:passage passage:x . "
        + _passage("x", "Abe’s legislation is a “war-making” law") + " }",
        "https://w3id.org/trilat-kg/id/claims/x",
    ),
    # Kind: an unsourced label in another language in the essay graph
    "essay-label-not-english": (
        "g:essay { id:concept-x rdfs:label \"human security\"@en, \"人間の安全保障\"@ja ; "
        "skos:prefLabel \"human security\"@en . }".replace(
            "id:concept-x", "<https://w3id.org/trilat-kg/id/concepts/x>"),
        "https://w3id.org/trilat-kg/id/concepts/x",
    ),
    # Kind: the time a stance was held placed by an event the essay graph lacks
    "essay-held-event-not-in-essay": (
        "g:essay { claim:x trilat:heldUntilEvent "
        "<https://w3id.org/trilat-kg/id/lifecycle-steps/y> . } "
        "g:external { <https://w3id.org/trilat-kg/id/lifecycle-steps/y> a trilat:LifecycleStep . }",
        "https://w3id.org/trilat-kg/id/claims/x",
    ),
    # Kind: a qualification with no connective in either quote
    "concession-without-connective": (
        "g:essay { claim:x trilat:qualifies claim:y ; trilat:passage passage:x . "
        "claim:y trilat:passage passage:y . "
        + _passage("x", "the political environment is premature")
        + _passage("y", "Japan is able to work with South Korea") + " }",
        "https://w3id.org/trilat-kg/id/claims/x",
    ),
    # Kind: a support link the essay does not draw (paragraph 26 back to paragraph 8)
    "support-out-of-reach": (
        "g:essay { claim:x trilat:supports claim:y ; trilat:passage passage:x . "
        "claim:y trilat:passage passage:y . "
        + _passage("x", "in the middle ground between great powers", 26)
        + _passage("y", "can and should promote substantial cooperation", 8) + " }",
        "https://w3id.org/trilat-kg/id/claims/x",
    ),
    # Kind: a label that drops the passage's hedge ("not necessarily")
    "hedge-dropped": (
        "g:essay { claim:x a trilat:Claim ; "
        "rdfs:label \"Japan and South Korea are not a counterbalance to China\"@en ; "
        "trilat:statement \"Being allies does not necessarily unite them against China.\"@en ; "
        "trilat:passage passage:x . "
        + _passage("x", "does not necessarily mean that they are united as a counterbalance")
        + " }",
        "https://w3id.org/trilat-kg/id/claims/x",
    ),
    # Kind: a stance dated when it was no longer held (two Japanese governments, opposite
    # positions toward one target, both still held on the essay's date)
    "positions-contradict-at-once": (
        "g:essay { "
        "claim:x trilat:position position:x ; trilat:modality mod:legal-possibility ; "
        "trilat:asOf \"2016-03-25\"^^xsd:date ; trilat:holder id:gov-a . "
        "position:x trilat:positionTarget id:csd ; trilat:positionPolarity pol:positive . "
        "claim:y trilat:position position:y ; trilat:modality mod:legal-possibility ; "
        "trilat:asOf \"2016-03-25\"^^xsd:date ; trilat:holder id:gov-b . "
        "position:y trilat:positionTarget id:csd ; trilat:positionPolarity pol:negative . "
        "id:gov-a a trilat:Government ; trilat:ofState id:japan . "
        "id:gov-b a trilat:Government ; trilat:ofState id:japan . }".replace(
            "id:gov-a", "<https://w3id.org/trilat-kg/id/governments/a>").replace(
            "id:gov-b", "<https://w3id.org/trilat-kg/id/governments/b>").replace(
            "id:csd", "<https://w3id.org/trilat-kg/id/measures/csd>").replace(
            "id:japan", "<https://w3id.org/trilat-kg/id/states/japan>"),
        "https://w3id.org/trilat-kg/id/claims/x",
    ),
    # Kind: a step type the essay does not state ("has not been signed yet" typed as a
    # postponement)
    "essay-step-type-unstated": (
        "g:essay { <https://w3id.org/trilat-kg/id/lifecycle-steps/x> a trilat:LifecycleStep ; "
        "trilat:stepType <https://w3id.org/trilat-kg/id/step-types/signing-postponed> ; "
        "trilat:passage passage:x . "
        + _passage("x", "has not been signed yet due to domestic opposition in South Korea", 31)
        + " }",
        "https://w3id.org/trilat-kg/id/lifecycle-steps/x",
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
