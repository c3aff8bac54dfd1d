"""Every passage verifies against the essay, and every paragraph of the essay is represented.

The essay is not redistributed with the data set. These tests need a local copy: set
TRILAT_ESSAY to its path (or put it in essay/ at the top of a checkout). Without it they are
skipped, saying how to supply it; the SHA-256 recorded in the data decides whether a copy is
the right text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from trilat_kg.graph import load_union
from trilat_kg.namespaces import OA, TRILAT
from trilat_kg.passages import (
    essay_record,
    locate_essay,
    paragraphs,
    sha256_of,
    verify_passages,
)


@pytest.fixture(scope="module")
def essay_graph() -> Graph:
    return load_union(graphs=["essay"])


@pytest.fixture(scope="module")
def essay_text(essay_graph: Graph) -> str:
    record = essay_record(essay_graph)
    assert record is not None, "the essay's record (trilat:textSha256) is missing"
    path = locate_essay(record[1])
    if path is None:
        pytest.skip(
            "no local copy of the essay with SHA-256 "
            f"{record[1]}: set TRILAT_ESSAY=/path/to/essay.txt to verify the passages"
        )
    return path.read_text(encoding="utf-8")


def test_recorded_digest_and_length_match_the_copy(essay_graph: Graph, essay_text: str) -> None:
    work, digest = essay_record(essay_graph)  # type: ignore[misc]
    path = locate_essay(digest)
    assert path is not None and sha256_of(path) == digest
    assert int(essay_graph.value(work, TRILAT.textLength)) == len(essay_text)


def test_every_passage_verifies(essay_graph: Graph, essay_text: str) -> None:
    passages = set(essay_graph.subjects(RDF.type, TRILAT.Passage))
    assert len(passages) > 50
    problems = verify_passages(essay_graph, essay_text)
    assert not problems, "\n".join(problems)


def test_every_paragraph_contains_a_passage(essay_graph: Graph, essay_text: str) -> None:
    spans = []
    for passage in essay_graph.subjects(RDF.type, TRILAT.Passage):
        for sel in essay_graph.objects(passage, OA.hasSelector):
            if (sel, RDF.type, OA.TextPositionSelector) in essay_graph:
                spans.append((int(essay_graph.value(sel, OA.start)),
                              int(essay_graph.value(sel, OA.end))))
    paras = paragraphs(essay_text)
    assert len(paras) == 35
    bare = [p.number for p in paras
            if not any(p.start <= s and e <= p.end for s, e in spans)]
    assert not bare, f"paragraphs with no passage: {bare}"


def test_paragraph_nodes_match_the_text(essay_graph: Graph, essay_text: str) -> None:
    recorded = {}
    for para in essay_graph.subjects(RDF.type, TRILAT.EssayParagraph):
        sel = essay_graph.value(para, OA.hasSelector)
        recorded[int(essay_graph.value(para, TRILAT.ordinal))] = (
            int(essay_graph.value(sel, OA.start)), int(essay_graph.value(sel, OA.end)))
    assert recorded == {p.number: (p.start, p.end) for p in paragraphs(essay_text)}


def test_quotes_do_not_reproduce_the_essay(essay_graph: Graph, essay_text: str) -> None:
    """Passages are short quotations, not the essay's running text.

    No quote is longer than 350 characters (the longest is the first condition for the use of
    force, which the essay itself quotes), and all quotes together cover under half the text.
    """
    long_quotes = [str(q)[:60] for q in essay_graph.objects(None, OA.exact)
                   if len(str(q)) > 350]
    assert not long_quotes
    covered = [False] * len(essay_text)
    for passage in essay_graph.subjects(RDF.type, TRILAT.Passage):
        for sel in essay_graph.objects(passage, OA.hasSelector):
            if (sel, RDF.type, OA.TextPositionSelector) in essay_graph:
                start = int(essay_graph.value(sel, OA.start))
                end = int(essay_graph.value(sel, OA.end))
                covered[start:end] = [True] * (end - start)
    share = sum(covered) / len(essay_text)
    assert share < 0.5, f"quotes cover {share:.0%} of the essay"


def test_verifier_rejects_a_drifted_passage(essay_graph: Graph, essay_text: str) -> None:
    """A quote whose offsets point elsewhere, or that occurs twice, is reported."""
    g = Graph()
    g.parse(data="""
        @prefix trilat: <https://w3id.org/trilat-kg/ontology#> .
        @prefix oa: <http://www.w3.org/ns/oa#> .
        <urn:p1> a trilat:Passage ; oa:hasSelector <urn:p1q>, <urn:p1p> .
        <urn:p1q> a oa:TextQuoteSelector ; oa:exact "Japan and the Republic of Korea (ROK)" .
        <urn:p1p> a oa:TextPositionSelector ; oa:start 0 ; oa:end 37 .
        <urn:p2> a trilat:Passage ; oa:hasSelector <urn:p2q>, <urn:p2p> .
        <urn:p2q> a oa:TextQuoteSelector ; oa:exact "middle power" .
        <urn:p2p> a oa:TextPositionSelector ; oa:start 0 ; oa:end 12 .
    """, format="turtle")
    problems = verify_passages(g, essay_text)
    assert any("urn:p1" in p and "offsets" in p for p in problems)
    assert any("urn:p2" in p and "occurs" in p for p in problems)


def test_missing_copy_is_reported_by_digest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file with another digest is not taken for the essay."""
    other = tmp_path / "other.txt"
    other.write_text("not the essay", encoding="utf-8")
    monkeypatch.setenv("TRILAT_ESSAY", str(other))
    assert locate_essay("0" * 64) is None
    assert locate_essay(sha256_of(other)) == other
