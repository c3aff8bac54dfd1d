"""Every Turtle example of README.md and docs/*.md is true of the data.

Each ```` ```turtle ```` block is parsed (with the project's prefixes, ``tools/prefixes.ttl``,
prepended when the block declares none), and

- an excerpt of the data (any block not marked otherwise) names only resources the dataset
  holds, and every triple it states about them is in the dataset: a slug, a date or an
  ordinal the data does not use is a failure;
- a block marked ``<!-- example: new resources -->`` (on the line before it, blank lines
  allowed) shows a user's own new resources: those may be new, and the block must validate
  together with the dataset (:func:`trilat_kg.validate`), as a user's file would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

import trilat_kg
from trilat_kg.store import load_store

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PREFIXES = (ROOT / "tools" / "prefixes.ttl").read_text(encoding="utf-8")
ID = "https://w3id.org/trilat-kg/id/"
NEW_MARK = "<!-- example: new resources -->"
BLOCK = re.compile(r"^```turtle[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


class Example:
    def __init__(self, path: Path, line: int, text: str, new: bool) -> None:
        self.path, self.line, self.text, self.new = path, line, text, new

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    def turtle(self) -> str:
        declares = re.search(r"(?im)^\s*(@prefix|prefix)\s", self.text)
        return self.text if declares else PREFIXES + "\n" + self.text


def examples() -> list[Example]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            before = text[:match.start()].rstrip().splitlines()
            new = bool(before) and before[-1].strip() == NEW_MARK
            line = text.count("\n", 0, match.start()) + 2  # first line of the Turtle
            found.append(Example(path, line, match.group(1), new))
    return found


EXAMPLES = examples()


def test_there_are_turtle_examples() -> None:
    assert EXAMPLES, "no ```turtle block in README.md or docs/: the tests below prove nothing"
    assert any(e.path.name == "README.md" for e in EXAMPLES)
    assert any(e.path.name == "data-guide.md" for e in EXAMPLES)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return load_store()


def _parse(example: Example) -> rdflib.Graph:
    graph = rdflib.Graph()
    try:
        graph.parse(data=example.turtle(), format="turtle")
    except Exception as error:  # any parse error is the failure to report
        pytest.fail(f"{example.name}: the Turtle does not parse: {error}")
    assert len(graph), f"{example.name}: the block states no triple"
    return graph


def _ox(term: rdflib.term.Node) -> ox.NamedNode | ox.Literal:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    assert isinstance(term, rdflib.Literal), term
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_example_parses(example: Example) -> None:
    _parse(example)


@pytest.mark.parametrize("example", [e for e in EXAMPLES if not e.new], ids=lambda e: e.name)
def test_example_names_resources_the_dataset_holds(example: Example, store: ox.Store) -> None:
    graph = _parse(example)
    named = {str(t) for triple in graph for t in triple
             if isinstance(t, rdflib.URIRef) and str(t).startswith(ID)}
    assert named, f"{example.name}: names no resource of the dataset"
    missing = sorted(iri for iri in named
                     if next(store.quads_for_pattern(ox.NamedNode(iri), None, None), None) is None)
    assert not missing, (f"{example.name} names resources the dataset does not hold: {missing} "
                         f"(mark the block {NEW_MARK!r} if they are a user's own new ones)")


@pytest.mark.parametrize("example", [e for e in EXAMPLES if not e.new], ids=lambda e: e.name)
def test_example_states_what_the_data_says(example: Example, store: ox.Store) -> None:
    graph = _parse(example)
    absent = []
    for s, p, o in graph:
        if isinstance(s, rdflib.BNode) or isinstance(o, rdflib.BNode):
            continue
        if next(store.quads_for_pattern(_ox(s), _ox(p), _ox(o)), None) is None:
            absent.append(f"{s.n3(graph.namespace_manager)} {p.n3(graph.namespace_manager)} "
                          f"{o.n3(graph.namespace_manager)}")
    assert not absent, f"{example.name} states triples the data does not hold: {sorted(absent)}"


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.new], ids=lambda e: e.name)
def test_new_resources_validate_with_the_data(example: Example, tmp_path: Path) -> None:
    _parse(example)
    path = tmp_path / "example.ttl"
    path.write_text(example.turtle(), encoding="utf-8")
    outcome = trilat_kg.validate([path])
    assert outcome.conforms, f"{example.name} does not validate with the data:\n{outcome}"


def test_marker_and_prefixes_are_read() -> None:
    text = ("Intro.\n\n" + NEW_MARK + "\n\n```turtle\nstate:x a trilat:State .\n```\n\n"
            "```turtle\n@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n```\n")
    first, second = (Example(ROOT / "README.md", text.count("\n", 0, m.start()) + 2,
                             m.group(1), i == 0) for i, m in enumerate(BLOCK.finditer(text)))
    assert first.new and not second.new
    assert first.turtle().startswith(PREFIXES) and second.turtle() == second.text


# an IRI path written in the prose (`id/states/japan`, or the full IRI); a pattern such as
# `id/positions/<claim-slug>--<target-slug>` or `soeya-2016-pNN` is not a name
PATH = re.compile(r"(?:https://w3id\.org/trilat-kg/)?(?<![\w/])id/[a-z0-9-]+/[A-Za-z0-9_.~-]+")


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_iris_named_in_the_prose_exist(path: Path, store: ox.Store) -> None:
    text = path.read_text(encoding="utf-8")
    missing = []
    for match in PATH.finditer(text):
        name = match.group(0).rstrip(".")
        if re.search(r"[A-Z<]", name) or text[match.end():match.end() + 1] in "<{":
            continue
        iri = name if name.startswith("http") else "https://w3id.org/trilat-kg/" + name
        if next(store.quads_for_pattern(ox.NamedNode(iri), None, None), None) is None:
            missing.append(name)
    assert not missing, f"{path.name} names resources the dataset does not hold: {missing}"
