"""Export the dataset as written, in Turtle, JSON-LD, N-Triples, N-Quads or TriG, byte-stable.

What every format holds:

* The data **as written**: the loader's quads (:mod:`trilat_kg.loader`), never the query
  store's values, so ``"5"^^xsd:positiveInteger`` and ``"01"^^xsd:integer`` go out as they
  came in. (Language tags are written in lower case, as the parser reads them; RDF 1.1
  Concepts §3.3 makes tags case-insensitive.) A round trip through any format gives a
  dataset isomorphic to the source files.
* **Turtle**, **N-Triples** and **JSON-LD** (default) are graph formats: they hold the RDF
  merge of the named graphs, a set.
* **N-Quads** and **TriG** hold each named graph (ontology, essay, external, metadata, and
  user for ``--data`` files) *and* their merge in the unnamed default graph, so a store
  loaded with its stock settings (Oxigraph, Jena TDB2 without ``unionDefaultGraph``)
  answers queries from the default graph as the embedded engine does, and one with a union
  default graph sees the same triples. ``default_graph=False`` leaves the merge out.
* **JSON-LD** is self-contained: its ``@context`` is inline (prefix definitions only), and
  every IRI is written as a compact IRI of those prefixes or in full, so rdflib, pyld and
  Jena RIOT read it offline with the same triples as the Turtle export. A prefix whose name
  is the scheme of an IRI in the data (``<wd:Q1>``) is left out, so no IRI can be misread.
  ``jsonld_context="reference"`` names the published context :data:`CONTEXT_IRI` instead,
  for publishers who serve it; ``jsonld_graphs=True`` keeps the named graphs (an object
  with ``@graph`` per graph; a streamed file's graph may take several with the same
  ``@id``, which readers merge). The writer is :mod:`trilat_kg.jsonld_writer`.
* ``graphs=`` exports some named graphs only (:data:`GRAPH_NAMES`).

Byte-stable: blank nodes get canonical labels (RDFC-1.0, W3C Recommendation 2024), and
statements are written sorted, so two runs, on any machine, give the same bytes and a diff
of two releases shows only real changes. Serialisation is pyoxigraph's.

Large ``--data`` files are **streamed**: a plain file (Turtle or N-Triples that no loader
rule needs to read term by term, :func:`trilat_kg.loader.plain_format`) is parsed as it is
written, after the sorted statements of everything else, in its own order, so a 10^6-triple
file costs about what pyoxigraph takes to parse and write it, in bounded memory. In the
merge its triples that the rest already holds are left out; a triple the file itself
repeats is written as often as the file has it (every RDF reader reads a set). Other user
files are read whole and sorted with the dataset. The same inputs still give the same
bytes.

Nothing half-written is ever left: the document goes to a temporary file that is renamed
over the target once complete (:func:`trilat_kg.atomic.write_atomic`: temporary file,
fsync, rename), or copied to stdout or a device once complete.
"""

from __future__ import annotations

import io
import itertools
import json
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from .atomic import check_target, is_device, write_atomic
from .errors import DataError, UsageError
from .jsonld_writer import schemes, write_jsonld
from .loader import (
    CONTEXT_IRI,
    USER_GRAPH,
    Streamed,
    context_document,
    engine_errors,
    iter_parts,
    stream_triples,
)
from .prefixes import KINDS, VOCABULARIES
from .resources import GRAPHS

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = [
    "CONTEXT_IRI",
    "FORMATS",
    "GRAPH_NAMES",
    "JSONLD_CONTEXTS",
    "MEDIA_TYPES",
    "SUFFIXES",
    "context_path",
    "export_dataset",
    "load_jsonld",
    "local_context",
    "serialize",
    "serialize_dataset",
    "write_dataset",
]

FORMATS = ("turtle", "json-ld", "nt", "nq", "trig")
JSONLD_CONTEXTS = ("inline", "reference")

#: Names ``graphs=`` (``--graph``) accepts: the dataset's parts, and ``user`` for --data files.
GRAPH_NAMES = (*GRAPHS, "user")

SUFFIXES = {"turtle": ".ttl", "json-ld": ".jsonld", "nt": ".nt", "nq": ".nq", "trig": ".trig"}
MEDIA_TYPES = {
    "turtle": "text/turtle",
    "json-ld": "application/ld+json",
    "nt": "application/n-triples",
    "nq": "application/n-quads",
    "trig": "application/trig",
}

#: Prefixes written in Turtle and TriG and used for compact IRIs in JSON-LD.
EXPORT_PREFIXES: dict[str, str] = {
    **{k: v for k, v in VOCABULARIES.items()},
    "id": KINDS["state"].rsplit("states/", 1)[0],
    **KINDS,
}


def context_path() -> Path:
    """The JSON-LD context file shipped inside the package (also inside a wheel)."""
    return Path(__file__).resolve().with_name("context.jsonld")


def local_context() -> dict[str, Any]:
    """Return the context document ``{"@context": {...}}`` read from the local file (a copy)."""
    return json.loads(json.dumps(context_document()))


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
    return [USER_GRAPH if name == "user" else GRAPHS[name] for name in dict.fromkeys(graphs)]


Parts = Sequence[tuple[str, Sequence["pyoxigraph.Quad"]]]


def _lines(parts: Iterable[tuple[str, Sequence[pyoxigraph.Quad]]],
           graph_iris: set[str] | None = None) -> tuple[list[bytes], list[bytes]]:
    """(N-Quads lines of the named graphs, N-Triples lines of their merge), sorted, unique.

    Blank nodes are relabelled by RDFC-1.0 first. RDFC-1.0 labels a blank node from the
    quads that mention blank nodes only, so only the lines holding ``_:`` go through the
    canonicalisation; everything else stays bytes, which keeps a 10^6-triple export close
    to the cost of parsing and writing it. The IRIs of the graphs that hold triples are
    added to ``graph_iris``.
    """
    import pyoxigraph as ox

    by_graph: dict[str, list[bytes]] = {}
    blank: list[bytes] = []
    for iri, triples in parts:
        if not triples:
            continue
        if graph_iris is not None:
            graph_iris.add(iri)
        graph = b" <" + iri.encode("utf-8") + b"> ."
        kept = by_graph.setdefault(iri, [])
        for line in ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).split(b"\n"):
            if not line:
                continue
            if b"_:" in line:
                blank.append(line[:-2] + graph)
            else:
                kept.append(line[:-2] + graph)
    if blank:
        dataset = ox.Dataset(ox.parse(b"\n".join(blank), format=ox.RdfFormat.N_QUADS))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        for line in ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).split(b"\n"):
            if line:
                iri = line[line.rindex(b" <") + 2:-3].decode("utf-8")
                by_graph[iri].append(line)
    named: list[bytes] = []
    triples_seen: set[bytes] = set()
    for iri in sorted(by_graph):
        lines = sorted(set(by_graph[iri]))
        named.extend(lines)
        cut = len(iri.encode("utf-8")) + 5  # ' <' + IRI + '> .'
        triples_seen.update(line[:-cut] + b" ." for line in lines)
    merged = sorted(triples_seen)
    return named, merged


def _used_prefixes(data: bytes) -> dict[str, str]:
    return {p: ns for p, ns in EXPORT_PREFIXES.items() if ns.encode("utf-8") in data}


def _join(lines: list[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n" if lines else b""


def _check_options(fmt: str, jsonld_context: str) -> None:
    _check(fmt)
    if jsonld_context not in JSONLD_CONTEXTS:
        raise UsageError(f"unknown JSON-LD context mode {jsonld_context!r}; "
                         f"choose one of {', '.join(JSONLD_CONTEXTS)}")


def serialize(
    quads: Iterable[pyoxigraph.Quad] | Parts,
    fmt: str,
    *,
    default_graph: bool = True,
    jsonld_context: str = "inline",
    jsonld_graphs: bool = False,
) -> bytes:
    """Serialise the data as written in ``fmt``; see the module docstring.

    ``quads`` are quads in named graphs, or ``(graph IRI, triples)`` pairs as
    :func:`trilat_kg.loader.load_parts` gives them. Raises :class:`UsageError` for an
    unknown ``fmt`` or ``jsonld_context`` and :class:`DataError` for a value no RDF syntax
    can write.
    """
    _check_options(fmt, jsonld_context)
    out = io.BytesIO()
    _write(out, _as_parts(quads), [], fmt, default_graph=default_graph,
           jsonld_context=jsonld_context, jsonld_graphs=jsonld_graphs)
    return out.getvalue()


def _as_parts(quads: Iterable[Any]) -> list[tuple[str, list[Any]]]:
    """Accept quads in named graphs or ``(graph IRI, triples)`` pairs; give pairs."""
    import pyoxigraph as ox

    items = list(quads)
    if not items or isinstance(items[0], tuple):
        return items
    by_graph: dict[str, list[Any]] = {}
    default = ox.DefaultGraph()
    for q in items:
        if not isinstance(q.graph_name, ox.NamedNode):
            raise UsageError("serialize() takes quads in named graphs")
        by_graph.setdefault(q.graph_name.value, []).append(
            ox.Quad(q.subject, q.predicate, q.object, default))
    return list(by_graph.items())


# ------------------------------------------------------------------------------ writing

#: Quads taken from a streamed file at a time (bounded memory whatever the file's size).
_BATCH = 2_000


def _write(
    out: BinaryIO,
    parts: Iterable[tuple[str, list[pyoxigraph.Quad]]],
    streams: Sequence[Streamed],
    fmt: str,
    *,
    default_graph: bool,
    jsonld_context: str,
    jsonld_graphs: bool,
) -> None:
    """Write ``parts`` (held in memory) and then ``streams`` (large plain files) to ``out``.

    The parts are written sorted, blank nodes relabelled by RDFC-1.0 (:func:`_lines`, which
    takes them one at a time and keeps their lines only). Each
    streamed file follows, in its own order, parsed as it is written: in the merge (the
    graph formats, and the default graph of N-Quads and TriG) without the triples the
    parts already hold; in the named graph ``user`` as written. A syntax error met on the
    way raises :class:`DataError` naming the file and line; the caller discards ``out``.
    """
    import pyoxigraph as ox

    try:
        with engine_errors():
            graph_iris: set[str] = set()
            named, merged = _lines(parts, graph_iris)
            merged_bytes = _join(merged)
            nt = ox.RdfFormat.N_TRIPLES
            graph_only = fmt in ("nt", "turtle") or (fmt == "json-ld" and not jsonld_graphs)
            if graph_only:
                named = []  # not written: free it
            if streams:
                # A streamed file's IRIs may use any of the project's namespaces.
                prefixes = dict(EXPORT_PREFIXES)
            else:
                prefixes = _used_prefixes(merged_bytes)
                prefixes.update((p, ns) for p, ns in EXPORT_PREFIXES.items()
                                if any(iri.startswith(ns) for iri in graph_iris))
            # What the merge already holds, to leave out of a streamed file's triples there.
            held = set(ox.parse(merged_bytes, format=nt)) if streams and graph_only else set()
            fresh = [itertools.filterfalse(held.__contains__, s.triples) for s in streams]
            if fmt == "nt":
                out.write(merged_bytes)
                for triples in fresh:
                    ox.serialize(triples, out, format=nt)
            elif fmt == "turtle":
                ox.serialize(itertools.chain(ox.parse(merged_bytes, format=nt), *fresh),
                             out, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
            elif fmt == "nq":
                _write_nquads(out, named, merged if default_graph else None, streams,
                              set(merged) if streams else set())
            elif fmt == "trig":
                with tempfile.TemporaryFile() as spool:
                    _write_nquads(spool, named, merged if default_graph else None, streams,
                                  set(merged) if streams else set())
                    spool.seek(0)
                    ox.serialize(ox.parse(spool, format=ox.RdfFormat.N_QUADS), out,
                                 format=ox.RdfFormat.TRIG, prefixes=prefixes)
            elif not jsonld_graphs:
                quads = itertools.chain(ox.parse(merged_bytes, format=nt), *fresh)
                write_jsonld(out, quads, prefixes, jsonld_context, schemes(merged))
            else:
                with tempfile.TemporaryFile() as spool:
                    _write_nquads(spool, named, None, streams, set())
                    spool.seek(0)
                    write_jsonld(out, ox.parse(spool, format=ox.RdfFormat.N_QUADS), prefixes,
                                  jsonld_context, schemes(named))
    except (ValueError, UnicodeError) as exc:
        raise DataError(f"cannot export as {fmt}: {exc}") from exc


def _without(body: bytes, held: set[bytes]) -> bytes:
    """N-Triples ``body`` without the lines in ``held`` (lines without their line end)."""
    lines = body.split(b"\n")
    if held.isdisjoint(lines):
        return body
    return b"".join(line + b"\n" for line in lines if line and line not in held)


def _write_nquads(
    out: BinaryIO,
    named: list[bytes],
    merged: list[bytes] | None,
    streams: Sequence[Streamed],
    held: set[bytes],
) -> None:
    """N-Quads: the merge in the default graph (unless ``merged`` is None), then each graph.

    One pass over each streamed file writes its triples to the merge (those whose
    N-Triples line is not in ``held``) and, through a temporary file, to the named graph
    ``user``, which sorts last of the graphs and so is written last.
    """
    import pyoxigraph as ox

    nt = ox.RdfFormat.N_TRIPLES
    in_user = b" <" + USER_GRAPH.encode("utf-8") + b"> .\n"
    if merged is not None:
        out.write(_join(merged))
    with tempfile.TemporaryFile() as user:
        for streamed in streams:
            while body := ox.serialize(itertools.islice(streamed.triples, _BATCH), format=nt):
                if merged is not None:
                    out.write(_without(body, held))
                # Every line of pyoxigraph's N-Triples ends " .\n", and a line break inside a
                # literal is written as the two characters \n: the graph goes before it.
                user.write(body.replace(b" .\n", in_user))
        out.write(_join(named))
        user.seek(0)
        shutil.copyfileobj(user, out, 1 << 16)


# ------------------------------------------------------------------------------ whole dataset


def _open(
    fmt: str,
    extra: Sequence[Path],
    root: Path | None,
    graphs: Sequence[str] | None,
) -> tuple[Iterator[tuple[str, list[pyoxigraph.Quad]]], list[Streamed]]:
    """The parts to read whole, one file at a time (the dataset's graphs, cut to
    ``graphs``, and the user files a rule must read term by term), and the user files to
    stream (plain files, :func:`trilat_kg.loader.stream_triples`; for JSON-LD only those
    whose IRIs are all ``http``/``https``, so that none can be mistaken for a compact IRI).
    Every user file is scanned (and a missing one reported) before anything is read."""
    iris = _graph_iris(graphs, extra)
    names = None if iris is None else [n for n, iri in GRAPHS.items() if iri in iris]
    whole: list[Path] = []
    streams: list[Streamed] = []
    for path in extra:
        streamed = stream_triples(Path(path), check_iris=fmt == "json-ld")
        if streamed is None or (fmt == "json-ld" and not streamed.http_iris_only):
            whole.append(Path(path))
        else:
            streams.append(streamed)
    parts = iter_parts(whole, root=root, graphs=names)
    return parts, streams


def write_dataset(
    out: BinaryIO,
    fmt: str,
    *,
    extra: Sequence[Path] = (),
    root: Path | None = None,
    graphs: Sequence[str] | None = None,
    default_graph: bool = True,
    jsonld_context: str = "inline",
    jsonld_graphs: bool = False,
) -> None:
    """Load the dataset (plus ``extra`` files in the graph ``graphs/user``) and write it.

    ``out`` is a binary file; on an error (:class:`DataError` naming the file and line,
    :class:`UsageError`) it holds a partial document and must be discarded, which
    :func:`export_dataset` does. ``graphs`` names the named graphs to keep (see
    :data:`GRAPH_NAMES`); None keeps all. The other options are those of :func:`serialize`.
    Memory: the dataset's own files and any user file that is not plain are held; a plain
    user file (:func:`trilat_kg.loader.plain_format`) is parsed as it is written.
    """
    _check_options(fmt, jsonld_context)
    parts, streams = _open(fmt, extra, root, graphs)
    _write(out, parts, streams, fmt, default_graph=default_graph,
           jsonld_context=jsonld_context, jsonld_graphs=jsonld_graphs)


def serialize_dataset(
    fmt: str,
    *,
    extra: Sequence[Path] = (),
    root: Path | None = None,
    graphs: Sequence[str] | None = None,
    default_graph: bool = True,
    jsonld_context: str = "inline",
    jsonld_graphs: bool = False,
) -> bytes:
    """:func:`write_dataset` into memory: the document as bytes."""
    out = io.BytesIO()
    write_dataset(out, fmt, extra=extra, root=root, graphs=graphs, default_graph=default_graph,
                  jsonld_context=jsonld_context, jsonld_graphs=jsonld_graphs)
    return out.getvalue()


def export_dataset(
    fmt: str,
    out: Path | None,
    *,
    extra: Sequence[Path] = (),
    follow_symlinks: bool = False,
    root: Path | None = None,
    graphs: Sequence[str] | None = None,
    default_graph: bool = True,
    jsonld_context: str = "inline",
    jsonld_graphs: bool = False,
) -> None:
    """Export the dataset in ``fmt`` to ``out`` atomically, or to stdout when ``out`` is None/"-".

    ``graphs`` keeps only those named graphs (:data:`GRAPH_NAMES`; None keeps all). Bad
    names fail first (:class:`UsageError`, exit 2). The target is checked before anything is
    loaded, so a missing folder or a symlink fails at once (:class:`LocalIOError`, exit 4).
    The document is written to a temporary file (beside the target, then renamed over it:
    :func:`trilat_kg.atomic.write_atomic`; or a spool file copied to stdout or a device
    once complete), so bad data (:class:`DataError`, exit 1) leaves the target as it was
    and writes nothing to stdout.
    """
    _check_options(fmt, jsonld_context)
    _graph_iris(graphs, extra)
    to_stdout = out is None or str(out) == "-"
    target = None if to_stdout else check_target(Path(out),  # type: ignore[arg-type]
                                                 follow_symlinks=follow_symlinks)

    def produce(fh: BinaryIO) -> None:
        write_dataset(fh, fmt, extra=extra, root=root, graphs=graphs,
                      default_graph=default_graph, jsonld_context=jsonld_context,
                      jsonld_graphs=jsonld_graphs)

    if target is not None and not is_device(target):
        write_atomic(Path(out), produce, follow_symlinks=follow_symlinks)  # type: ignore[arg-type]
        return
    with tempfile.TemporaryFile() as spool:
        produce(spool)
        spool.seek(0)
        if target is None:
            _copy(spool, sys.stdout.buffer)
        else:
            write_atomic(target, lambda fh: _copy(spool, fh))


def _copy(source: BinaryIO, sink: BinaryIO) -> None:
    # In 64 KiB pieces: CPython drops the EPIPE of one large write that was partly
    # accepted, so a closed pipe (`| head`) would go unnoticed.
    while piece := source.read(1 << 16):
        sink.write(piece)
    sink.flush()


def load_jsonld(source: Path | bytes | str, into: Any = None) -> Any:
    """Read a JSON-LD document (a path, or the document as bytes/str) into an rdflib graph.

    Read by the one loader (:mod:`trilat_kg.loader`): the published context
    :data:`CONTEXT_IRI` is resolved from the package, any other context reference raises
    :class:`DataError`, nothing is fetched. Named graphs in the document are merged.
    """
    import pyoxigraph as ox
    from rdflib import Graph

    from .graph import parse_file, to_rdflib
    from .loader import parse_bytes

    if isinstance(source, Path):
        return parse_file(source, into)
    raw = source.encode("utf-8") if isinstance(source, str) else source
    graph = into if into is not None else Graph()
    for q in parse_bytes(raw, "JSON_LD", "<JSON-LD input>", ox.DefaultGraph()):
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graph
