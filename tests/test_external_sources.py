"""Guards on the external graph's sources: every fact cites the version of a source that was read.

Each guard is a function from a graph to the offending rows (an empty list when the data
keeps the rule). It runs on the real external graph, where it must find nothing, and on a
small in-memory graph made to break it, where it must find exactly the planted fault, so a
guard that silently matches nothing cannot pass.

The rules:

- a GitHub source names the commit it was read at, never a branch (``blob/main``, ...);
- no link to DBpedia unless the DBpedia page itself is a declared source of that node
  (the record that the link was checked against what DBpedia says);
- an external life-cycle step with a place cites a source, and a step does not assert a
  date or a place its own note calls doubtful;
- a source is the page as read, not a copy on a mirror of an encyclopedia dump;
- every declared source has an English label saying what it is, one consultation date not
  in the future, and is cited by something.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from trilat_kg.graph import load_union

TRILAT = Namespace("https://w3id.org/trilat-kg/ontology#")

PREFIXES = """
@prefix trilat: <https://w3id.org/trilat-kg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix dbr: <http://dbpedia.org/resource/> .
@prefix state: <https://w3id.org/trilat-kg/id/states/> .
@prefix place: <https://w3id.org/trilat-kg/id/places/> .
@prefix lstep: <https://w3id.org/trilat-kg/id/lifecycle-steps/> .
"""


def parse(turtle: str) -> Graph:
    return Graph().parse(data=PREFIXES + turtle, format="turtle")


def sources(graph: Graph) -> list[URIRef]:
    return sorted(
        s for s in graph.subjects(RDF.type, TRILAT.ExternalSource) if isinstance(s, URIRef)
    )


# ---------------------------------------------------------------- the guards

#: a file or folder on a code host, read at some version: the part after blob/, tree/, raw/
_CODE_HOST = re.compile(
    r"^https?://(?:www\.)?(?:github\.com|gitlab\.com)/[^/]+/[^/]+/(?:-/)?(?:blob|tree|raw)/([^/]+)/"
    r"|^https?://raw\.githubusercontent\.com/[^/]+/[^/]+/([^/]+)/"
)
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def unpinned_code_sources(graph: Graph) -> list[str]:
    """Sources on GitHub or GitLab whose version is a branch or tag name, not a commit."""
    bad = []
    for source in sources(graph):
        match = _CODE_HOST.match(str(source))
        if match is None:
            if re.match(
                r"^https?://(?:www\.)?(?:github\.com|gitlab\.com)/[^/]+/[^/]+/?$", str(source)
            ):
                bad.append(str(source))  # a whole repository: no version at all
            continue
        ref = match.group(1) or match.group(2)
        if not _COMMIT.match(ref):
            bad.append(str(source))
    return bad


_DBPEDIA = re.compile(r"^https?://(?:[a-z]{2,3}\.)?dbpedia\.org/(?:resource|page)/(.+)$")


def unverified_dbpedia_links(graph: Graph) -> list[tuple[str, str]]:
    """Links to DBpedia whose node does not cite the DBpedia page (or resource) it names."""
    bad = []
    for subject, _, target in graph:
        match = _DBPEDIA.match(str(target)) if isinstance(target, URIRef) else None
        if match is None:
            continue
        name = match.group(1)
        cited = {
            str(s)
            for s in graph.objects(subject, DCTERMS.source)
            if (s, RDF.type, TRILAT.ExternalSource) in graph
        }
        read = any((m := _DBPEDIA.match(c)) is not None and m.group(1) == name for c in cited)
        if not read:
            bad.append((str(subject), str(target)))
    return sorted(bad)


def placed_steps_without_source(graph: Graph) -> list[str]:
    """External life-cycle steps that give a place but cite no declared source."""
    bad = []
    for step in graph.subjects(TRILAT.place, None):
        if (step, RDF.type, TRILAT.LifecycleStep) not in graph:
            continue
        cited = [
            s
            for s in graph.objects(step, DCTERMS.source)
            if (s, RDF.type, TRILAT.ExternalSource) in graph
        ]
        if not cited:
            bad.append(str(step))
    return sorted(set(bad))


#: words by which a note says the step's own date or place is in doubt
_DOUBT = re.compile(r"\b(misprint|doubt\w*|uncertain|unresolved|not resolved)\b", re.IGNORECASE)


def doubted_steps(graph: Graph) -> list[str]:
    """Steps that assert a date or place while their own note calls it doubtful."""
    bad = []
    for step in graph.subjects(RDF.type, TRILAT.LifecycleStep):
        asserts = any(True for _ in graph.objects(step, TRILAT.date)) or any(
            True for _ in graph.objects(step, TRILAT.place)
        )
        notes = [
            str(n)
            for p in (SKOS.editorialNote, SKOS.note, RDFS.comment)
            for n in graph.objects(step, p)
        ]
        if asserts and any(_DOUBT.search(n) for n in notes):
            bad.append(str(step))
    return sorted(bad)


#: copies of encyclopedia dumps served under someone else's address (Kiwix/ZIM readers,
#: IPFS mirrors): cite the page itself, or a permanent revision of it
_MIRROR = re.compile(
    r"/content/wikipedia_|wikipedia-on-ipfs|/content/wiki\w*_\w+_\d{4}-\d{2}/", re.IGNORECASE
)


def mirrored_sources(graph: Graph) -> list[str]:
    """Sources whose address is a mirror of an encyclopedia dump rather than the page."""
    return [str(s) for s in sources(graph) if _MIRROR.search(str(s))]


def badly_described_sources(graph: Graph, today: dt.date) -> list[tuple[str, str]]:
    """Sources without one English label, with a consultation date missing, repeated or
    in the future, or that nothing cites."""
    bad = []
    for source in sources(graph):
        labels = [
            lab
            for lab in graph.objects(source, RDFS.label)
            if isinstance(lab, Literal) and lab.language == "en"
        ]
        if len(labels) != 1:
            bad.append((str(source), "needs exactly one English label"))
        dates = list(graph.objects(source, TRILAT.consultedOn))
        if len(dates) != 1:
            bad.append((str(source), "needs exactly one consultation date"))
        for value in dates:
            try:
                day = dt.date.fromisoformat(str(value))
            except ValueError:
                bad.append((str(source), f"consultation date {value} is not a date"))
                continue
            if day > today:
                bad.append((str(source), f"consultation date {value} is in the future"))
        if not any(True for _ in graph.subjects(DCTERMS.source, source)):
            bad.append((str(source), "is declared but cited by nothing"))
    return sorted(bad)


# ---------------------------------------------------------------- the real data


@pytest.fixture(scope="module")
def external() -> Graph:
    graph = load_union(graphs=["external"])
    assert len(graph) > 100, "the external graph was not loaded"
    assert sources(graph), "no trilat:ExternalSource in the external graph"
    return graph


def test_github_sources_are_pinned_to_a_commit(external: Graph) -> None:
    assert any("github.com" in str(s) for s in sources(external))
    assert unpinned_code_sources(external) == []


def test_no_unverified_dbpedia_link(external: Graph) -> None:
    assert unverified_dbpedia_links(external) == []


def test_steps_with_a_place_cite_a_source(external: Graph) -> None:
    assert any(True for _ in external.subjects(TRILAT.place, None))
    assert placed_steps_without_source(external) == []


def test_no_step_asserts_what_its_note_doubts(external: Graph) -> None:
    assert any(True for _ in external.subjects(RDF.type, TRILAT.LifecycleStep))
    assert doubted_steps(external) == []


def test_no_source_is_a_mirror_copy(external: Graph) -> None:
    assert mirrored_sources(external) == []


def test_sources_are_described_dated_and_used(external: Graph) -> None:
    assert badly_described_sources(external, dt.date.today()) == []


# ---------------------------------------------------------------- each guard catches its fault


def test_guard_catches_a_branch_name() -> None:
    graph = parse("""
        <https://github.com/unicode-org/cldr/blob/main/common/main/ja.xml> a trilat:ExternalSource .
        <https://github.com/o/r/tree/master/data> a trilat:ExternalSource .
        <https://raw.githubusercontent.com/o/r/v1.2/f.csv> a trilat:ExternalSource .
        <https://github.com/o/r> a trilat:ExternalSource .
        <https://github.com/o/r/blob/0d37cec15f268135936986ddf97aec30174f20fc/f.csv>
            a trilat:ExternalSource .
    """)
    assert unpinned_code_sources(graph) == [
        "https://github.com/o/r",
        "https://github.com/o/r/tree/master/data",
        "https://github.com/unicode-org/cldr/blob/main/common/main/ja.xml",
        "https://raw.githubusercontent.com/o/r/v1.2/f.csv",
    ]


def test_guard_catches_a_dbpedia_link_nobody_checked() -> None:
    graph = parse("""
        state:japan skos:exactMatch dbr:Japan ;
            dcterms:source <https://example.org/code-list> .
        state:canada skos:exactMatch dbr:Canada ;
            dcterms:source <https://dbpedia.org/page/Canada> .
        <https://example.org/code-list> a trilat:ExternalSource .
        <https://dbpedia.org/page/Canada> a trilat:ExternalSource .
    """)
    assert unverified_dbpedia_links(graph) == [
        ("https://w3id.org/trilat-kg/id/states/japan", "http://dbpedia.org/resource/Japan")
    ]


def test_guard_catches_a_placed_step_without_source() -> None:
    graph = parse("""
        lstep:x a trilat:LifecycleStep ; trilat:place place:tokyo .
        lstep:y a trilat:LifecycleStep ; trilat:place place:seoul ;
            dcterms:source <https://example.org/report> .
        <https://example.org/report> a trilat:ExternalSource .
    """)
    assert placed_steps_without_source(graph) == ["https://w3id.org/trilat-kg/id/lifecycle-steps/x"]


def test_guard_catches_a_doubted_date() -> None:
    graph = parse("""
        lstep:x a trilat:LifecycleStep ; trilat:date "2001"^^xsd:gYear ;
            skos:editorialNote "The year could be a misprint for 2011."@en .
        lstep:y a trilat:LifecycleStep ;
            skos:editorialNote "No date is given: the only report is a misprint."@en .
        lstep:z a trilat:LifecycleStep ; trilat:date "2011-01-10"^^xsd:date .
    """)
    assert doubted_steps(graph) == ["https://w3id.org/trilat-kg/id/lifecycle-steps/x"]


def test_guard_catches_a_mirror_copy() -> None:
    graph = parse("""
        <https://wiki.example.net/content/wikipedia_en_simple_all_nopic_2025-09/Lee_Myung_Bak>
            a trilat:ExternalSource .
        <https://en.wikipedia-on-ipfs.org/wiki/Japan> a trilat:ExternalSource .
        <https://en.wikipedia.org/w/index.php?title=Japan&oldid=1> a trilat:ExternalSource .
    """)
    assert mirrored_sources(graph) == [
        "https://en.wikipedia-on-ipfs.org/wiki/Japan",
        "https://wiki.example.net/content/wikipedia_en_simple_all_nopic_2025-09/Lee_Myung_Bak",
    ]


def test_guard_catches_an_undescribed_or_unused_source() -> None:
    graph = parse("""
        state:x dcterms:source <https://example.org/a>, <https://example.org/b>,
            <https://example.org/c> .
        <https://example.org/a> a trilat:ExternalSource ; rdfs:label "A page"@en ;
            trilat:consultedOn "2026-11-30"^^xsd:date .
        <https://example.org/b> a trilat:ExternalSource ; rdfs:label "B"@ja ;
            trilat:consultedOn "2999-01-01"^^xsd:date .
        <https://example.org/c> a trilat:ExternalSource ; rdfs:label "C"@en .
        <https://example.org/d> a trilat:ExternalSource ; rdfs:label "D"@en ;
            trilat:consultedOn "2026-11-30"^^xsd:date .
    """)
    assert badly_described_sources(graph, dt.date(2026, 11, 30)) == [
        ("https://example.org/b", "consultation date 2999-01-01 is in the future"),
        ("https://example.org/b", "needs exactly one English label"),
        ("https://example.org/c", "needs exactly one consultation date"),
        ("https://example.org/d", "is declared but cited by nothing"),
    ]
