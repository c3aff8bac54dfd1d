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
  Jena RIOT read it offline with the same triples as the Turtle export.
  ``jsonld_context="reference"`` names the published context :data:`CONTEXT_IRI` instead,
  for publishers who serve it; ``jsonld_graphs=True`` keeps the named graphs (one
  ``@graph`` per graph).
* ``graphs=`` exports some named graphs only (:data:`GRAPH_NAMES`).

Byte-stable: blank nodes get canonical labels (RDFC-1.0, W3C Recommendation 2024), and
statements are written sorted, so two runs, on any machine, give the same bytes and a diff
of two releases shows only real changes. Serialisation is pyoxigraph's. The whole output
is built in memory before the target is touched, and reaches the disk through
:func:`trilat_kg.atomic.write_atomic` (temporary file, fsync, rename).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic import check_target, write_atomic
from .errors import DataError, UsageError
from .loader import CONTEXT_IRI, USER_GRAPH, context_document, load_parts
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


def _lines(parts: Parts) -> tuple[list[bytes], list[bytes]]:
    """(N-Quads lines of the named graphs, N-Triples lines of their merge), sorted, unique.

    Blank nodes are relabelled by RDFC-1.0 first. RDFC-1.0 labels a blank node from the
    quads that mention blank nodes only, so only the lines holding ``_:`` go through the
    canonicalisation; everything else stays bytes, which keeps a 10^6-triple export close
    to the cost of parsing and writing it.
    """
    import pyoxigraph as ox

    by_graph: dict[str, list[bytes]] = {}
    for iri, triples in parts:
        if not triples:
            continue
        body = ox.serialize(triples, format=ox.RdfFormat.N_QUADS)
        by_graph.setdefault(iri, []).extend(body.split(b"\n"))
    blank: list[bytes] = []
    for iri, lines in by_graph.items():
        graph = b" <" + iri.encode("utf-8") + b"> ."
        kept = []
        for line in lines:
            if not line:
                continue
            if b"_:" in line:
                blank.append(line[:-2] + graph)
            else:
                kept.append(line[:-2] + graph)
        by_graph[iri] = kept
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
    import pyoxigraph as ox

    _check(fmt)
    if jsonld_context not in JSONLD_CONTEXTS:
        raise UsageError(f"unknown JSON-LD context mode {jsonld_context!r}; "
                         f"choose one of {', '.join(JSONLD_CONTEXTS)}")
    parts = _as_parts(quads)
    try:
        named, merged = _lines(parts)
        if fmt in ("nq", "trig"):
            data = _join((merged if default_graph else []) + named)
            if fmt == "nq":
                return data
            return ox.serialize(ox.parse(data, format=ox.RdfFormat.N_QUADS),
                                format=ox.RdfFormat.TRIG, prefixes=_used_prefixes(data))
        if fmt == "json-ld":
            return _jsonld(_join(named) if jsonld_graphs else _join(merged), jsonld_graphs,
                           jsonld_context)
        data = _join(merged)
        if fmt == "nt":
            return data
        return ox.serialize(ox.parse(data, format=ox.RdfFormat.N_TRIPLES),
                            format=ox.RdfFormat.TURTLE, prefixes=_used_prefixes(data))
    except (ValueError, UnicodeError) as exc:
        raise DataError(f"cannot export as {fmt}: {exc}") from exc


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


# ------------------------------------------------------------------------------ JSON-LD


def _jsonld(lines: bytes, keep_graphs: bool, mode: str) -> bytes:
    """JSON-LD with an inline prefix context (or the published one), compact IRIs, sorted."""
    import pyoxigraph as ox

    syntax = ox.RdfFormat.N_QUADS if keep_graphs else ox.RdfFormat.N_TRIPLES
    written = ox.serialize(ox.parse(lines, format=syntax), format=ox.RdfFormat.JSON_LD)
    expanded = json.loads(written or b"[]")
    if mode == "inline":
        prefixes = dict(sorted(_used_prefixes(lines).items()))
        context: Any = prefixes
    else:
        published = context_document()["@context"]
        prefixes = {k: v for k, v in published.items()
                    if isinstance(v, str) and v.endswith(("/", "#"))}
        context = CONTEXT_IRI
    compact = _Compactor(prefixes)
    graph = [compact.node(node) for node in expanded]
    doc = {"@context": context, "@graph": graph}
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


class _Compactor:
    """Write IRIs as compact IRIs of the given prefixes where that is safe (JSON-LD 1.1 §4.1.5)."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        # Longest namespace first, so id/states/ wins over id/.
        self.prefixes = sorted(prefixes.items(), key=lambda item: -len(item[1]))

    def iri(self, iri: str) -> str:
        for prefix, ns in self.prefixes:
            if iri.startswith(ns):
                rest = iri[len(ns):]
                # "p://x" would read as an absolute IRI; an empty or odd suffix stays full.
                if rest and not rest.startswith("//") and ":" not in rest[:1]:
                    return f"{prefix}:{rest}"
                break
        return iri

    def node(self, node: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "@id":
                out[key] = value if value.startswith("_:") else self.iri(value)
            elif key == "@type":
                out[key] = [self.iri(v) for v in value] if isinstance(value, list) \
                    else self.iri(value)
            elif key == "@graph":
                out[key] = [self.node(n) for n in value]
            elif key.startswith("@"):
                out[key] = value
            else:
                out[self.iri(key)] = [self.value(v) for v in value]
        return out

    def value(self, value: dict[str, Any]) -> dict[str, Any]:
        if "@id" in value:
            return {"@id": value["@id"] if value["@id"].startswith("_:")
                    else self.iri(value["@id"])}
        if "@type" in value:
            return {**value, "@type": self.iri(value["@type"])}
        if "@list" in value:
            return {"@list": [self.value(v) for v in value["@list"]]}
        return value


# ------------------------------------------------------------------------------ whole dataset


def dataset_parts(
    *,
    extra: Sequence[Path] = (),
    root: Path | None = None,
    graphs: Sequence[str] | None = None,
) -> list[tuple[str, list[pyoxigraph.Quad]]]:
    """The loader's ``(graph IRI, triples)`` pairs (plus ``extra``), cut to ``graphs``."""
    iris = _graph_iris(graphs, extra)
    parts = load_parts(extra, root=root)
    if iris is None:
        return parts
    keep = set(iris)
    return [(iri, triples) for iri, triples in parts if iri in keep]


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
    """Load the dataset (plus ``extra`` files in the graph ``graphs/user``) and serialise it.

    ``graphs`` names the named graphs to keep (see :data:`GRAPH_NAMES`); None keeps all.
    The other options are those of :func:`serialize`.
    """
    _check(fmt)
    parts = dataset_parts(extra=extra, root=root, graphs=graphs)
    return serialize(parts, fmt, default_graph=default_graph, jsonld_context=jsonld_context,
                     jsonld_graphs=jsonld_graphs)


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
    loaded, so a missing folder or a symlink fails at once (:class:`LocalIOError`, exit 4);
    bad data fails before the target is touched (:class:`DataError`, exit 1).
    """
    _check(fmt)
    _graph_iris(graphs, extra)
    to_stdout = out is None or str(out) == "-"
    if not to_stdout:
        check_target(Path(out), follow_symlinks=follow_symlinks)  # type: ignore[arg-type]
    data = serialize_dataset(fmt, extra=extra, root=root, graphs=graphs,
                             default_graph=default_graph, jsonld_context=jsonld_context,
                             jsonld_graphs=jsonld_graphs)
    if to_stdout:
        # In 64 KiB pieces: CPython drops the EPIPE of one large write that was partly
        # accepted, so a closed pipe (`| head`) would go unnoticed.
        step = 1 << 16
        for start in range(0, len(data), step):
            sys.stdout.buffer.write(data[start:start + step])
        sys.stdout.buffer.flush()
        return
    write_atomic(Path(out), data, follow_symlinks=follow_symlinks)  # type: ignore[arg-type]


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
