"""Every sh:pattern and sh:datatype of the shapes rejects malformed lexical forms.

The constraints are collected from the shape files themselves: every ``sh:pattern`` and
``sh:datatype``, at the top of a shape or nested in ``sh:or``, ``sh:not`` or
``sh:qualifiedValueShape``, with the named shape that reports its results (its *owner*).

The corpus of malformed values is in ``tests/fixtures/shapes/lexical/``: each focus node
there carries one malformed value (a code with a trailing line break, a date of the wrong
form, an integer in full-width digits ...) and the DASH test case of the file states the
results expected on that focus node and property. Each value is validated on its own
(its focus node's triples and the ontology's class hierarchy, parsed here with rdflib and
handed to pySHACL directly), and the results on its focus node and property must be
exactly the expected ones, among them a result of the constraint's owner.

A malformed value *tests* a constraint of its owner when only that constraint could be
expected to catch it: for ``sh:datatype`` xsd:string or rdf:langString, a value of another
datatype; for any other ``sh:datatype`` D, a literal typed D (an ill-formed lexical form)
or of a datatype the shape does not allow; for ``sh:pattern``, a value of the datatype in
force where the pattern is (any value if there is none). Every constraint must be tested
by at least one value, and every value must test some constraint.

``tests/fixtures/shapes/well-formed.ttl`` holds well-formed values for every constraint
(also checked here) and must conform with no result at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from test_shapes import (
    FIXTURE_DIR,
    LEXICAL_FIXTURES,
    SHAPES,
    XSD_STRING,
    Key,
    _short,
    load_case,
    parse_as_written,
)

from trilat_kg.resources import shape_files
from trilat_kg.validation import path_to_str

#: pySHACL runs every SPARQL constraint's text once per focus node: parse it once.
pytestmark = pytest.mark.usefixtures("sparql_parsed_once")

WELL_FORMED = FIXTURE_DIR / "well-formed.ttl"
#: Predicates through which a nested shape hangs from its parent (lists included).
NESTING = {RDF.first, RDF.rest, SH["or"], SH["and"], SH["xone"], SH["not"], SH.node,
           SH.qualifiedValueShape, SH.property}
STRINGS = {XSD_STRING, RDF.langString}


@dataclass(frozen=True)
class Constraint:
    """One sh:pattern or sh:datatype of the shapes."""

    owner: URIRef  # the named shape whose results report it
    path: URIRef | None  # the owner's sh:path (None: a node shape)
    kind: str  # "pattern" or "datatype"
    value: str  # the regular expression, or the datatype IRI
    node: BNode | URIRef  # the shape node that holds it (the owner or a nested shape)
    datatype: URIRef | None  # the sh:datatype in force there (its own node's, else the owner's)
    allowed: frozenset[URIRef]  # every datatype the owner accepts anywhere

    @property
    def id(self) -> str:
        value = self.value.rsplit("#", 1)[-1] if self.kind == "datatype" else self.value
        nested = "" if self.node == self.owner else " (nested)"
        return f"{self.owner.rsplit('#', 1)[-1]} {self.kind} {value}{nested}"


@dataclass(frozen=True)
class Entry:
    """One malformed value of the corpus and the results it must draw."""

    file: str
    focus: URIRef
    path: URIRef | None
    values: tuple[URIRef | Literal, ...]  # on the property (a label has an English one too)
    expected: frozenset[Key]

    @property
    def owners(self) -> set[str]:
        return {k[2] for k in self.expected}

    @property
    def name(self) -> str:
        return f"{self.file}: {self.focus.rsplit('/', 1)[-1]}"


# --------------------------------------------------------------------------- collecting


@cache
def shapes() -> Graph:
    """The shape files, each parsed directly with rdflib."""
    graph = Graph()
    for path in shape_files():
        graph += parse_as_written(path)
    return graph


def owner_of(graph: Graph, node: BNode | URIRef) -> URIRef:
    """The named shape a (possibly nested, anonymous) shape node belongs to."""
    while not isinstance(node, URIRef):
        parents = {s for s, p in graph.subject_predicates(node) if p in NESTING}
        assert len(parents) == 1, f"shape node {node} hangs from {len(parents)} parents"
        node = parents.pop()
    return node


def collect_constraints(graph: Graph) -> list[Constraint]:
    """Every sh:pattern and sh:datatype in the shapes, sorted by id."""
    found: list[tuple[URIRef, str, str, BNode | URIRef]] = []
    for kind, predicate in (("pattern", SH.pattern), ("datatype", SH.datatype)):
        for node, value in graph.subject_objects(predicate):
            found.append((owner_of(graph, node), kind, str(value), node))
    allowed: dict[URIRef, set[URIRef]] = {}
    for owner, kind, value, _ in found:
        if kind == "datatype":
            allowed.setdefault(owner, set()).add(URIRef(value))
    out = []
    for owner, kind, value, node in found:
        path = graph.value(owner, SH.path)
        assert path is None or isinstance(path, URIRef), f"{owner}: a complex path"
        datatype = graph.value(node, SH.datatype) or graph.value(owner, SH.datatype)
        out.append(Constraint(owner, path, kind, value, node,
                              datatype if isinstance(datatype, URIRef) else None,
                              frozenset(allowed.get(owner, ()))))
    return sorted(out, key=lambda c: c.id)


def collect_corpus() -> list[Entry]:
    """Every malformed value of the corpus, with the results expected on it."""
    entries = []
    for path in LEXICAL_FIXTURES:
        data, expected = load_case(path)
        by_place: dict[tuple[str, str | None], set[Key]] = {}
        for key in expected:
            by_place.setdefault((key[0], key[1]), set()).add(key)
        for (focus, prop), keys in sorted(by_place.items(), key=str):
            node = URIRef(focus)
            values = [node] if prop is None else sorted(data.objects(node, URIRef(prop)))
            assert values, f"{path.name}: {focus} has no value"
            assert all(isinstance(v, URIRef | Literal) for v in values)
            entries.append(Entry(path.stem, node, URIRef(prop) if prop else None,
                                 tuple(values), frozenset(keys)))
    return entries


def datatype_of(value: URIRef | Literal) -> URIRef | None:
    """A literal's datatype (RDF 1.1: xsd:string or rdf:langString when none is written)."""
    if not isinstance(value, Literal):
        return None
    if value.datatype is not None:
        return value.datatype
    return RDF.langString if value.language else XSD_STRING


def exercises(entry: Entry, constraint: Constraint) -> bool:
    """Whether the malformed value is one that only this constraint could catch."""
    if str(constraint.owner) not in entry.owners:
        return False
    return any(_tests(datatype_of(value), constraint) for value in entry.values)


def _tests(datatype: URIRef | None, constraint: Constraint) -> bool:
    if constraint.kind == "datatype":
        if URIRef(constraint.value) in STRINGS:
            return datatype != URIRef(constraint.value)
        return datatype == URIRef(constraint.value) or datatype not in constraint.allowed
    return constraint.datatype is None or datatype == constraint.datatype


CONSTRAINTS = collect_constraints(shapes())
CORPUS = collect_corpus()


# --------------------------------------------------------------------------- validating


@cache
def class_hierarchy() -> Graph:
    """The ontology's rdfs:subClassOf triples: class targets reach subclasses, as in the
    real validation; nothing else of the ontology is needed to judge a literal."""
    from trilat_kg.resources import ontology_files

    graph = Graph()
    for path in ontology_files():
        for triple in parse_as_written(path).triples((None, RDFS.subClassOf, None)):
            graph.add(triple)
    return graph


def pyshacl_results(data: Graph) -> set[Key]:
    """pySHACL's results on a graph, with the options trilat-kg validates with."""
    from pyshacl import validate as shacl_validate

    _, report, _ = shacl_validate(
        data, shacl_graph=shapes(), inference="none", allow_warnings=True, allow_infos=True,
        advanced=False, do_owl_imports=False, meta_shacl=False,
    )
    assert isinstance(report, Graph)
    out: set[Key] = set()
    for node in report.subjects(RDF.type, SH.ValidationResult):
        def name(term: object) -> str:
            return f"_:{term}" if isinstance(term, BNode) else str(term)

        out.add((
            name(report.value(node, SH.focusNode)),
            path_to_str(report, report.value(node, SH.resultPath)),
            name(report.value(node, SH.sourceShape)),
            name(report.value(node, SH.sourceConstraintComponent)),
            str(report.value(node, SH.resultSeverity)).rsplit("#", 1)[-1],
        ))
    return out


@cache
def results_on(entry: Entry) -> frozenset[Key]:
    """The results on the entry's focus node and property, its focus node validated alone."""
    data = class_hierarchy() + Graph()
    data_graph, _ = corpus_file(entry.file)
    for triple in data_graph.triples((entry.focus, None, None)):
        data.add(triple)
    path = None if entry.path is None else str(entry.path)
    return frozenset(k for k in pyshacl_results(data)
                     if k[0] == str(entry.focus) and k[1] == path)


@cache
def corpus_file(stem: str) -> tuple[Graph, set[Key]]:
    return load_case(FIXTURE_DIR / "lexical" / f"{stem}.ttl")


def check(entry: Entry, owner: URIRef) -> Iterator[str]:
    """What is wrong with how the shapes treat a malformed value (nothing, if all is well)."""
    got = results_on(entry)
    if not any(k[2] == str(owner) for k in got):
        shown = ", ".join(v.n3() for v in entry.values)
        yield f"{entry.name} ({shown}): no result from {owner.rsplit('#', 1)[-1]}"
    for key in sorted(entry.expected - got, key=str):
        yield f"{entry.name}: missing {_short(key)}"
    for key in sorted(got - entry.expected, key=str):
        yield f"{entry.name}: extra   {_short(key)}"


# --------------------------------------------------------------------------- the tests


def test_constraints_are_collected() -> None:
    """A test parametrised over an empty collection would pass and prove nothing."""
    assert CONSTRAINTS, "no sh:pattern or sh:datatype found in the shape files"
    assert {c.kind for c in CONSTRAINTS} == {"pattern", "datatype"}
    assert len(CONSTRAINTS) >= 40
    for constraint in CONSTRAINTS:
        assert constraint.owner.startswith(str(SHAPES)), constraint.id
    nested = [c for c in CONSTRAINTS if c.node != c.owner]
    assert len(nested) >= 5, "the constraints nested in sh:or, sh:not ... were not collected"


def test_corpus_is_sound() -> None:
    """The corpus is there; each value stands alone and tests some constraint."""
    assert LEXICAL_FIXTURES and len(CORPUS) >= 200
    assert len({e.focus for e in CORPUS}) == len(CORPUS), "a focus node carries two values"
    owners = {str(c.owner) for c in CONSTRAINTS}
    for entry in CORPUS:
        assert entry.owners <= owners, f"{entry.name}: results of shapes outside the corpus"
        assert any(exercises(entry, c) for c in CONSTRAINTS), (
            f"{entry.name} tests no sh:pattern or sh:datatype")


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=[c.id for c in CONSTRAINTS])
def test_malformed_values_are_rejected(constraint: Constraint) -> None:
    """Each malformed value that tests the constraint draws exactly its expected results,
    among them one of the constraint's shape, on its focus node and property."""
    entries = [e for e in CORPUS if exercises(e, constraint)]
    assert entries, f"no malformed value in the corpus tests {constraint.id}"
    for entry in entries:
        assert entry.path == constraint.path, f"{entry.name}: another property"
    problems = [p for e in entries for p in check(e, constraint.owner)]
    assert not problems, "\n".join(problems)


@cache
def well_formed() -> Graph:
    data, expected = load_case(WELL_FORMED)
    assert not expected, "the well-formed fixture expects results"
    return data


def test_well_formed_values_conform() -> None:
    """The well-formed values, with the whole ontology, draw no result at all."""
    from trilat_kg.resources import ontology_files

    data = well_formed() + Graph()
    for path in ontology_files():
        data += parse_as_written(path)
    results = pyshacl_results(data)
    assert not results, "\n".join(_short(k) for k in sorted(results, key=str))


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=[c.id for c in CONSTRAINTS])
def test_every_constraint_meets_well_formed_values(constraint: Constraint) -> None:
    """The well-formed fixture has values that the constraint checks (and passes)."""
    data = well_formed()
    if constraint.path is None:
        targets = set(shapes().objects(constraint.owner, SH.targetClass))
        values: list[object] = [s for t in targets for s in data.subjects(RDF.type, t)]
    else:
        values = list(data.objects(None, constraint.path))
    if constraint.kind == "datatype":
        values = [v for v in values if isinstance(v, Literal)
                  and datatype_of(v) == URIRef(constraint.value)]
    elif constraint.datatype is not None:
        values = [v for v in values if isinstance(v, Literal)
                  and datatype_of(v) == constraint.datatype]
    assert values, f"{WELL_FORMED.name} has no well-formed value for {constraint.id}"


def test_trailing_line_breaks_are_rejected_by_every_code_shape() -> None:
    """The reported fault: "$" matched before a final line break ("036\\n" passed)."""
    for prop in ("iso3166Alpha2", "iso3166Alpha3", "unM49", "cowCode", "cowAbbreviation",
                 "gwCode", "gwAbbreviation"):
        entries = [e for e in CORPUS if e.path is not None and e.path.endswith(f"#{prop}")
                   and any(str(v).endswith("\n") for v in e.values)]
        assert entries, f"no value of trilat:{prop} with a trailing line break in the corpus"
        for entry in entries:
            assert any(k[4] == "Violation" for k in results_on(entry)), entry.name


def test_the_reported_faults_are_rejected() -> None:
    """The faults of the issue, by value: each is in the corpus and is rejected."""
    reported = [
        ("cowCode", "999\n"), ("unM49", "036\n"), ("iso3166Alpha2", "AT\n"),
        ("date", "2016-13"), ("date", "2017 AD"), ("asOf", "2016-02-30"),
        ("asOf", "16-03-25"), ("unM49", ""),
    ]
    for prop, lexical in reported:
        entries = [e for e in CORPUS if e.path is not None and e.path.endswith(f"#{prop}")
                   and any(isinstance(v, Literal) and str(v) == lexical for v in e.values)]
        assert entries, f"trilat:{prop} {lexical!r} is not in the corpus"
        for entry in entries:
            assert any(k[4] == "Violation" for k in results_on(entry)), entry.name


def test_the_corpus_files_are_the_expected_ones() -> None:
    """Guard against a corpus file silently left out of the glob (a typo in a suffix)."""
    names = {p.name for p in (FIXTURE_DIR / "lexical").iterdir() if p.is_file()}
    assert names == {p.name for p in LEXICAL_FIXTURES}, names
    assert Path(WELL_FORMED).is_file()
