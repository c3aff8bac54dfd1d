"""Export the dataset as Turtle, JSON-LD, N-Triples, N-Quads or TriG, atomically and offline.

Why the choices:

* **Turtle** is rdflib's ``longturtle``: one statement per line, sorted, stable, so two runs
  give the same bytes and a ``git diff`` of two releases shows what changed. Turtle,
  N-Triples and JSON-LD are graph formats and hold the *union* of the named graphs.
* **N-Quads** and **TriG** keep the named graphs (ontology, essay, external, metadata,
  user) apart, as :func:`trilat_kg.graph.load_dataset` builds them.
* ``graphs=`` exports some named graphs only (:data:`GRAPH_NAMES`), e.g. the ontology
  alone for a documentation tool or ``essay`` alone for a Graph Store ``PUT``: a graph
  format then holds just their triples, N-Quads and TriG keep their names. They are cut
  from the dataset :func:`~trilat_kg.graph.load_dataset` builds, not loaded file by file,
  so that an exported graph is by construction the graph every other command sees.
* **JSON-LD** is compacted with the context file that ships in the package
  (``trilat_kg/context.jsonld``). The output names the context by its published IRI
  :data:`CONTEXT_IRI`, so a web client can dereference it, but nothing here ever fetches it:
  :func:`load_jsonld` maps that IRI to the local file and refuses every other context
  reference, because rdflib's JSON-LD parser would otherwise fetch any ``@context`` URL it
  meets, without a timeout (reference/bad-inputs.md row 10).
* The whole output is serialised in memory and checked **before** the target is touched:
  rdflib's Turtle parser accepts IRIs such as ``<http://ex/d{e}>`` that its serialisers then
  choke on half-way, leaving a truncated file that still parses (row 23). Such IRIs raise
  :class:`~trilat_kg.errors.DataError` naming them, and the target stays as it was.
* Bytes reach the disk through :func:`trilat_kg.atomic.write_atomic` (temporary file, fsync,
  rename), so an interrupted or failed export never leaves a partial file.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic import check_target, write_atomic
from .errors import DataError, LocalIOError, UsageError
from .resources import GRAPH_BASE, GRAPHS

if TYPE_CHECKING:  # rdflib is imported lazily so that importing this module stays cheap
    from rdflib import Dataset, Graph

__all__ = [
    "CONTEXT_IRI",
    "FORMATS",
    "GRAPH_NAMES",
    "MEDIA_TYPES",
    "SUFFIXES",
    "context_path",
    "export_dataset",
    "load_jsonld",
    "local_context",
    "no_remote_contexts",
    "select_graphs",
    "serialize",
    "serialize_dataset",
]

FORMATS = ("turtle", "json-ld", "nt", "nq", "trig")

#: Names ``graphs=`` (``--graph``) accepts: the dataset's parts, and ``user`` for --data files.
GRAPH_NAMES = (*GRAPHS, "user")
_USER_GRAPH = GRAPH_BASE + "user"

#: Where the context file is published; the JSON-LD output refers to it by this IRI.
CONTEXT_IRI = "https://w3id.org/trilat-kg/context.jsonld"

SUFFIXES = {"turtle": ".ttl", "json-ld": ".jsonld", "nt": ".nt", "nq": ".nq", "trig": ".trig"}
MEDIA_TYPES = {
    "turtle": "text/turtle",
    "json-ld": "application/ld+json",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "trig": "application/trig",
}

#: Characters that may not appear in an IRIREF of Turtle / N-Triples / N-Quads / TriG
#: (RDF 1.1 Turtle, production [18] IRIREF), plus control characters.
_BAD_IRI_CHARS = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')


def context_path() -> Path:
    """The JSON-LD context file shipped inside the package (also inside a wheel)."""
    return Path(__file__).resolve().with_name("context.jsonld")


@lru_cache(maxsize=1)
def _context_document() -> str:
    return context_path().read_text(encoding="utf-8")


def local_context() -> dict[str, Any]:
    """Return the context document ``{"@context": {...}}`` read from the local file (a copy)."""
    doc: dict[str, Any] = json.loads(_context_document())
    return doc


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _graph_iris(graphs: Sequence[str] | None, extra: Sequence[Path]) -> list[str] | None:
    """The IRIs of the named graphs to export (None: all), or UsageError naming the choices.

    ``user`` (the graph of ``extra`` files) is valid only with ``extra``; and ``extra``
    with a selection that leaves ``user`` out is refused, since the user's files would be
    read and then silently dropped from the output.
    """
    if graphs is None:
        return None
    if isinstance(graphs, str):  # a bare string is a sequence of letters: take it as one
        graphs = [graphs]
    if not graphs:
        raise UsageError(f"no graph named; choose from {', '.join(GRAPH_NAMES)}")
    for name in graphs:
        if name not in GRAPH_NAMES:
            raise UsageError(f"unknown graph {name!r}; choose from {', '.join(GRAPH_NAMES)}")
    if "user" in graphs and not extra:
        raise UsageError("the graph 'user' holds the --data files, and none were given")
    if extra and "user" not in graphs:
        raise UsageError("--data files go into the graph 'user': add it to the graphs "
                         "exported, or leave the --data files out")
    return [_USER_GRAPH if name == "user" else GRAPHS[name] for name in dict.fromkeys(graphs)]


def select_graphs(ds: Dataset, iris: Sequence[str]) -> Dataset:
    """A new dataset holding only the named graphs ``iris`` of ``ds`` (same IRIs, same nodes).

    Blank nodes are copied as they are, so a blank node shared by two selected graphs stays
    one node.
    """
    from rdflib import Dataset, URIRef

    from .namespaces import PREFIXES

    out = Dataset(default_union=True)  # as load_dataset builds it
    for prefix, ns in PREFIXES.items():
        out.bind(prefix, ns, override=True)
    for iri in iris:
        target = out.graph(URIRef(iri))
        for triple in ds.graph(URIRef(iri)):
            target.add(triple)
    return out


def _bad_iris(ds: Graph, limit: int = 10) -> list[str]:
    """IRIs that no line-based RDF syntax can write: spaces, braces, quotes, controls."""
    from rdflib import Literal, URIRef

    bad: list[str] = []
    seen: set[str] = set()

    def visit(term: object) -> None:
        if isinstance(term, Literal):
            term = term.datatype
        if isinstance(term, URIRef) and term not in seen:
            seen.add(term)
            if _BAD_IRI_CHARS.search(term):
                bad.append(str(term))

    for quad in ds.quads((None, None, None, None)):  # type: ignore[arg-type]
        s, p, o, g = quad
        visit(s)
        visit(p)
        visit(o)
        visit(getattr(g, "identifier", g))
        if len(bad) >= limit:
            break
    return bad


def _union(ds: Graph) -> Graph:
    """One graph holding every triple of every named graph, with the package's prefixes."""
    from rdflib import Graph

    from .namespaces import PREFIXES

    union = Graph()
    for prefix, ns in PREFIXES.items():
        union.bind(prefix, ns, override=True)
    for s, p, o, _ in ds.quads((None, None, None, None)):  # type: ignore[arg-type]
        union.add((s, p, o))
    return union


def _sorted_lines(text: str) -> bytes:
    """Sort line-based output so that a run does not depend on hash order (diff-friendly)."""
    lines = sorted(line for line in text.splitlines() if line.strip())
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def _sort_json(value: Any, key: str | None = None) -> Any:
    """Order node lists and multi-valued properties so that output does not depend on hash order.

    ``@list`` values keep their order: it is part of the data.
    """
    if isinstance(value, dict):
        return {k: _sort_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sort_json(v) for v in value]
        if key == "@list":
            return items
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def _jsonld(graph: Graph) -> bytes:
    from rdflib.plugins.serializers.jsonld import from_rdf

    obj = from_rdf(graph, context_data=local_context())
    if not isinstance(obj, dict):  # an empty graph gives a list
        obj = {"@graph": obj}
    obj["@context"] = CONTEXT_IRI
    obj = _sort_json(obj)
    return (json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def serialize(ds: Dataset, fmt: str) -> bytes:
    """Serialise a dataset (named graphs) in ``fmt``; graph formats get the union of its graphs.

    Raises :class:`DataError` naming the IRIs that cannot be written, before serialising.
    """
    _check(fmt)
    bad = _bad_iris(ds)
    if bad:
        shown = ", ".join(f"<{iri}>" for iri in bad)
        raise DataError(f"cannot export: invalid IRI (space, brace, quote or control): {shown}")
    try:
        if fmt == "nq":
            return _sorted_lines(ds.serialize(format="nquads"))
        if fmt == "trig":
            return ds.serialize(format="trig", encoding="utf-8")
        union = _union(ds)
        if fmt == "turtle":
            return union.serialize(format="longturtle", encoding="utf-8")
        if fmt == "nt":
            return _sorted_lines(union.serialize(format="nt"))
        return _jsonld(union)
    except (ValueError, TypeError, UnicodeError) as exc:
        # The IRI check above catches the known cases; anything else rdflib refuses is still
        # a property of the data, and must not become a traceback or a partial file.
        raise DataError(f"cannot export as {fmt}: {exc}") from exc


def serialize_dataset(
    fmt: str,
    *,
    extra: Sequence[Path] = (),
    root: Path | None = None,
    graphs: Sequence[str] | None = None,
) -> bytes:
    """Load the dataset (plus ``extra`` files in the graph ``graphs/user``) and serialise it.

    ``graphs`` names the named graphs to keep (see :data:`GRAPH_NAMES`); None keeps all.
    """
    _check(fmt)
    iris = _graph_iris(graphs, extra)
    from .graph import load_dataset

    ds = load_dataset(root, extra)
    return serialize(ds if iris is None else select_graphs(ds, iris), fmt)


def export_dataset(
    fmt: str,
    out: Path | None,
    *,
    extra: Sequence[Path] = (),
    follow_symlinks: bool = False,
    root: Path | None = None,
    graphs: Sequence[str] | None = None,
) -> None:
    """Export the dataset in ``fmt`` to ``out`` atomically, or to stdout when ``out`` is None/"-".

    ``graphs`` keeps only those named graphs (:data:`GRAPH_NAMES`; None keeps all). Bad
    names fail first (:class:`UsageError`, exit 2). The target is checked before anything is
    loaded, so a missing folder or a symlink fails at once (:class:`LocalIOError`, exit 4);
    bad data fails before the target is touched (:class:`DataError`, exit 1).
    """
    _check(fmt)
    _graph_iris(graphs, extra)
    to_stdout = out is None or str(out) == "-"
    if not to_stdout:
        check_target(Path(out), follow_symlinks=follow_symlinks)  # type: ignore[arg-type]
    data = serialize_dataset(fmt, extra=extra, root=root, graphs=graphs)
    if to_stdout:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_atomic(Path(out), data, follow_symlinks=follow_symlinks)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- reading JSON-LD

_guard_lock = threading.RLock()


@contextlib.contextmanager
def no_remote_contexts() -> Iterator[None]:
    """Within this block, rdflib's JSON-LD processor may resolve no context reference at all
    except :data:`CONTEXT_IRI`, which it reads from the package.

    rdflib fetches any ``@context`` URL, ``file:`` URL or bare path it meets, with no timeout.
    :func:`load_jsonld` already rewrites or refuses such references before parsing; this guard
    is the second line, so that a reference the scan missed can still never reach the network.
    """
    from rdflib.plugins.shared.jsonld.context import Context

    def guarded(self: Any, source: str, base: str | None, referenced: set[str]) -> Any:
        if source == CONTEXT_IRI:
            return local_context()
        raise DataError(f"JSON-LD: refusing to fetch the remote @context {source!r}")

    with _guard_lock:
        original = Context._fetch_context
        Context._fetch_context = guarded  # type: ignore[method-assign]
        try:
            yield
        finally:
            Context._fetch_context = original  # type: ignore[method-assign]


def _localise(value: Any, where: str, inside_context: bool = False) -> Any:
    """Replace :data:`CONTEXT_IRI` by the local context; refuse any other context reference.

    Walks the whole document, because contexts can appear on any node object, inside term
    definitions (scoped contexts) and behind ``@import``.
    """
    if isinstance(value, list):
        return [_localise(v, where, inside_context) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "@context":
            out[key] = _context_value(item, where)
        elif key == "@import" and inside_context:
            raise DataError(f"{where}: JSON-LD @import of {item!r} refused (no remote contexts)")
        else:
            out[key] = _localise(item, where, inside_context)
    return out


def _context_value(ctx: Any, where: str) -> Any:
    if isinstance(ctx, list):
        return [_context_value(c, where) for c in ctx]
    if isinstance(ctx, str):
        if ctx == CONTEXT_IRI:
            return local_context()["@context"]
        raise DataError(
            f"{where}: JSON-LD @context {ctx!r} refused: only {CONTEXT_IRI} (resolved "
            "locally) or an inline context is accepted, nothing is fetched"
        )
    if isinstance(ctx, dict):
        return _localise(ctx, where, inside_context=True)
    return ctx  # null resets the context


def load_jsonld(source: Path | bytes | str, into: Graph | None = None) -> Graph:
    """Parse a JSON-LD document without network access; return the graph.

    ``source`` is a path, or the document itself as bytes/str. The published context
    :data:`CONTEXT_IRI` is resolved from the file shipped in the package; any other
    context reference (``http:``, ``file:``, a relative path) raises :class:`DataError`
    and nothing is fetched. Named graphs in the document are merged into one graph.
    """
    from rdflib import Dataset, Graph

    if isinstance(source, (bytes, str)) and not isinstance(source, Path):
        where = "<JSON-LD input>"
        raw = source.encode("utf-8") if isinstance(source, str) else source
    else:
        where = str(source)
        try:
            raw = Path(source).read_bytes()
        except FileNotFoundError as exc:
            raise LocalIOError(f"{where}: no such file") from exc
        except IsADirectoryError as exc:
            raise LocalIOError(f"{where}: is a directory") from exc
        except OSError as exc:
            raise LocalIOError(f"{where}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{where}: not UTF-8 at byte {exc.start}") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    except RecursionError as exc:
        raise DataError(f"{where}: nested too deeply") from exc
    doc = _localise(doc, where)
    ds = Dataset()
    try:
        with no_remote_contexts():
            ds.parse(data=doc, format="json-ld")
    except RecursionError as exc:
        raise DataError(f"{where}: nested too deeply") from exc
    except DataError:
        raise
    except Exception as exc:  # rdflib raises bare exceptions for bad JSON-LD
        raise DataError(f"{where}: invalid JSON-LD: {exc}") from exc
    graph = into if into is not None else Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph
