"""The VoID statistics of data/dataset.ttl are generated and current."""

from __future__ import annotations

from rdflib import Graph, Literal, Namespace, URIRef

from trilat_kg.resources import GRAPHS, data_root
from trilat_kg.void import BEGIN, content_stats, render_block, replace_block

VOID = Namespace("http://rdfs.org/ns/void#")


def test_statistics_block_is_current() -> None:
    path = data_root() / "data" / "dataset.ttl"
    text = path.read_text(encoding="utf-8")
    assert BEGIN in text
    assert replace_block(text, render_block(content_stats())) == text, (
        "data/dataset.ttl statistics are stale: run python tools/update_stats.py")


def test_statistics_agree_with_a_plain_count() -> None:
    """The figures match an independent count with rdflib, graph by graph."""
    meta = Graph().parse(data_root() / "data" / "dataset.ttl")
    from trilat_kg.graph import load_dataset

    ds = load_dataset()
    for name in ("ontology", "essay", "external"):
        iri = URIRef(GRAPHS[name])
        assert meta.value(iri, VOID.triples) == Literal(len(ds.graph(iri)))
    states = sum(1 for _ in ds.graph(URIRef(GRAPHS["essay"])).subjects(
        URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        URIRef("https://w3id.org/trilat-kg/ontology#State")))
    partitions = {meta.value(p, VOID["class"]): meta.value(p, VOID.entities)
                  for p in meta.objects(URIRef("https://w3id.org/trilat-kg/"), VOID.classPartition)}
    assert partitions[URIRef("https://w3id.org/trilat-kg/ontology#State")] == Literal(states)


def test_replace_block_is_idempotent() -> None:
    text = "x\n"
    block = f"{BEGIN}\n<a> <b> <c> .\n# END GENERATED STATISTICS\n"
    once = replace_block(text, block)
    assert replace_block(once, block) == once


def test_readme_counts_are_current() -> None:
    from pathlib import Path

    from trilat_kg.void import render_readme_counts, replace_readme_counts

    readme = Path(__file__).resolve().parents[1] / "README.md"
    text = readme.read_text(encoding="utf-8")
    assert replace_readme_counts(text, render_readme_counts(content_stats())) == text, (
        "README.md counts are stale: run python tools/update_stats.py")
