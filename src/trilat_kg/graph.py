"""Load the trilat-kg dataset (its named graphs) with rdflib.

The dataset is a set of Turtle files; the folder a file sits in decides its named graph
(see :data:`trilat_kg.resources.GRAPH_FILES`). rdflib is used here because pySHACL and the
notebook API need an rdflib graph; fast querying goes through pyoxigraph elsewhere.

Reading is hardened because rdflib, left alone, reports bad input badly or dangerously
(reference/bad-inputs.md rows 1-10): a syntax error names ``<>`` instead of the file, a
latin-1 file raises a bare ``UnicodeDecodeError``, deep nesting a ``RecursionError``, RDF/XML
expands internal entities for minutes, JSON-LD fetches any ``@context`` URL, and SPARQL
``FROM`` on a Dataset loads graphs from the web. Here each becomes a
:class:`~trilat_kg.errors.DataError` (exit 1) or :class:`~trilat_kg.errors.LocalIOError`
(exit 4) that names the file, and nothing is fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from .errors import DataError, LocalIOError
from .namespaces import PREFIXES
from .resources import GRAPHS, data_root, files_for

__all__ = ["load_dataset", "load_union", "offline_sparql", "parse_file", "parse_turtle"]

_DOCTYPE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_RDFXML_SUFFIXES = {".rdf", ".xml", ".owl"}
_JSONLD_SUFFIXES = {".jsonld", ".json"}
_QUAD_SUFFIXES = {".nq": "nquads", ".trig": "trig"}


def offline_sparql() -> None:
    """Stop rdflib's SPARQL engine from loading ``FROM`` / ``FROM NAMED`` graphs off the web.

    rdflib's default (``SPARQL_LOAD_GRAPHS = True``) fetches any IRI a query names in
    ``FROM``, including ``file:`` IRIs; trilat-kg queries its own data only.
    """
    import rdflib.plugins.sparql as sparql

    sparql.SPARQL_LOAD_GRAPHS = False


def _read_text(path: Path) -> str:
    """Read a whole file as UTF-8, turning OS and decoding errors into messages naming it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise LocalIOError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise LocalIOError(f"{path}: is a directory, expected a file") from exc
    except PermissionError as exc:
        raise LocalIOError(f"{path}: permission denied") from exc
    except OSError as exc:  # ELOOP (symlink loop), EIO ...
        raise LocalIOError(f"{path}: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 at byte {exc.start}") from exc


def _parse_text(text: str, path: Path, graph: Graph, fmt: str) -> None:
    from rdflib.plugins.parsers.notation3 import BadSyntax

    try:
        graph.parse(data=text, format=fmt, publicID=path.absolute().as_uri())
    except BadSyntax as exc:
        line = exc.lines + 1
        raise DataError(f"{path}:{line}: {exc._why}") from exc
    except RecursionError as exc:
        raise DataError(f"{path}: nested too deeply") from exc
    except DataError:
        raise
    except Exception as exc:  # rdflib raises many types for bad input, some bare Exception
        raise DataError(f"{path}: cannot parse as {fmt}: {exc}") from exc


def parse_turtle(path: Path, into: Graph | None = None) -> Graph:
    """Parse one Turtle (or N-Triples) file into ``into`` (or a new graph).

    Raises :class:`LocalIOError` for a missing, unreadable or directory path and
    :class:`DataError` ("FILE:LINE: message", "not UTF-8 at byte N", "nested too deeply")
    for bad contents. On error, ``into`` may hold part of the file's triples.
    """
    path = Path(path)
    graph = into if into is not None else Graph()
    _parse_text(_read_text(path), path, graph, "turtle")
    return graph


def parse_file(path: Path, into: Graph | None = None) -> Graph:
    """Parse a user's file, choosing the syntax by its suffix; refuse the dangerous cases.

    ``.ttl``/``.nt`` and anything else: Turtle. ``.jsonld``/``.json``: JSON-LD with no
    remote context (see :func:`trilat_kg.export.load_jsonld`). ``.nq``/``.trig``: their
    named graphs are merged into ``into``, as the query store does with a user's file.
    ``.rdf``/``.xml``/``.owl``:
    RDF/XML, refused when it has a DOCTYPE or entity declarations, since rdflib expands
    internal entities without bound.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    graph = into if into is not None else Graph()
    if suffix in _JSONLD_SUFFIXES:
        from .export import load_jsonld

        return load_jsonld(path, into=graph)
    text = _read_text(path)
    if suffix in _QUAD_SUFFIXES:
        quads = Dataset()
        _parse_text(text, path, quads, _QUAD_SUFFIXES[suffix])
        for s, p, o, _ in quads.quads((None, None, None, None)):
            graph.add((s, p, o))
        return graph
    if suffix in _RDFXML_SUFFIXES:
        if _DOCTYPE.search(text):
            raise DataError(
                f"{path}: RDF/XML with a DOCTYPE or entity declarations refused "
                "(entity expansion can exhaust CPU and memory)"
            )
        _parse_text(text, path, graph, "xml")
        return graph
    _parse_text(text, path, graph, "turtle")
    return graph


def _bind(graph: Graph) -> None:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)


def load_dataset(root: Path | None = None, extra: Iterable[Path] = ()) -> Dataset:
    """Return the dataset with one named graph per part (ontology, essay, external, metadata).

    ``extra`` files (a user's additions) go into the graph ``graphs/user``.
    """
    offline_sparql()
    root = root or data_root()
    ds = Dataset(default_union=True)  # default graph = union, as in pyoxigraph queries
    _bind(ds)
    for name, iri in GRAPHS.items():
        g = ds.graph(URIRef(iri))
        for path in files_for(name, root):
            parse_turtle(path, g)
    extra = list(extra)
    if extra:
        g = ds.graph(URIRef(GRAPHS["ontology"].rsplit("/", 1)[0] + "/user"))
        for path in extra:
            parse_file(Path(path), g)
    return ds


def load_union(root: Path | None = None, extra: Iterable[Path] = (),
               graphs: Iterable[str] | None = None) -> Graph:
    """Return one graph holding the union of the named graphs (all, or those named)."""
    offline_sparql()
    root = root or data_root()
    union = Graph()
    _bind(union)
    for name in graphs or GRAPHS:
        for path in files_for(name, root):
            parse_turtle(path, union)
    for path in extra:
        parse_file(Path(path), union)
    return union
