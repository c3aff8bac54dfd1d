"""The SHACL shapes: lints on the shape files, DASH-style fixtures, and the real dataset.

Each fixture in ``tests/fixtures/shapes/`` is a small graph that breaks one shape (or a
group of related constraints) and states, in a ``dash:GraphValidationTestCase``, the
results it expects. The test strips the test case, validates the rest together with the
ontology only, and compares the *set* of (focus node, path, source shape, constraint
component, severity): a missing result means a shape stopped firing, an extra one means a
shape fires where it should not (or a fixture is sloppy). Another test demands that every
shape is expected to fire in some fixture, so that no shape goes untested.

Fixtures are parsed with their literals as written (see :func:`literal_forms_kept`), and
the last section runs Apache Jena's SHACL engine on every fixture: where Jena reads one
differently, the fixture says so at its top and docs/model.md ("Validation engines") sums
the differences up; the test checks that exactly those differences occur.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib.resources import files
from pathlib import Path

import pytest
import rdflib
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, SKOS

from trilat_kg.errors import DataError, LocalIOError
from trilat_kg.resources import shape_files
from trilat_kg.validation import (
    ValidationOutcome,
    load_shapes,
    path_to_str,
    summary_text,
    validate,
    validate_graph,
)

#: pySHACL runs every SPARQL constraint's text once per focus node: parse it once.
pytestmark = pytest.mark.usefixtures("sparql_parsed_once")

DASH = Namespace("http://datashapes.org/dash#")
SHAPES = Namespace("https://w3id.org/trilat-kg/shapes#")
ONTOLOGY = URIRef("https://w3id.org/trilat-kg/ontology")
#: (rdflib's XSD namespace object at module level makes pytest warn while collecting)
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")
FIXTURE_DIR = Path(__file__).parent / "fixtures" / "shapes"
FIXTURES = sorted(FIXTURE_DIR.glob("*.ttl"))
#: The corpus of malformed values (tests/test_shape_lexical.py); compared on the focus node
#: and property of each value only, so not part of FIXTURES.
LEXICAL_DIR = FIXTURE_DIR / "lexical"
LEXICAL_FIXTURES = sorted(LEXICAL_DIR.glob("*.ttl"))

#: (focus node, path, source shape, constraint component, severity)
Key = tuple[str, "str | None", str, str, str]

#: Predicates that only structure a shape; any other sh: predicate on a shape is a constraint
#: (or a target), so the shape needs a severity and a message.
STRUCTURAL = {
    RDF.type, RDFS.label, RDFS.comment, RDFS.seeAlso, SH.property, SH.path, SH.severity,
    SH.message, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
    SH.name, SH.description, SH.order, SH.group, SH.deactivated,
}

#: SHACL terms, in case pySHACL ever stops shipping its copy of the SHACL vocabulary.
SHACL_TERMS_FALLBACK = {
    "AndConstraintComponent", "BlankNode", "BlankNodeOrIRI", "BlankNodeOrLiteral",
    "ClassConstraintComponent", "ClosedConstraintComponent", "DatatypeConstraintComponent",
    "DisjointConstraintComponent", "EqualsConstraintComponent", "HasValueConstraintComponent",
    "IRI", "IRIOrLiteral", "InConstraintComponent", "Info", "LanguageInConstraintComponent",
    "LessThanConstraintComponent", "LessThanOrEqualsConstraintComponent", "Literal",
    "MaxCountConstraintComponent", "MaxExclusiveConstraintComponent",
    "MaxInclusiveConstraintComponent", "MaxLengthConstraintComponent",
    "MinCountConstraintComponent", "MinExclusiveConstraintComponent",
    "MinInclusiveConstraintComponent", "MinLengthConstraintComponent", "NodeConstraintComponent",
    "NodeKindConstraintComponent", "NodeShape", "NotConstraintComponent",
    "OrConstraintComponent", "PatternConstraintComponent", "PrefixDeclaration",
    "PropertyConstraintComponent", "PropertyShape", "QualifiedMaxCountConstraintComponent",
    "QualifiedMinCountConstraintComponent", "SPARQLConstraint", "SPARQLConstraintComponent",
    "Shape", "UniqueLangConstraintComponent", "ValidationReport", "ValidationResult",
    "Violation", "Warning", "XoneConstraintComponent", "alternativePath", "and", "class",
    "closed", "conforms", "datatype", "declare", "deactivated", "description", "disjoint",
    "equals", "flags", "focusNode", "group", "hasValue", "ignoredProperties", "in",
    "inversePath", "languageIn", "lessThan", "lessThanOrEquals", "maxCount", "maxExclusive",
    "maxInclusive", "maxLength", "message", "minCount", "minExclusive", "minInclusive",
    "minLength", "name", "namespace", "node", "nodeKind", "not", "oneOrMorePath", "or",
    "order", "path", "pattern", "prefix", "prefixes", "property", "qualifiedMaxCount",
    "qualifiedMinCount", "qualifiedValueShape", "qualifiedValueShapesDisjoint", "result",
    "resultMessage", "resultPath", "resultSeverity", "select", "severity", "sourceConstraint",
    "sourceConstraintComponent", "sourceShape", "sparql", "targetClass", "targetNode",
    "targetObjectsOf", "targetSubjectsOf", "uniqueLang", "value", "xone", "zeroOrMorePath",
    "zeroOrOnePath",
}


# --------------------------------------------------------------------------- helpers


@cache
def shapes_graph() -> Graph:
    """All shape files in one graph (parsed once; do not modify)."""
    return load_shapes()


def _node(node: object) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def _reachable_blank(graph: Graph, start: BNode | URIRef) -> set[object]:
    """The node and every blank node reachable from it: the test case and its report.

    Named nodes (focus nodes, shapes) stop the walk, so the fixture's data stay.
    """
    seen: set[object] = {start}
    todo = [start]
    while todo:
        for obj in graph.objects(todo.pop(), None):
            if isinstance(obj, BNode) and obj not in seen:
                seen.add(obj)
                todo.append(obj)
    return seen


@contextmanager
def literal_forms_kept() -> Iterator[None]:
    """Parse literals as they are written.

    By default rdflib replaces the lexical form of a literal it can read by the canonical
    form of its value: " 7"^^xsd:integer, "+7", "07" and a full-width seven all become "7", and
    "2016-W12-5"^^xsd:date becomes "2016-03-25", so no shape could ever see the malformed
    form. pySHACL sets ``rdflib.NORMALIZE_LITERALS`` back to True after every run, so the
    flag is set around each parse rather than once.
    """
    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = saved


def parse_as_written(path: Path) -> Graph:
    """A Turtle file, parsed with its literals as written."""
    with literal_forms_kept():
        return Graph().parse(path, format="turtle")


def load_case(path: Path) -> tuple[Graph, set[Key]]:
    """Split a fixture into its data and the set of results its test case expects."""
    graph = parse_as_written(path)
    cases = list(graph.subjects(RDF.type, DASH.GraphValidationTestCase))
    assert len(cases) == 1, f"{path.name}: expected one dash:GraphValidationTestCase"
    case = cases[0]
    expected: set[Key] = set()
    reports = list(graph.objects(case, DASH.expectedResult))
    assert reports, f"{path.name}: the test case has no dash:expectedResult"
    for report in reports:
        for result in graph.objects(report, SH.result):
            severity = graph.value(result, SH.resultSeverity)
            assert severity is not None, f"{path.name}: an expected result has no severity"
            expected.add((
                _node(graph.value(result, SH.focusNode)),
                path_to_str(graph, graph.value(result, SH.resultPath)),
                _node(graph.value(result, SH.sourceShape)),
                _node(graph.value(result, SH.sourceConstraintComponent)),
                str(severity).rsplit("#", 1)[-1],
            ))
    for node in _reachable_blank(graph, case):
        graph.remove((node, None, None))
    return graph, expected


def validate_fixture(ontology_graph: Graph, data: Graph) -> ValidationOutcome:
    """Validate a fixture's data merged with the ontology (never the dataset: fast).

    With pySHACL, the reference engine whose reading the fixtures document (the fast engine
    is held to the same results in test_validation_engines.py).
    """
    return validate_graph(ontology_graph + data, engine="pyshacl")


def keys(outcome: ValidationOutcome) -> set[Key]:
    return {(r.focus, r.path, r.source_shape, r.component, r.severity) for r in outcome.results}


def _short(key: Key) -> str:
    def s(x: str | None) -> str:
        return "-" if x is None else x.rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    return "(" + ", ".join(s(x) for x in key) + ")"


def shapes_to_cover(graph: Graph) -> tuple[set[URIRef], set[URIRef]]:
    """Return (node shapes with their own constraints, property shapes) of the shape files."""
    node_shapes = set(graph.subjects(RDF.type, SH.NodeShape))
    own = {s for s in node_shapes if any(p not in STRUCTURAL for p in graph.predicates(s))}
    props = set(graph.objects(None, SH.property))
    return {s for s in own if isinstance(s, URIRef)}, {p for p in props if isinstance(p, URIRef)}


def sh_terms(graph: Graph) -> Iterator[URIRef]:
    """Every IRI of the SHACL namespace used in a graph, in any position."""
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef) and str(term).startswith(str(SH)):
                yield term


def allowed_reused_classes(graph: Graph) -> set[URIRef]:
    """The allow-list of reused classes, read from the closed-world shape itself."""
    shape = SHAPES["ClosedWorldClassShape-type"]
    out: set[URIRef] = set()
    for or_list in graph.objects(shape, SH["or"]):
        for member in Collection(graph, or_list):
            for in_list in graph.objects(member, SH["in"]):
                out.update(x for x in Collection(graph, in_list) if isinstance(x, URIRef))
    return out


# --------------------------------------------------------------------------- fixtures


def test_fixtures_found() -> None:
    """A parametrised test over an empty glob would pass and prove nothing."""
    assert FIXTURES, f"no fixtures in {FIXTURE_DIR}"
    assert len(FIXTURES) >= 10


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fixture(path: Path, ontology_graph: Graph) -> None:
    """The fixture produces exactly the results it expects: none missing, none extra."""
    data, expected = load_case(path)
    outcome = validate_fixture(ontology_graph, data)
    got = keys(outcome)
    missing = expected - got
    extra = got - expected
    messages = {(r.focus, r.path, r.source_shape, r.component, r.severity): r.message
                for r in outcome.results}
    report = []
    report += [f"missing {_short(k)}" for k in sorted(missing, key=str)]
    report += [f"extra   {_short(k)}: {messages[k]}" for k in sorted(extra, key=str)]
    assert not report, f"{path.name}:\n" + "\n".join(report)
    assert not outcome.conforms or all(k[4] != "Violation" for k in expected)


def test_every_shape_is_exercised_by_a_fixture() -> None:
    """Every shape that can fire is expected to fire in some fixture.

    That is every named property shape, and every node shape with constraints of its own
    (a node shape that only groups property shapes is never a result's source shape; it is
    exercised through them).
    """
    graph = shapes_graph()
    node_shapes, property_shapes = shapes_to_cover(graph)
    fired: set[str] = set()
    for path in FIXTURES:
        fired |= {k[2] for k in load_case(path)[1]}
    missing = sorted(str(s) for s in node_shapes | property_shapes if str(s) not in fired)
    assert not missing, "shapes no fixture exercises:\n" + "\n".join(missing)
    groups = set(graph.subjects(RDF.type, SH.NodeShape)) - node_shapes
    for group in groups:
        members = {str(p) for p in graph.objects(group, SH.property)}
        assert members & fired, f"{group}: none of its property shapes is exercised"


def test_fixture_data_declare_their_nodes(ontology_graph: Graph) -> None:
    """Fixtures stay self-contained: no expected focus node is left undeclared."""
    for path in FIXTURES:
        data, expected = load_case(path)
        for key in expected:
            if key[0].startswith("http"):
                node = URIRef(key[0])
                assert (node, None, None) in data or (node, None, None) in ontology_graph, (
                    f"{path.name}: focus node {key[0]} is not in the fixture"
                )


# --------------------------------------------------------------------------- lints


def test_shapes_pass_shacl_shacl() -> None:
    """The shapes are valid SHACL (pySHACL's meta-validation against SHACL-SHACL)."""
    from pyshacl import validate as shacl_validate
    from pyshacl.errors import ReportableRuntimeError

    data = Graph()
    data.add((SHAPES["probe"], RDFS.label, SHAPES["probe"]))
    try:
        shacl_validate(data, shacl_graph=shapes_graph(), meta_shacl=True, inference="none")
    except ReportableRuntimeError as exc:  # pragma: no cover - the failure is the message
        pytest.fail(str(exc))


def test_every_sh_term_is_a_real_shacl_term() -> None:
    """An sh: term SHACL does not define is silently ignored (DCAT-AP shipped sh:shape)."""
    vocabulary = Graph()
    asset = files("pyshacl").joinpath("assets/shacl.ttl")
    if asset.is_file():
        vocabulary.parse(data=asset.read_text(encoding="utf-8"), format="turtle")
        defined = {str(s) for s in vocabulary.subjects() if str(s).startswith(str(SH))}
    else:  # pragma: no cover - depends on pySHACL's packaging
        defined = {str(SH[t]) for t in SHACL_TERMS_FALLBACK}
    assert len(defined) > 100
    for path in shape_files():
        graph = Graph().parse(path, format="turtle")
        unknown = sorted({str(t) for t in sh_terms(graph)} - defined)
        assert not unknown, f"{path.name}: not SHACL terms: {unknown}"


def test_targeted_classes_exist(ontology_graph: Graph) -> None:
    """Every sh:targetClass is a class of the ontology or an allowed reused class."""
    graph = shapes_graph()
    reused = allowed_reused_classes(graph)
    assert reused, "the closed-world shape's allow-list was not found"
    for shape, cls in graph.subject_objects(SH.targetClass):
        defined = (cls, RDFS.isDefinedBy, ONTOLOGY) in ontology_graph
        assert defined or cls in reused, f"{shape} targets {cls}, which the ontology lacks"


def test_shapes_are_named() -> None:
    """Shapes are IRIs in the shapes namespace; property shapes are named <NodeShape>-<...>."""
    graph = shapes_graph()
    for node_shape in graph.subjects(RDF.type, SH.NodeShape):
        assert isinstance(node_shape, URIRef) and str(node_shape).startswith(str(SHAPES))
        assert str(node_shape).endswith("Shape"), node_shape
        for prop in graph.objects(node_shape, SH.property):
            assert isinstance(prop, URIRef), f"{node_shape} has an anonymous property shape"
            assert str(prop).startswith(f"{node_shape}-"), f"{prop} is not named after {node_shape}"
            assert (prop, RDF.type, SH.PropertyShape) in graph, f"{prop} is not typed"


def test_node_shapes_have_one_english_label() -> None:
    """A node shape declared in several files keeps one label (the files must agree)."""
    graph = shapes_graph()
    for node_shape in graph.subjects(RDF.type, SH.NodeShape):
        labels = list(graph.objects(node_shape, RDFS.label))
        assert len(labels) == 1, f"{node_shape}: labels {labels}"
        assert getattr(labels[0], "language", None) == "en"


def test_every_constraint_has_severity_and_message() -> None:
    """A shape with constraints says how bad a failure is and what it means."""
    graph = shapes_graph()
    shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.objects(None, SH.property))
    for shape in shapes:
        constraints = {p for p in graph.predicates(shape) if p not in STRUCTURAL}
        if not constraints:
            continue
        assert len(set(graph.objects(shape, SH.severity))) == 1, f"{shape}: one sh:severity"
        messages = list(graph.objects(shape, SH.message))
        assert len(messages) == 1 and messages[0].language == "en", f"{shape}: one sh:message@en"
    for constraint in graph.objects(None, SH.sparql):
        assert graph.value(constraint, SH.message) is not None, "a SPARQL constraint: no message"


@pytest.mark.parametrize(("name", "severity"), [
    ("core.ttl", SH.Violation), ("ranges.ttl", SH.Violation), ("recommended.ttl", SH.Warning),
])
def test_severity_by_file(name: str, severity: URIRef) -> None:
    """core and ranges say what is wrong (violations), recommended what is missing (warnings)."""
    path = next(p for p in shape_files() if p.name == name)
    graph = Graph().parse(path, format="turtle")
    severities = set(graph.objects(None, SH.severity))
    assert severities == {severity}


def test_in_lists_match_their_schemes(ontology_graph: Graph) -> None:
    """A sh:in list copied from a concept scheme names exactly the scheme's concepts."""
    graph = shapes_graph()
    checked = 0
    for shape, scheme in graph.subject_objects(RDFS.seeAlso):
        in_list = graph.value(shape, SH["in"])
        if in_list is None:
            continue
        listed = set(Collection(graph, in_list))
        concepts = set(ontology_graph.subjects(SKOS.inScheme, scheme))
        assert concepts, f"{scheme} has no concepts"
        assert listed == concepts, (
            f"{shape}: missing {sorted(concepts - listed)}, extra {sorted(listed - concepts)}"
        )
        checked += 1
    assert checked >= 4


# --------------------------------------------------------------------------- the API


def test_warnings_do_not_break_conformance(ontology_graph: Graph) -> None:
    """A state without codes only draws warnings: the graph still conforms."""
    data = Graph().parse(data="""
        @prefix trilat: <https://w3id.org/trilat-kg/ontology#> .
        @prefix dcterms: <http://purl.org/dc/terms/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <https://w3id.org/trilat-kg/id/states/x> a trilat:State ;
            dcterms:source <https://example.org/s> .
        <https://example.org/s> a trilat:ExternalSource ;
            trilat:consultedOn "2024-01-01"^^xsd:date .
    """, format="turtle")
    outcome = validate_fixture(ontology_graph, data)
    assert outcome.conforms
    assert outcome.warnings and not outcome.violations
    assert outcome.results == sorted(outcome.results, key=lambda r: r.sort_key())
    n = len(outcome.warnings)
    assert outcome.text.splitlines()[0] == (
        f"Conforms: yes (no violations; {n} warnings, so the SHACL report says sh:conforms false)")
    assert report_conforms(outcome) is False


def report_conforms(outcome: ValidationOutcome) -> object:
    """The ``sh:conforms`` of the one validation report in the report graph, as Python."""
    return report_graph_conforms(outcome.report_graph)


def report_graph_conforms(graph: Graph) -> object:
    """The ``sh:conforms`` of the one validation report in a report graph, as Python."""
    reports = list(graph.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    values = list(graph.objects(reports[0], SH.conforms))
    assert len(values) == 1
    return values[0].toPython()


def test_report_graph_conforms_follows_shacl(ontology_graph: Graph) -> None:
    """sh:conforms is true only when there is no result at all (SHACL 3.6.1.1).

    The verdict of the API and the CLI stays "no violation"; the report graph, which
    ``validate --format turtle`` prints for other SHACL tools, says what SHACL says.
    """
    clean = validate_graph(ontology_graph + Graph())
    assert clean.conforms and not clean.results
    assert report_conforms(clean) is True
    assert clean.text.splitlines()[0] == "Conforms: yes"

    data, _ = load_case(FIXTURE_DIR / "agreement.ttl")
    broken = validate_fixture(ontology_graph, data)
    assert not broken.conforms and broken.violations
    assert report_conforms(broken) is False
    assert broken.text.splitlines()[0] == "Conforms: no"

    one = Graph().parse(data="""
        @prefix trilat: <https://w3id.org/trilat-kg/ontology#> .
        @prefix dcterms: <http://purl.org/dc/terms/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        <https://w3id.org/trilat-kg/id/persons/x> a trilat:Person ;
            dcterms:source <https://example.org/s> .
        <https://example.org/s> a trilat:ExternalSource ;
            trilat:consultedOn "2024-01-01"^^xsd:date .
    """, format="turtle")
    warned = validate_fixture(ontology_graph, one)
    assert warned.conforms and len(warned.results) == len(warned.warnings) == 1
    assert report_conforms(warned) is False
    assert warned.text.splitlines()[0] == (
        "Conforms: yes (no violations; 1 warning, so the SHACL report says sh:conforms false)")
    assert summary_text(warned).splitlines()[0] == warned.text.splitlines()[0]


def test_validate_with_data_graph_and_extra(ontology_graph: Graph, tmp_path: Path) -> None:
    """``extra`` files are merged into a copy of ``data_graph``; the caller's graph is untouched."""
    extra = tmp_path / "mine.ttl"
    extra.write_text(
        "@prefix ex: <https://example.org/> .\n"
        "ex:thing a ex:Thing .\n",
        encoding="utf-8",
    )
    base = ontology_graph + Graph()
    before = len(base)
    outcome = validate([extra], data_graph=base)
    assert len(base) == before
    assert not outcome.conforms
    assert [r.focus for r in outcome.violations] == ["https://example.org/thing"]
    assert "Violation" in outcome.text


def test_validate_refuses_empty_graph_and_missing_file(tmp_path: Path) -> None:
    """Validating nothing is an error, not a pass; a missing file is an I/O error."""
    with pytest.raises(DataError):
        validate_graph(Graph())
    with pytest.raises(LocalIOError):
        validate([tmp_path / "nope.ttl"])


def test_import_is_cheap() -> None:
    """Importing the module does not import pySHACL (the CLI's --help stays instant)."""
    code = "import sys, trilat_kg.validation; print('pyshacl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- the data


def test_dataset_conforms() -> None:
    """The real dataset (ontology + essay + external + metadata) has no violation."""
    outcome = validate()
    if not outcome.conforms:
        first = "\n".join(
            f"{r.focus} {r.path or ''} [{r.source_shape.rsplit('#', 1)[-1]}]: {r.message}"
            for r in outcome.violations[:25]
        )
        pytest.fail(f"{len(outcome.violations)} violation(s); the first:\n{first}")


@pytest.mark.parametrize(("signed", "in_force", "fires"), [
    ('"2016-11-23"^^xsd:date', '"2016-11"^^xsd:gYearMonth', False),  # may be the same month
    ('"2016"^^xsd:gYear', '"2016-11-23"^^xsd:date', False),
    ('"2016-11-23"^^xsd:date', '"2016-11-23"^^xsd:date', False),
    ('"2016-12"^^xsd:gYearMonth', '"2016-11-23"^^xsd:date', True),  # certainly later
])
def test_mixed_precision_dates_compare_as_intervals(
        ontology_graph: Graph, signed: str, in_force: str, fires: bool) -> None:
    """A step is out of order only if it certainly follows the next one (dates as intervals)."""
    path = FIXTURE_DIR / "instrument-signing.ttl"
    data, _ = load_case(path)
    text = data.serialize(format="turtle")
    precision = {"date": "time:unitDay", "gYearMonth": "time:unitMonth", "gYear": "time:unitYear"}

    def step(iri: str, date: str, ordinal: int) -> str:
        dtype = date.rsplit(":", 1)[-1]
        return (f"<{iri}> trilat:date {date} ; trilat:datePrecision {precision[dtype]} ; "
                f"trilat:ordinal \"{ordinal}\"^^xsd:positiveInteger .\n")

    g = Graph().parse(data=text, format="turtle")
    base = "https://w3id.org/trilat-kg/id/lifecycle-steps/late-signing-"
    for suffix in ("entered-into-force-2016-11-01", "signed-2016-11-23"):
        node = URIRef(base + suffix)
        for p in ("date", "datePrecision", "ordinal"):
            g.remove((node, URIRef(TRILAT_NS + p), None))
    g.parse(data=STEP_PREFIXES
            + step(base + "signed-2016-11-23", signed, 1)
            + step(base + "entered-into-force-2016-11-01", in_force, 2), format="turtle")
    outcome = validate_fixture(ontology_graph, g)
    shapes_fired = {r.source_shape.rsplit("#", 1)[-1] for r in outcome.results}
    assert ("InstrumentShape-steps-signing" in shapes_fired) is fires
    assert ("InstrumentShape-steps-order" in shapes_fired) is fires


TRILAT_NS = "https://w3id.org/trilat-kg/ontology#"
STEP_PREFIXES = """
@prefix trilat: <https://w3id.org/trilat-kg/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix time: <http://www.w3.org/2006/time#> .
"""


# --------------------------------------------------------------------------- other engines
# Apache Jena's SHACL engine (Debian's libapache-jena-java 4.5) runs on every fixture, and
# its results are compared with pySHACL's on the same graph (ontology + fixture data). A
# fixture that Jena reads differently lists each difference at its top, one line
# "# jena: <kind> <source shape> <component> <focus node>", and says which reading it
# follows and why; docs/model.md ("Validation engines") sums them up. The test fails on a
# difference that is not listed and on a listed one that no longer occurs. Without java or
# the jars it is skipped, unless TRILAT_REQUIRE_ENGINES=1 (CI), which makes it a failure.

REQUIRE_ENGINES = os.environ.get("TRILAT_REQUIRE_ENGINES") == "1"
ENGINE_FIXTURES = FIXTURES + LEXICAL_FIXTURES
JAVA_DIR = Path("/usr/share/java")
#: Jena's jars and the libraries they need, as Debian names them (unversioned links).
JENA_JARS = (
    "jena-arq", "jena-base", "jena-core", "jena-iri", "jena-shacl",
    "commons-cli", "commons-codec", "commons-compress", "commons-io", "commons-lang3",
    "dexx.collection", "gson", "guava", "httpclient", "httpcore", "jackson-annotations",
    "jackson-core", "jackson-databind", "jakarta.json-api", "jsonld-java", "protobuf",
    "slf4j-api", "slf4j-nop", "thrift", "titanium-json-ld",
)
#: Debian's jena-core keeps the xerces message bundles here, while its relocated classes
#: look for them under xerces/: without a copy there, every datatype check dies with
#: ExceptionInInitializerError.
XERCES_BUNDLES = "org/apache/jena/ext/xerces/"
#: Validates each data file against the shapes, in one JVM (launched from source), with the
#: calls of ``shacl validate``: the report of DATA goes to DATA.report.nt.
JENA_SHACL_SOURCE = """
import java.io.FileOutputStream;
import java.io.OutputStream;
import org.apache.jena.graph.Graph;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;

public class TrilatShacl {
    public static void main(String[] args) throws Exception {
        Shapes shapes = Shapes.parse(RDFDataMgr.loadGraph(args[0]));
        for (int i = 1; i < args.length; i++) {
            Graph data = RDFDataMgr.loadGraph(args[i]);
            ValidationReport report = ShaclValidator.get().validate(shapes, data);
            try (OutputStream out = new FileOutputStream(args[i] + ".report.nt")) {
                RDFDataMgr.write(out, report.getGraph(), Lang.NTRIPLES);
            }
        }
    }
}
"""
DIFFERENCE_LINE = re.compile(r"^# jena: (missing|extra|repeated|differs) (\S+) (\S+) (\S+)\s*$")
#: (kind, source shape, constraint component, focus node): shape and component by local
#: name (the component without "ConstraintComponent"), the focus node as a full IRI.
Difference = tuple[str, str, str, str]
#: A result with its sh:value, as compared between engines.
EngineResult = tuple[Key, str]


def jena_missing() -> str | None:
    """Why Jena's SHACL engine cannot run here, or None when it can."""
    if shutil.which("java") is None:
        return "no java (Debian default-jre-headless)"
    absent = [name for name in JENA_JARS if not (JAVA_DIR / f"{name}.jar").is_file()]
    if absent:
        return f"jars missing from {JAVA_DIR} (Debian libapache-jena-java): {absent}"
    return None


def jena_classpath(workdir: Path) -> str:
    """The xerces bundles copied where the classes look for them, then the jars."""
    fix = workdir / "xerces-bundles"
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
        for name in jar.namelist():
            if name.startswith(XERCES_BUNDLES) and not name.endswith((".class", "/")):
                target = fix / "xerces" / name[len(XERCES_BUNDLES):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    return os.pathsep.join([str(fix), *(str(JAVA_DIR / f"{name}.jar") for name in JENA_JARS)])


def _value_key(value: object) -> str:
    """sh:value for comparing: a plain literal is an xsd:string (RDF 1.1), blank nodes alike."""
    if value is None:
        return "-"
    if isinstance(value, BNode):
        return "_:"
    if isinstance(value, Literal):
        datatype = value.datatype or (None if value.language else XSD_STRING)
        return f"{value!s}|{datatype}|{(value.language or '').lower()}"
    return str(value)


def engine_results(report: Graph) -> Counter[EngineResult]:
    """Every result of a report graph (any engine's), with its sh:value, counted."""
    out: Counter[EngineResult] = Counter()
    for node in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(node, SH.resultSeverity)
        key: Key = (
            _node(report.value(node, SH.focusNode)),
            path_to_str(report, report.value(node, SH.resultPath)),
            _node(report.value(node, SH.sourceShape)),
            _node(report.value(node, SH.sourceConstraintComponent)),
            str(severity).rsplit("#", 1)[-1],
        )
        out[(key, _value_key(report.value(node, SH.value)))] += 1
    return out


def engine_differences(ours: Counter[EngineResult], theirs: Counter[EngineResult]
                       ) -> set[Difference]:
    """How the other engine's results differ from pySHACL's, result key by result key.

    ``missing``: pySHACL reports it and the other engine does not; ``extra``: the reverse;
    ``repeated``: both report it, the other engine more times (same values); ``differs``:
    both report it, with other values.
    """
    by_key: dict[Key, tuple[Counter[str], Counter[str]]] = {}
    for side, results in enumerate((ours, theirs)):
        for (key, value), n in results.items():
            by_key.setdefault(key, (Counter(), Counter()))[side][value] += n
    out: set[Difference] = set()
    for key, (mine, other) in by_key.items():
        if mine == other:
            continue
        if not other:
            kind = "missing"
        elif not mine:
            kind = "extra"
        elif set(mine) == set(other) and all(other[v] >= n for v, n in mine.items()):
            kind = "repeated"
        else:
            kind = "differs"
        component = key[3].rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
        out.add((kind, key[2].rsplit("#", 1)[-1], component, key[0]))
    return out


def documented_differences(path: Path) -> set[Difference]:
    """The "# jena: ..." lines at the top of a fixture, focus nodes expanded."""
    graph = parse_as_written(path)
    out: set[Difference] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = DIFFERENCE_LINE.match(line)
        if match:
            kind, shape, component, focus = match.groups()
            if focus.startswith("<") and focus.endswith(">"):
                iri = focus[1:-1]
            else:
                iri = str(graph.namespace_manager.expand_curie(focus))
            out.add((kind, shape, component, iri))
    return out


def _fixture_id(path: Path) -> str:
    return path.relative_to(FIXTURE_DIR).with_suffix("").as_posix()


@pytest.fixture(scope="module")
def jena_reports(tmp_path_factory: pytest.TempPathFactory,
                 ontology_graph: Graph) -> dict[Path, Graph]:
    """Jena's report graph for every fixture (ontology + data, as pySHACL gets them)."""
    reason = jena_missing()
    if reason is not None:
        if REQUIRE_ENGINES:
            pytest.fail(f"{reason}, and TRILAT_REQUIRE_ENGINES=1")
        pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("jena-shacl")
    shapes = workdir / "shapes.nt"
    shapes_graph().serialize(shapes, format="nt", encoding="utf-8")
    data_files: dict[Path, Path] = {}
    for i, path in enumerate(ENGINE_FIXTURES):
        data, _ = load_case(path)
        target = workdir / f"{i:02d}-{path.stem}.nt"
        (ontology_graph + data).serialize(target, format="nt", encoding="utf-8")
        data_files[path] = target
    source = workdir / "TrilatShacl.java"
    source.write_text(JENA_SHACL_SOURCE, encoding="utf-8")
    command = ["java", "-cp", jena_classpath(workdir), str(source), str(shapes),
               *map(str, data_files.values())]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, f"Jena's SHACL run failed:\n{done.stderr[-3000:]}"
    reports: dict[Path, Graph] = {}
    for path, target in data_files.items():
        with literal_forms_kept():
            reports[path] = Graph().parse(f"{target}.report.nt", format="nt")
    return reports


@pytest.mark.slow
@pytest.mark.parametrize("path", ENGINE_FIXTURES, ids=[_fixture_id(p) for p in ENGINE_FIXTURES])
def test_jena_reads_the_fixture_as_documented(
        path: Path, jena_reports: dict[Path, Graph], ontology_graph: Graph) -> None:
    """Jena's results differ from pySHACL's exactly as the fixture says, and nowhere else."""
    data, _ = load_case(path)
    our_report = validate_fixture(ontology_graph, data).report_graph
    ours, theirs = engine_results(our_report), engine_results(jena_reports[path])
    assert report_graph_conforms(our_report) == report_graph_conforms(jena_reports[path]), (
        "the engines disagree on sh:conforms")
    assert sum(theirs.values()) > 0 or not ours, "Jena reported nothing: did it run?"
    found = engine_differences(ours, theirs)
    documented = documented_differences(path)

    def line(d: Difference) -> str:
        return f"# jena: {d[0]} {d[1]} {d[2]} <{d[3]}>"

    report = [f"not documented: {line(d)}" for d in sorted(found - documented)]
    report += [f"documented, did not occur: {line(d)}" for d in sorted(documented - found)]
    assert not report, f"{_fixture_id(path)}:\n" + "\n".join(report)
    if path in LEXICAL_FIXTURES:  # every malformed value is rejected by its shape in Jena too
        _, expected = load_case(path)
        rejected = {k[:3] for k, _ in theirs}
        unrejected = sorted({k[:3] for k in expected} - rejected, key=str)
        assert not unrejected, f"Jena accepts: {unrejected}"


def test_engine_differences_are_in_the_docs() -> None:
    """Every fixture that Jena reads differently is named in docs/model.md's table."""
    model = Path(__file__).parent.parent / "docs" / "model.md"
    text = model.read_text(encoding="utf-8")
    assert "\n## Validation engines\n" in text
    section = text.split("\n## Validation engines\n", 1)[1].split("\n## ", 1)[0]
    documented = [p for p in ENGINE_FIXTURES if documented_differences(p)]
    assert documented, "no fixture documents a difference: is the line format still parsed?"
    for path in documented:
        assert f"{path.relative_to(FIXTURE_DIR).as_posix()}" in section, (
            f"{path.name} documents differences with Jena that docs/model.md does not name")
