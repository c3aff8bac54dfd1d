"""Validate the trilat-kg graph (or a user's additions to it) against the SHACL shapes.

The shapes in ``shapes/`` say what makes the graph trustworthy: every fact has a source,
dates are well formed and agree with their precision, signing comes no later than entry
into force, every class is the ontology's. :func:`validate` is the one entry point the CLI
and the tests wrap.

Choices that matter:

* The data graph is the *union* of the ontology and the data: shapes target subclasses
  (``sh:targetClass trilat:Actor`` reaches every ``trilat:State``) through the ontology's
  ``rdfs:subClassOf`` triples, so no inference is needed (``inference="none"``), and the
  closed-world class check reads the ontology's ``rdfs:isDefinedBy``.
* Files are read by :mod:`trilat_kg.loader` only, never by an engine: a string handed to
  pySHACL is read or fetched by it and echoed in its errors, and ``owl:imports`` are never
  followed (no network). pySHACL gets rdflib graphs built from the loader's triples
  (:mod:`trilat_kg.graph`); the turbo engine gets the same triples as N-Triples text
  serialised by pyoxigraph, in turbo's own input record (see :func:`validate_triples`),
  which its Rust parser reads with lexical forms, language tags and blank-node labels as
  they are. Building rdflib graphs would cost several times the validation itself.
* "Conforms" means no ``sh:Violation``: warnings (``recommended.ttl``) are reported but do
  not fail validation (pySHACL's ``allow_warnings``).
* Results are sorted, so that two runs on the same data print the same report.

pySHACL is imported inside the functions, so that importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from .errors import DataError, LocalIOError, UsageError
from .graph import bound_graph, graph_from_triples, offline_sparql, parse_file, parse_turtle
from .loader import load_parts
from .resources import data_root, shape_files

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = [
    "ENGINES",
    "ValidationOutcome",
    "ValidationResult",
    "load_shapes",
    "path_to_str",
    "turbo_available",
    "validate",
    "validate_graph",
    "validate_triples",
]

_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL validation result, flattened to strings for printing and comparing.

    ``focus``, ``source_shape`` and ``component`` are full IRIs (a blank node shows as
    ``_:id``); ``path`` is the property IRI, or a SPARQL property path such as
    ``^<https://w3id.org/trilat-kg/ontology#stepOf>`` for a complex path, or ``None`` for a
    node-shape result; ``severity`` is the local name: ``Violation``, ``Warning`` or ``Info``.
    """

    focus: str
    path: str | None
    source_shape: str
    component: str
    severity: str
    message: str

    def sort_key(self) -> tuple[int, str, str, str, str, str]:
        """Violations first, then by focus node, path, shape, component and message."""
        return (
            _SEVERITY_ORDER.get(self.severity, 9),
            self.focus,
            self.path or "",
            self.source_shape,
            self.component,
            self.message,
        )


@dataclass(frozen=True)
class ValidationOutcome:
    """The outcome of one validation: the verdict, pySHACL's report graph and a sorted text."""

    conforms: bool
    report_graph: Graph
    text: str
    results: list[ValidationResult] = field(default_factory=list)

    @property
    def violations(self) -> list[ValidationResult]:
        """The results that break conformance (severity ``Violation``)."""
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        """The results that only warn (severity ``Warning``)."""
        return [r for r in self.results if r.severity == "Warning"]


def load_shapes(root: Path | None = None) -> Graph:
    """Return one graph holding every shape file of ``shapes/``.

    An empty shapes folder is an error, not a pass: validating against no shapes would
    report any data as conforming.
    """
    files = shape_files(root)
    if not files:
        where = (root or data_root()) / "shapes"
        raise LocalIOError(f"{where}: no SHACL shape files found")
    shapes = Graph()
    for path in files:
        parse_turtle(path, shapes)
    return shapes


#: SHACL engines: ``pyshacl`` is the reference; ``turbo`` (PyPI ``pyshacl-turbo``, a Rust
#: engine with pySHACL's API) gives the same report 20 to 70 times faster; ``auto`` takes
#: turbo when it is installed. A test keeps the two engines' reports equal on every fixture.
ENGINES = ("auto", "pyshacl", "turbo")


def turbo_available() -> bool:
    """Whether the optional Rust engine (``pip install 'trilat-kg[fast]'``) is installed."""
    import importlib.util

    return importlib.util.find_spec("pyshacl_turbo") is not None


def _engine_name(name: str) -> str:
    """The engine that runs for ``name`` (``auto`` resolved); UsageError if it cannot run."""
    if name not in ENGINES:
        raise UsageError(f"unknown SHACL engine {name!r}; choose one of {', '.join(ENGINES)}")
    if name == "auto":
        name = "turbo" if turbo_available() else "pyshacl"
    if name == "turbo" and not turbo_available():
        raise UsageError("the turbo engine is not installed: pip install 'trilat-kg[fast]' "
                         "(PyPI pyshacl-turbo, Python 3.11 or later)")
    return name


def _engine(name: str) -> tuple[str, Any]:
    name = _engine_name(name)
    if name == "turbo":
        from pyshacl_turbo import validate as turbo_validate

        return name, turbo_validate
    from pyshacl import validate as pyshacl_validate

    return name, pyshacl_validate


def validate(
    extra: Sequence[Path] = (),
    *,
    root: Path | None = None,
    data_graph: Graph | None = None,
    engine: str = "auto",
) -> ValidationOutcome:
    """Validate the dataset (ontology + data, plus ``extra`` files) against the shapes.

    ``extra`` are a user's own Turtle files, validated together with the dataset so that
    they may refer to its nodes. When ``data_graph`` is given it is validated instead of
    the dataset (with ``extra`` merged into a copy of it); it should include the ontology,
    whose ``rdfs:subClassOf`` and ``rdfs:isDefinedBy`` triples the shapes rely on.
    ``engine`` is one of :data:`ENGINES`; an unknown or missing engine is a
    :class:`UsageError` (raised before any file is read). Files are read by
    :func:`trilat_kg.loader.load_parts`, whose errors (each naming the file and line) it
    raises; then see :func:`validate_triples`.
    """
    name = _engine_name(engine)
    if data_graph is None:
        parts = load_parts(list(extra), root=root)
        triples = [t for _, part in parts for t in part]
        return validate_triples(triples, root=root, engine=name)
    if extra:  # merge into a copy: the caller's graph is left as it was
        graph = Graph()
        for prefix, ns in data_graph.namespaces():
            graph.bind(prefix, ns, override=False)
        for triple in data_graph:
            graph.add(triple)
        for path in extra:
            parse_file(Path(path), graph)
    else:
        graph = data_graph
    return _run(graph, load_shapes(root), engine)


def validate_graph(graph: Graph, engine: str = "auto") -> ValidationOutcome:
    """Validate ``graph`` as it is (include the ontology in it) against the shapes."""
    return _run(graph, load_shapes(), engine)


def validate_triples(
    triples: Sequence[pyoxigraph.Quad | pyoxigraph.Triple],
    *,
    root: Path | None = None,
    engine: str = "auto",
) -> ValidationOutcome:
    """Validate pyoxigraph triples as :mod:`trilat_kg.loader` gives them (their RDF merge).

    ``triples`` are :class:`pyoxigraph.Triple` or quads (graph names are dropped), with
    lexical forms as written; include the ontology's (see :func:`validate`). pySHACL gets
    them as an rdflib graph (:func:`trilat_kg.graph.graph_from_triples`, the project's
    prefixes bound). The turbo engine gets them as N-Triples text written by pyoxigraph's
    serialiser (RDF 1.1 N-Triples: absolute IRIs, so no base IRI is involved, and every
    literal as written), in ``pyshacl_turbo.rdf.Input``, the record its own ``validate``
    makes of an rdflib graph, so its Rust parser reads the text and nothing is fetched or
    resolved. Should a later pyshacl-turbo change that record, the triples go to turbo as
    an rdflib graph instead (the same report, slower). Blank nodes keep their labels in
    both ways. An empty sequence is a :class:`DataError`.
    """
    name = _engine_name(engine)
    shapes = load_shapes(root)
    if not triples:
        raise DataError("the data graph is empty: there is nothing to validate")
    if name == "turbo":
        record = _turbo_input(triples)
        if record is not None:
            return _run(record, shapes, name)
    return _run(graph_from_triples(triples, bound_graph()), shapes, name)


#: The fields of ``pyshacl_turbo.rdf.Input`` (pyshacl-turbo 0.6) that :func:`_turbo_input` fills.
_TURBO_INPUT_FIELDS = ("source", "format", "base", "blank_nodes", "namespaces", "preserve_ids")


@lru_cache(maxsize=1)
def _turbo_input_class() -> Any:
    """pyshacl-turbo's input record, or None when it is missing or not the one we know."""
    import dataclasses

    try:
        from pyshacl_turbo.rdf import Input
    except ImportError:
        return None
    if not dataclasses.is_dataclass(Input):
        return None
    names = tuple(f.name for f in dataclasses.fields(Input))
    return Input if names == _TURBO_INPUT_FIELDS else None


@lru_cache(maxsize=1)
def _namespaces() -> dict[str, str]:
    """The prefixes an rdflib data graph would carry (turbo passes them to SPARQL, as rdflib)."""
    return {prefix: str(ns) for prefix, ns in bound_graph().namespaces()}


def _turbo_input(triples: Sequence[pyoxigraph.Quad | pyoxigraph.Triple]) -> Any:
    """The triples as turbo's input record holding N-Triples text (None: not available)."""
    import pyoxigraph as ox

    record = _turbo_input_class()
    if record is None:
        return None
    nt = ox.RdfFormat.N_TRIPLES
    try:
        text = ox.serialize(triples, format=nt)
    except ValueError:  # quads in named graphs: N-Triples has none, keep their triples
        text = ox.serialize([t.triple if isinstance(t, ox.Quad) else t for t in triples],
                            format=nt)
    return record(text.decode("utf-8"), "nt", None, {}, dict(_namespaces()), True)


def path_to_str(graph: Graph, path: object) -> str | None:
    """Render a SHACL path as a SPARQL property path string (an IRI as its plain string).

    Complex paths are blank nodes in the report graph, so they cannot be compared as they
    are; this gives them one stable spelling.
    """
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    if isinstance(path, BNode):
        if (path, RDF.first, None) in graph:
            return "/".join(_path_term(graph, p) for p in Collection(graph, path))
        for predicate, op in ((SH.inversePath, "^"),):
            inner = graph.value(path, predicate)
            if inner is not None:
                return op + _path_term(graph, inner)
        for predicate, suffix in (
            (SH.zeroOrMorePath, "*"),
            (SH.oneOrMorePath, "+"),
            (SH.zeroOrOnePath, "?"),
        ):
            inner = graph.value(path, predicate)
            if inner is not None:
                return _path_term(graph, inner) + suffix
        alternatives = graph.value(path, SH.alternativePath)
        if alternatives is not None:
            members = Collection(graph, alternatives)
            return "(" + "|".join(_path_term(graph, p) for p in members) + ")"
    return str(path)


def _path_term(graph: Graph, path: object) -> str:
    text = path_to_str(graph, path) or ""
    if isinstance(path, URIRef):
        return f"<{text}>"
    return f"({text})" if isinstance(path, BNode) and (path, RDF.first, None) in graph else text




def _node_str(node: object) -> str:
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def _run(data: Any, shapes: Graph, engine: str = "auto") -> ValidationOutcome:
    """Run the SHACL engine and turn its report into a sorted outcome.

    ``data`` is an rdflib graph, or for turbo its input record (:func:`_turbo_input`).
    ``conforms`` is the project's verdict (no violation); the report graph keeps SHACL's
    (``sh:conforms`` is false as soon as there is any result, a warning included).
    """
    name, shacl_validate = _engine(engine)
    if isinstance(data, Graph) and len(data) == 0:
        raise DataError("the data graph is empty: there is nothing to validate")
    if name == "pyshacl":  # its SPARQL constraints run on rdflib's engine (turbo: Rust)
        offline_sparql()
    _, report, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        allow_warnings=True,
        allow_infos=True,
        advanced=False,
        do_owl_imports=False,
        meta_shacl=False,
    )
    if not isinstance(report, Graph):  # the engine returns its failure object instead
        raise DataError(f"SHACL validation failed to run: {report}")
    results = sorted(_results(report), key=ValidationResult.sort_key)
    _set_shacl_conforms(report, not results)
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationOutcome(
        conforms=conforms,
        report_graph=report,
        text=_render(conforms, results),
        results=results,
    )


def _set_shacl_conforms(report: Graph, conforms: bool) -> None:
    """Give the report the ``sh:conforms`` of the SHACL specification (section 3.6.1.1).

    SHACL says a report conforms only if validation produced no result at all, whatever the
    severity; pySHACL's ``allow_warnings`` and ``allow_infos`` make it write ``true`` when
    there are only warnings or infos. The report graph is what ``--format turtle`` prints
    and what other SHACL tools read, so it must say ``false`` then.
    """
    nodes = set(report.subjects(RDF.type, SH.ValidationReport))
    if len(nodes) != 1:
        raise DataError(f"SHACL validation report has {len(nodes)} sh:ValidationReport nodes")
    report.set((nodes.pop(), SH.conforms, Literal(conforms)))


def _results(report: Graph) -> list[ValidationResult]:
    out: list[ValidationResult] = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(node, SH.resultSeverity)
        messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
        value = report.value(node, SH.value)
        focus = report.value(node, SH.focusNode)
        message = "; ".join(messages)
        if value is not None and value != focus and _node_str(value) not in message:
            shown = value.n3() if isinstance(value, Literal) else _node_str(value)
            message = f"{message} (value: {shown})" if message else f"value: {shown}"
        out.append(
            ValidationResult(
                focus=_node_str(focus),
                path=path_to_str(report, report.value(node, SH.resultPath)),
                source_shape=_node_str(report.value(node, SH.sourceShape)),
                component=_node_str(report.value(node, SH.sourceConstraintComponent)),
                severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
                message=message,
            )
        )
    return out


def summary_text(outcome: ValidationOutcome, *, show_warnings: bool = False) -> str:
    """The report for a terminal: every violation in full, warnings counted per shape.

    Warnings say what should be there, not what is wrong; listing dozens of them would bury
    the violations a user has to fix, so by default they are summed up by shape.
    """
    if show_warnings:
        return outcome.text
    lines = outcome.text.splitlines()[:2]
    tally: dict[str, int] = {}
    for r in outcome.results:
        shape = r.source_shape.rsplit("#", 1)[-1]
        if r.severity == "Violation":
            where = f"{r.focus} {r.path}" if r.path else r.focus
            lines.append(f"Violation: {where}: {r.message} [{shape}]")
        else:
            tally[f"{r.severity} {shape}"] = tally.get(f"{r.severity} {shape}", 0) + 1
    lines += [f"{key}: {n} (use --show-warnings to list them)" for key, n in sorted(tally.items())]
    return "\n".join(lines) + "\n"


def _render(conforms: bool, results: list[ValidationResult]) -> str:
    """A plain report: the verdict, the counts, then one line per result (sorted).

    "Conforms: yes" means no violation. When warnings or infos remain, the verdict says
    that the SHACL report itself (``--format turtle``) has ``sh:conforms false``, as SHACL
    requires for any result, so that the two never seem to contradict each other.
    """
    counts = {sev: sum(1 for r in results if r.severity == sev) for sev in _SEVERITY_ORDER}
    verdict = "yes" if conforms else "no"
    if conforms and results:
        others = [_count(counts["Warning"], "warning")] if counts["Warning"] else []
        others += [_count(counts["Info"], "info result")] if counts["Info"] else []
        verdict += (f" (no violations; {' and '.join(others)}, "
                    "so the SHACL report says sh:conforms false)")
    lines = [
        f"Conforms: {verdict}",
        f"Results: {counts['Violation']} violation(s), {counts['Warning']} warning(s), "
        f"{counts['Info']} info",
    ]
    for r in results:
        where = f"{r.focus} {r.path}" if r.path else r.focus
        shape = r.source_shape.rsplit("#", 1)[-1]
        lines.append(f"{r.severity}: {where}: {r.message} [{shape}]")
    return "\n".join(lines) + "\n"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
