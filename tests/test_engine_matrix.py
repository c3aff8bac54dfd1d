"""Same answers in every store: the whole catalogue on real SPARQL engines, cell by cell.

The export is built the README's way (``trilat-kg export --format nq -o FILE``) and loaded as
the README's section "Same answers in every store" says:

- ``trilat-kg serve`` (the embedded dataset behind the SPARQL protocol);
- Oxigraph server, ``oxigraph load`` of the export, then ``oxigraph serve`` with stock
  settings (the default graph is the export's unnamed graph, the merge of the named
  graphs) and, on a second store loaded the same way, with ``--union-default-graph`` (the
  default graph is then the unnamed graph *and* every named graph: a bag holding each
  triple at least twice);
- Apache Jena 4.5, ``tdb2.tdbloader`` of the export into TDB2, queried through a small
  protocol server over the same ARQ engine without and with ``tdb:unionDefaultGraph``;
  one query also goes through ``tdb2.tdbquery`` in both modes, the README's command;
- Virtuoso 7, the bulk loader (``ld_dir`` + ``rdf_loader_run``) on the export of the named
  graphs alone (``--no-default-graph``): a Virtuoso query without FROM reads every graph.

Each server listens on 127.0.0.1 only and is stopped at the end. Every canned query (except
the two that federate with Wikidata) runs with its default parameters, bound for a remote
endpoint as ``trilat-kg query --endpoint`` binds them (:func:`trilat_kg.queries.bind_values`),
and its answer is compared with the embedded graph's answer:

- the same columns, in the same order;
- the same rows, in the same order (every query orders its rows by all projected columns,
  see :func:`test_order_by_fixes_every_row`, so any conforming engine gives one order);
- each cell the same RDF value: IRIs equal; numbers equal as numbers
  (``"5"^^xsd:positiveInteger`` = ``"5"^^xsd:integer``: a store may keep the lexical form
  or the value); booleans as booleans (``"0"^^xsd:boolean``, Virtuoso's way of writing it, is
  ``false``: 0 and 1 are lexical forms of xsd:boolean, while an ``xsd:integer`` 0 is no
  boolean); a language tag equal ignoring case (BCP 47 tags are case-insensitive); a plain
  literal equal to the ``xsd:string`` with the same text; any other literal by lexical form
  and datatype. The summary also counts the answers that are the same term for term.

An engine that is not installed is skipped with the reason, unless
``TRILAT_REQUIRE_ENGINES=1`` (CI), which makes it a failure. Every mismatch of every engine
is reported in one failure message.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from engines import jena, oxigraph_server

try:
    from engines import virtuoso
except ImportError:  # pragma: no cover - the helper is part of the test suite
    virtuoso = None  # type: ignore[assignment]

from trilat_kg.errors import TrilatError
from trilat_kg.queries import CannedQuery, catalogue, run_query
from trilat_kg.resources import GRAPH_BASE
from trilat_kg.results import IRI, BNode, Literal, QueryResult, Term
from trilat_kg.sparql import tokenize
from trilat_kg.store import load_store

pytestmark = pytest.mark.slow  # 25-45 s: four engines start, load and answer

REQUIRE = os.environ.get("TRILAT_REQUIRE_ENGINES") == "1"
QUERIES = [q for q in catalogue() if not q.network]
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in (
    "integer", "decimal", "float", "double", "nonPositiveInteger", "negativeInteger", "long",
    "int", "short", "byte", "nonNegativeInteger", "unsignedLong", "unsignedInt",
    "unsignedShort", "unsignedByte", "positiveInteger")}
STRING = (XSD + "string", "")


# ---------------------------------------------------------------- comparing answers


def cell(term: Term | None) -> tuple[object, ...]:
    """The RDF value of a cell, as a key equal for equal values (see the module doc)."""
    if term is None:
        return ("unbound",)
    if isinstance(term, IRI):
        return ("iri", term.value)
    if isinstance(term, BNode):
        return ("bnode",)  # labels are local to one answer
    assert isinstance(term, Literal)
    if term.language:
        return ("lang", term.value, term.language.lower())
    if term.datatype in NUMERIC:
        try:
            return ("number", Decimal(term.value.strip()).normalize())
        except InvalidOperation:
            return ("literal", term.value, term.datatype)
    if term.datatype == XSD + "boolean" and term.value.strip() in ("true", "false", "1", "0"):
        return ("boolean", term.value.strip() in ("true", "1"))
    if term.datatype in STRING:
        return ("string", term.value)
    return ("literal", term.value, term.datatype)


def show(term: Term | None) -> str:
    return "(unbound)" if term is None else term.n3()


def orders(query: CannedQuery) -> bool:
    """True when the query's outermost SELECT has an ORDER BY."""
    return bool(_order_by(query.text))


def _order_by(text: str) -> list[str]:
    """The tokens of the top-level ORDER BY clause (empty when there is none)."""
    tokens = list(tokenize(text))
    depth = 0
    for index, token in enumerate(tokens):
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif (depth == 0 and token.keyword == "ORDER" and index + 1 < len(tokens)
              and tokens[index + 1].keyword == "BY"):
            clause = []
            for rest in tokens[index + 2:]:
                if rest.keyword in ("LIMIT", "OFFSET", "VALUES"):
                    break
                clause.append(rest.text)
            return clause
    return []


def _projected(text: str) -> list[str]:
    """The variables of the outermost SELECT clause (``?x`` and ``(... AS ?x)``)."""
    names: list[str] = []
    depth = 0
    started = False
    tokens = list(tokenize(text))
    for index, token in enumerate(tokens):
        if token.keyword == "SELECT":
            started = True
            continue
        if not started:
            continue
        if token.text == "{" or token.keyword == "WHERE":
            break
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif token.kind == "var" and (depth == 0 or tokens[index - 1].keyword == "AS"):
            names.append(token.text[1:])
    return names


def difference(query: CannedQuery, want: QueryResult, got: QueryResult) -> str | None:
    """None when ``got`` is ``want`` by value, else what differs first (one line)."""
    if got.variables != want.variables:
        return f"columns {got.variables} instead of {want.variables}"
    want_rows = [tuple(cell(t) for t in row) for row in want.rows]
    got_rows = [tuple(cell(t) for t in row) for row in got.rows]
    if sorted(map(repr, want_rows)) == sorted(map(repr, got_rows)):
        if not orders(query) or want_rows == got_rows:
            return None
        first = next(i for i, (a, b) in enumerate(zip(want_rows, got_rows, strict=True)) if a != b)
        return f"the same rows in another order (first at row {first + 1})"
    if len(got_rows) != len(want_rows):
        extra = [r for r in got.rows if tuple(cell(t) for t in r) not in set(want_rows)]
        lacking = [r for r in want.rows if tuple(cell(t) for t in r) not in set(got_rows)]
        detail = ""
        if extra:
            detail += f"; e.g. extra row {[show(t) for t in extra[0]]}"
        if lacking:
            detail += f"; e.g. missing row {[show(t) for t in lacking[0]]}"
        return f"{len(got_rows)} rows instead of {len(want_rows)}{detail}"
    if orders(query):
        pairs = list(zip(want.rows, got.rows, strict=True))
    else:
        pairs = list(zip(sorted(want.rows, key=lambda r: repr([cell(t) for t in r])),
                         sorted(got.rows, key=lambda r: repr([cell(t) for t in r])), strict=True))
    for number, (a, b) in enumerate(pairs, start=1):
        for name, x, y in zip(want.variables, a, b, strict=True):
            if cell(x) != cell(y):
                return f"row {number}, ?{name}: {show(y)} instead of {show(x)}"
    return "rows differ"  # pragma: no cover - a differing multiset differs somewhere


# ---------------------------------------------------------------- the engines


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "trilat-kg"
    if script.is_file():
        return [str(script)]
    found = shutil.which("trilat-kg")
    return [found] if found else [sys.executable, "-c", "from trilat_kg.cli import main; main()"]


def _answers(url: str) -> bool:
    """True when ``url`` answers 200 (no proxy from the environment in the way)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


class Export:
    """The N-Quads export, as the README makes it, and what each kind of store loads.

    ``files`` go to a store whose default graph is its unnamed graph (Oxigraph, Jena TDB2):
    the export, which holds each named graph and their merge in the default graph. An export
    made before the default graph was added to it holds the named graphs only; the merge then
    comes from the N-Triples export (a graph format: the merge of the named graphs).
    ``named`` goes to a store whose default graph is every graph (Virtuoso): the named
    graphs alone (``--no-default-graph``), or the merge would be counted twice.
    """

    def __init__(self, folder: Path) -> None:
        import pyoxigraph as ox

        self.nquads = folder / "trilat-kg.nq"
        self._export("--format", "nq", "-o", str(self.nquads))
        quads = list(ox.parse(path=self.nquads, format=ox.RdfFormat.N_QUADS))
        self.counts: dict[str, int] = {}
        for quad in quads:
            if isinstance(quad.graph_name, ox.NamedNode):
                graph = quad.graph_name.value
                self.counts[graph] = self.counts.get(graph, 0) + 1
        self.has_default_graph = any(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
        self.files = [self.nquads]
        self.named = self.nquads
        if not self.has_default_graph:
            merged = folder / "trilat-kg.nt"
            self._export("--format", "nt", "-o", str(merged))
            self.files.append(merged)
        else:
            self.named = folder / "trilat-kg-named.nq"
            self._export("--format", "nq", "--no-default-graph", "-o", str(self.named))

    @staticmethod
    def _export(*args: str) -> None:
        subprocess.run([*_cli(), "export", *args], check=True, timeout=300)


Runner = Callable[[CannedQuery], QueryResult]
#: What a started engine offers: label -> (how to run a query, which queries to run).
Endpoints = dict[str, tuple[Runner, list[CannedQuery]]]
Starter = Callable[[Path, Export], "contextlib.AbstractContextManager[Endpoints]"]


def _remote(url: str) -> tuple[Runner, list[CannedQuery]]:
    """Every query, bound and sent as ``trilat-kg query --endpoint URL`` sends it."""
    return (lambda query: run_query(query, endpoint=url, timeout=60)), QUERIES


@contextlib.contextmanager
def _serve(folder: Path, export: Export) -> Iterator[Endpoints]:
    port = oxigraph_server.free_port()
    process = subprocess.Popen([*_cli(), "serve", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/sparql"
        deadline = time.monotonic() + 60
        while not _answers(url + "?query=ASK%7B%7D"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("trilat-kg serve did not start")
            time.sleep(0.1)
        yield {"trilat-kg serve": _remote(url)}
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def _oxigraph(folder: Path, export: Export) -> Iterator[Endpoints]:
    servers = []
    try:
        for union in (False, True):
            location = folder / ("union" if union else "stock")
            oxigraph_server.load(location, export.files)
            servers.append(oxigraph_server.start(location, union=union))
        yield {"oxigraph server": _remote(servers[0].query_url),
               "oxigraph server --union-default-graph": _remote(servers[1].query_url)}
    finally:
        for server in servers:
            server.stop()


#: The query the Jena command line (``tdb2.tdbquery``, one JVM each) runs too, in both modes,
#: to show that the protocol server answers as the README's command does.
TDBQUERY_CHECK = "stances-on-target"


def _tdbquery(location: Path, folder: Path, union: bool) -> tuple[Runner, list[CannedQuery]]:
    from trilat_kg.queries import bind, bind_values
    from trilat_kg.results import from_sparql_json

    def run(query: CannedQuery) -> QueryResult:
        text = bind_values(query.text, bind(query, {}))
        return from_sparql_json(jena.tdbquery(location, text, folder, union=union))

    return run, [q for q in QUERIES if q.slug == TDBQUERY_CHECK]


@contextlib.contextmanager
def _jena(folder: Path, export: Export) -> Iterator[Endpoints]:
    folder.mkdir(parents=True, exist_ok=True)
    location = folder / "tdb2"
    jena.load(location, export.files, folder)
    copy = folder / "tdb2-copy"  # the server locks its database; the command reads a copy
    shutil.copytree(location, copy)
    server = jena.start(location, folder)
    try:
        yield {"jena tdb2": _remote(server.stock_url),
               "jena tdb2 unionDefaultGraph": _remote(server.union_url),
               "jena tdb2.tdbquery": _tdbquery(copy, folder, False),
               "jena tdb2.tdbquery unionDefaultGraph": _tdbquery(copy, folder, True)}
    finally:
        server.stop()


def bulk_load(folder: Path | str) -> str:
    """Virtuoso's bulk loader on ``folder/trilat-kg.nq``, as isql runs it.

    The third argument of ``ld_dir`` names the graph for triples outside any named graph;
    there are none, since Virtuoso reads every graph when a query has no FROM.
    """
    return (f"ld_dir('{folder}', 'trilat-kg.nq', '{GRAPH_BASE}default'); rdf_loader_run(); "
            "checkpoint;")


def _isql() -> str | None:
    return shutil.which("isql-vt")


def _virtuoso_missing() -> str | None:
    if virtuoso is None:
        return "no Virtuoso test helper (tests/engines/virtuoso.py)"
    if virtuoso.virtuoso_binary() is None:
        return "Virtuoso 7 (virtuoso-t) is not installed (Debian virtuoso-opensource)"
    if _isql() is None:
        return "Virtuoso's isql-vt is not installed (Debian virtuoso-opensource)"
    return None


def _graph_counts(url: str) -> dict[str, int]:
    from trilat_kg.remote import sparql_select

    answer = sparql_select(url, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                                "GROUP BY ?g", timeout=60)
    return {str(g): int(str(n)) for g, n in answer.rows}


@contextlib.contextmanager
def _virtuoso(folder: Path, export: Export) -> Iterator[Endpoints]:
    assert virtuoso is not None
    inbox = folder / "load"
    inbox.mkdir(parents=True)
    shutil.copy(export.named, inbox / "trilat-kg.nq")
    settings = {"Parameters": {"DirsAllowed": f"., {inbox}"}}
    with virtuoso.start_virtuoso(folder / "db", settings=settings) as server:
        done = subprocess.run([_isql() or "isql-vt", str(server.sql_port), server.user,
                               server.password, f"exec={bulk_load(inbox)}"],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=600, check=False)
        loaded = _graph_counts(server.sparql_url)
        got = {graph: loaded.get(graph, 0) for graph in export.counts}
        assert done.returncode == 0 and got == export.counts, (
            f"Virtuoso bulk load: {got} instead of {export.counts}\n{done.stdout[-2000:]}")
        yield {"virtuoso": _remote(server.sparql_url)}


def _oxigraph_missing() -> str | None:
    return None if oxigraph_server.binary() else "no oxigraph server (pip install oxigraph)"


ENGINES: dict[str, tuple[Callable[[], str | None], Starter]] = {
    "serve": (lambda: None, _serve),
    "oxigraph": (_oxigraph_missing, _oxigraph),
    "jena": (jena.missing, _jena),
    "virtuoso": (_virtuoso_missing, _virtuoso),
}


def _unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"{reason}, and TRILAT_REQUIRE_ENGINES=1")
    pytest.skip(reason)


# ---------------------------------------------------------------- the tests


def test_cells_compare_by_value() -> None:
    assert cell(Literal("5", XSD + "positiveInteger")) == cell(Literal("5", XSD + "integer"))
    assert cell(Literal("0", XSD + "boolean")) == cell(Literal("false", XSD + "boolean"))
    assert cell(Literal("0", XSD + "integer")) != cell(Literal("false", XSD + "boolean"))
    assert cell(Literal("X", language="ko-Hani")) == cell(Literal("X", language="ko-hani"))
    assert cell(Literal("X", language="en")) != cell(Literal("X"))
    assert cell(Literal("X")) == cell(Literal("X", ""))
    assert cell(Literal("2016", XSD + "gYear")) != cell(Literal("2016", XSD + "integer"))
    assert cell(IRI("http://example.org/x")) != cell(Literal("http://example.org/x"))


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.slug)
def test_order_by_fixes_every_row(query: CannedQuery) -> None:
    """Each projected column is an ORDER BY key, so two rows never tie (they are DISTINCT).

    Parameter columns (``?_name``) are left out: they hold the one value bound to them.
    """
    keys = set(_order_by(query.text))
    loose = [name for name in _projected(query.text)
             if "?" + name not in keys and not name.startswith("_")]
    assert not loose, f"columns not in ORDER BY (their order would be the engine's): {loose}"


def test_readme_shows_the_commands_run_here() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Same answers in every store", 1)[1].split("\n## ", 1)[0]
    for command in ("trilat-kg export --format nq -o trilat-kg.nq",
                    "oxigraph load --location trilat-db --file trilat-kg.nq",
                    "oxigraph serve --location trilat-db --bind 127.0.0.1:7878",
                    "--union-default-graph",
                    "tdb2.tdbloader --loc trilat-tdb2 trilat-kg.nq",
                    "tdb2.tdbquery --loc trilat-tdb2 --results=json",
                    "--set tdb:unionDefaultGraph=true",
                    "trilat-kg export --format nq --no-default-graph -o /srv/rdf/trilat-kg.nq",
                    f'isql-vt 1111 dba dba exec="{bulk_load("/srv/rdf")}"',
                    "'org/apache/jena/ext/xerces/*.properties'",
                    "TRILAT_REQUIRE_ENGINES=1 pytest -m slow tests/test_engine_matrix.py"):
        assert command in section, command
    loop = section.split("for j in ", 1)[1].split("; do", 1)[0]
    assert tuple(loop.replace("\\", " ").split()) == jena.JARS


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_engine_is_installed(engine: str) -> None:
    reason = ENGINES[engine][0]()
    if reason:
        _unavailable(reason)


@pytest.fixture(scope="module")
def embedded() -> dict[str, QueryResult]:
    store = load_store()
    return {q.slug: run_query(q, store=store) for q in QUERIES}


def test_every_store_gives_the_embedded_answers(
        embedded: dict[str, QueryResult], tmp_path: Path) -> None:
    export = Export(tmp_path)
    mismatches: list[str] = []
    summary: list[str] = []
    for name, (missing, started) in ENGINES.items():
        reason = missing()
        if reason:
            summary.append(f"{name}: not run ({reason})")
            continue
        began = time.monotonic()
        with started(tmp_path / name, export) as endpoints:
            for label, (run, queries) in endpoints.items():
                same = exact = 0
                for query in queries:
                    want = embedded[query.slug]
                    try:
                        got = run(query)
                    except (TrilatError, RuntimeError, ValueError) as exc:
                        problem: str | None = f"error: {exc}"
                    else:
                        problem = difference(query, want, got)
                    if problem:
                        mismatches.append(f"  {label} / {query.slug}: {problem}")
                        continue
                    same += 1
                    exact += _term_for_term(want, got)
                summary.append(f"{label}: {same}/{len(queries)} identical by value "
                               f"({exact} term for term)")
        summary.append(f"  ({name}: {time.monotonic() - began:.0f} s to start, load, answer)")
    print("\n".join(summary))
    assert not mismatches, "\n".join(
        ["answers differ from the embedded graph's:", *summary, *mismatches])


def _term_for_term(want: QueryResult, got: QueryResult) -> bool:
    """True when every cell is the very same term (language tags compared in lower case)."""
    def plain(term: Term | None) -> object:
        if isinstance(term, Literal) and term.language:
            return (term.value, term.language.lower())
        return ("bnode",) if isinstance(term, BNode) else term

    return [[plain(t) for t in row] for row in want.rows] == \
        [[plain(t) for t in row] for row in got.rows]
