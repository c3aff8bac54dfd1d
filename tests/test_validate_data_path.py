"""``validate --data``: the turbo engine reads the loader's triples as N-Triples text.

``validate`` reads every file with :mod:`trilat_kg.loader` and hands the turbo engine the
triples as N-Triples text written by pyoxigraph (no rdflib graph is built: that cost several
times the validation itself). These tests hold that way to pySHACL's report on a ``--data``
file with violations, blank-node focus nodes, typed literals in unusual lexical forms
(``"07"^^xsd:positiveInteger``, ``"+05"^^xsd:integer``, a date with a timezone), language
tags written in capitals, and a string with escapes and a character outside the BMP.

pySHACL gets the same triples as an rdflib graph, so where both engines read one load of
the file, blank nodes have the same labels in both reports and the results must be equal
field by field, messages included. Where each engine reads the file itself (``validate``
twice), the loader gives blank nodes new labels; they are compared by structure: a blank
focus node stands for the sorted results on it.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from trilat_kg import validation
from trilat_kg.cli import cli
from trilat_kg.loader import load_parts, read_triples
from trilat_kg.validation import (
    ValidationOutcome,
    ValidationResult,
    turbo_available,
    validate,
    validate_triples,
)

pytestmark = pytest.mark.skipif(not turbo_available(), reason="pyshacl-turbo not installed")

DATA = r'''@prefix trilat:  <https://w3id.org/trilat-kg/ontology#> .
@prefix oa:      <http://www.w3.org/ns/oa#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix time:    <http://www.w3.org/2006/time#> .
@prefix ex:      <https://example.org/> .

ex:source a trilat:ExternalSource ;
    rdfs:label "Example source"@EN-gb ;
    trilat:consultedOn "2024-01-01"^^xsd:date .

# a malformed code, and one with a line break, quotes, a backslash and a clef (U+1D11E)
<https://w3id.org/trilat-kg/id/states/atlantis> a trilat:State ;
    trilat:cowCode "99x" ; dcterms:source ex:source .
<https://w3id.org/trilat-kg/id/states/lemuria> a trilat:State ;
    trilat:cowCode "9\n\"9\" \\ \U0001D11E" ; dcterms:source ex:source .

# selectors as blank nodes: an empty quote, two prefixes, a suffix with a language tag,
# a start written with a sign and a leading zero, an end with a plus sign
ex:passage a trilat:Passage ;
    oa:hasSource ex:work ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "" ; oa:prefix "one " , "two " ;
                     oa:suffix " tagged"@EN-Latn-US ] ,
                   [ a oa:TextPositionSelector ; oa:start "-01"^^xsd:integer ;
                     oa:end "+05"^^xsd:integer ] .
ex:work a trilat:Publication .

# a concept with two preferred labels in one language (one tag written in capitals)
ex:concept a skos:Concept ; skos:inScheme ex:nowhere ;
    skos:prefLabel "middle power"@EN , "middle powers"@en ; rdfs:label "middle power"@en .

# an ordinal with a leading zero (in the lexical space of xsd:positiveInteger, not in the
# shape's pattern) and a date with a timezone
ex:step a trilat:LifecycleStep ; trilat:stepOf ex:agreement ;
    trilat:ordinal "07"^^xsd:positiveInteger ;
    trilat:date "2016-03-01Z"^^xsd:date ; trilat:datePrecision time:unitDay ;
    dcterms:source ex:source .
'''


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("validate-data") / "additions.ttl"
    path.write_text(DATA, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def triples(data_file: Path) -> list[ox.Quad]:
    """The ontology and the file, read once by the loader (blank nodes labelled once)."""
    ontology = [t for _, part in load_parts(graphs=["ontology"]) for t in part]
    return ontology + read_triples(data_file)


@pytest.fixture(scope="module")
def fast(triples: list[ox.Quad]) -> ValidationOutcome:
    return validate_triples(triples, engine="turbo")


def test_turbo_takes_the_ntriples_way(triples: list[ox.Quad]) -> None:
    """turbo's input record is the one known; the text holds exactly the loader's triples."""
    assert validation._turbo_input_class() is not None, "fell back to rdflib graphs"
    record = validation._turbo_input(triples)
    assert record.format == "nt" and record.base is None
    again = ox.parse(record.source.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    assert {q.triple for q in again} == {q.triple for q in triples}
    assert '"07"^^<http://www.w3.org/2001/XMLSchema#positiveInteger>' in record.source
    assert '"+05"^^<http://www.w3.org/2001/XMLSchema#integer>' in record.source


def test_same_report_as_pyshacl(triples: list[ox.Quad], fast: ValidationOutcome) -> None:
    reference = validate_triples(triples, engine="pyshacl")
    assert fast.results == reference.results
    assert fast.text == reference.text
    assert not fast.conforms and not reference.conforms


def test_the_report_sees_the_values_as_written(fast: ValidationOutcome) -> None:
    messages = "\n".join(r.message for r in fast.results)
    for shown in ('"07"^^<http://www.w3.org/2001/XMLSchema#positiveInteger>',
                  '"+05"^^<http://www.w3.org/2001/XMLSchema#integer>',
                  '"-01"^^<http://www.w3.org/2001/XMLSchema#integer>',
                  '"2016-03-01Z"^^<http://www.w3.org/2001/XMLSchema#date>',
                  '" tagged"@en-latn-us',  # the loader lowercases tags (RDF 1.1 §3.3)
                  '"middle powers"@en',
                  '"""9\n"9" \\\\ \U0001D11E"""'):  # rdflib's n3(): a long string
        assert shown in messages, shown
    blank = {r.source_shape.rsplit("#", 1)[-1] for r in fast.results if r.focus.startswith("_:")}
    assert {"TextQuoteSelectorShape-exact", "TextPositionSelectorShape-start"} <= blank


def test_without_turbo_input_record_the_same_report(
    monkeypatch: pytest.MonkeyPatch, triples: list[ox.Quad], fast: ValidationOutcome
) -> None:
    """Should pyshacl-turbo change its input record, turbo gets an rdflib graph: same report."""
    monkeypatch.setattr(validation, "_turbo_input_class", lambda: None)
    assert validate_triples(triples, engine="turbo").results == fast.results


def test_turbo_builds_no_rdflib_data_graph(
    monkeypatch: pytest.MonkeyPatch, data_file: Path
) -> None:
    """``validate`` with turbo, with and without --data files, never builds rdflib graphs."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an rdflib data graph was built")

    monkeypatch.setattr(validation, "graph_from_triples", refuse)
    assert validate(engine="turbo").conforms
    assert not validate([data_file], engine="turbo").conforms


def _by_structure(results: list[ValidationResult]) -> list[tuple[object, ...]]:
    """The results with each blank focus node replaced by the sorted results on it."""
    def masked(text: str) -> str:
        return re.sub(r"_:[A-Za-z0-9]+", "_:", text)

    on_blank: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for r in results:
        if r.focus.startswith("_:"):
            on_blank[r.focus].append((r.path or "", r.source_shape, r.component, r.severity,
                                      masked(r.message)))
    out = []
    for r in results:
        focus: object = tuple(sorted(on_blank[r.focus])) if r.focus in on_blank else r.focus
        out.append((focus, r.path or "", r.source_shape, r.component, r.severity,
                    masked(r.message)))
    return sorted(out, key=repr)


def test_cli_data_file(data_file: Path, fast: ValidationOutcome) -> None:
    """``trilat-kg validate --data FILE``: exit 1, and the file's results among the dataset's."""
    result = CliRunner().invoke(cli, ["validate", "--engine", "turbo", "--format", "json",
                                      "--data", str(data_file)])
    assert result.exit_code == 1, result.output
    got = [ValidationResult(**r) for r in json.loads(result.stdout)["results"]]
    violations = [r for r in got if r.severity == "Violation"]
    assert _by_structure(violations) == _by_structure(fast.violations)


@pytest.mark.slow
def test_validate_data_file_same_report_as_pyshacl(data_file: Path) -> None:
    """The whole road, dataset and file read by each engine's run: the same report."""
    fast, reference = validate([data_file], engine="turbo"), validate([data_file],
                                                                      engine="pyshacl")
    assert _by_structure(fast.results) == _by_structure(reference.results)
    assert fast.conforms == reference.conforms is False
