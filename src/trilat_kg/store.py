"""Load the dataset into an embedded pyoxigraph store, one named graph per part.

pyoxigraph parses and queries an order of magnitude faster than rdflib, which is what lets a
cold ``trilat-kg query`` stay close to the cost of starting Python. rdflib stays where it
serves best (pySHACL, JSON-LD output, the notebook's ``load_dataset``).

Every fault of an input file becomes one :mod:`trilat_kg.errors` error naming the file:
a syntax error is ``DataError("FILE:LINE: message")``, a missing, unreadable or directory
path is :class:`~trilat_kg.errors.LocalIOError`, bytes that are not UTF-8 are
``DataError("FILE: not UTF-8 at byte N")``, a file with no triples is ``DataError``.
Formats that can make the parser do unbounded work or fetch things are refused: RDF/XML
(internal entities expand without limit) and JSON-LD whose ``@context`` is not inline.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DataError, LocalIOError, UsageError
from .resources import GRAPH_BASE, GRAPHS, data_root, files_for

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = ["ACCEPTED_SUFFIXES", "USER_GRAPH", "load_file", "load_store"]

#: Named graph that receives the user's own files (``--data``).
USER_GRAPH = GRAPH_BASE + "user"

#: File suffixes accepted as input, with the pyoxigraph format names.
ACCEPTED_SUFFIXES: dict[str, str] = {
    ".ttl": "TURTLE",
    ".nt": "N_TRIPLES",
    ".nq": "N_QUADS",
    ".trig": "TRIG",
    ".jsonld": "JSON_LD",
}
_QUAD_FORMATS = {"N_QUADS", "TRIG", "JSON_LD"}
_RDF_XML_SUFFIXES = {".rdf", ".owl", ".xml", ".rdfs"}
_BOM = b"\xef\xbb\xbf"


def load_store(
    extra: Sequence[Path | str] = (),
    *,
    root: Path | None = None,
    max_bytes: int | None = None,
) -> pyoxigraph.Store:
    """Return an in-memory store holding the dataset, each part in its named graph.

    The parts are those of :data:`trilat_kg.resources.GRAPHS`; ``extra`` files (a user's own
    data) all go into the graph ``https://w3id.org/trilat-kg/graphs/user``, even the named
    graphs of a TriG or N-Quads file, so that what came from the user stays apart from the
    published data. ``max_bytes`` refuses any user file larger than that before parsing.
    """
    import pyoxigraph as ox

    store = ox.Store()
    root = root or data_root()
    for name, iri in GRAPHS.items():
        graph = ox.NamedNode(iri)
        for path in files_for(name, root):
            load_file(store, path, graph)
    user = ox.NamedNode(USER_GRAPH)
    for path in extra:
        load_file(store, Path(path), user, max_bytes=max_bytes)
    # The default graph is the RDF merge of the named graphs, a set (a triple held by two
    # graphs is there once); the store's own union mode would be a bag and count it twice.
    store.extend([ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in store])
    return store


def load_file(
    store: pyoxigraph.Store,
    path: Path,
    graph: pyoxigraph.NamedNode,
    *,
    max_bytes: int | None = None,
) -> None:
    """Parse one file into ``graph`` of ``store``; raise a trilat-kg error naming the file."""
    import pyoxigraph as ox

    _check_readable(path, max_bytes)
    fmt_name = _format_for(path)
    fmt = getattr(ox.RdfFormat, fmt_name)
    try:
        with path.open("rb") as handle:
            head = handle.read(3)
    except OSError as exc:
        raise _io_error(path, exc) from exc
    try:
        if head == _BOM:
            # pyoxigraph rejects a UTF-8 byte order mark; rdflib and most editors accept it.
            _load_quads(store, ox.parse(input=path.read_bytes()[3:], format=fmt), graph, path)
        elif fmt_name in _QUAD_FORMATS:
            _load_quads(store, ox.parse(path=path, format=fmt), graph, path)
        else:
            first = next(iter(ox.parse(path=path, format=fmt)), None)
            if first is None:
                raise DataError(f"{path}: no triples")
            store.load(path=path, format=fmt, to_graph=graph)
    except SyntaxError as exc:
        raise _syntax_error(path, exc) from exc
    except OSError as exc:
        raise _io_error(path, exc) from exc


def _load_quads(store: pyoxigraph.Store, quads: Iterable[pyoxigraph.Quad],
                graph: pyoxigraph.NamedNode, path: Path) -> None:
    """Move every quad into ``graph`` (user data never lands in a published graph)."""
    import pyoxigraph as ox

    moved = [ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads]
    if not moved:
        raise DataError(f"{path}: no triples")
    store.extend(moved)


def _format_for(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in ACCEPTED_SUFFIXES:
        return ACCEPTED_SUFFIXES[suffix]
    if suffix in _RDF_XML_SUFFIXES:
        raise DataError(
            f"{path}: RDF/XML is refused (entity expansion can pin the CPU); "
            "convert it to Turtle or N-Triples first"
        )
    raise UsageError(
        f"{path}: unknown RDF format {suffix or '(no suffix)'!r}; "
        f"use one of {', '.join(sorted(ACCEPTED_SUFFIXES))}"
    )


def _check_readable(path: Path, max_bytes: int | None) -> None:
    try:
        info = path.stat()
    except OSError as exc:
        raise _io_error(path, exc) from exc
    if path.is_dir():
        raise LocalIOError(f"{path}: is a directory, not a file")
    if not os.access(path, os.R_OK):
        raise LocalIOError(f"{path}: permission denied")
    if max_bytes is not None and info.st_size > max_bytes:
        raise DataError(f"{path}: {info.st_size} bytes is above the limit of {max_bytes} bytes")


def _io_error(path: Path, exc: OSError) -> LocalIOError:
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileNotFoundError):
        reason = "no such file"
    elif isinstance(exc, IsADirectoryError):
        reason = "is a directory, not a file"
    elif isinstance(exc, PermissionError):
        reason = "permission denied"
    return LocalIOError(f"{path}: {reason}")


def _syntax_error(path: Path, exc: SyntaxError) -> DataError:
    """Turn a pyoxigraph SyntaxError into ``FILE:LINE: message`` (one line)."""
    message = str(exc.args[0]) if exc.args else str(exc)
    if "Invalid UTF-8" in message:
        offset = _first_non_utf8(path)
        if offset is not None:
            return DataError(f"{path}: not UTF-8 at byte {offset}")
    if "LoadDocumentCallback" in message or "remote context" in message.lower():
        return DataError(
            f"{path}: JSON-LD with a remote @context is refused; put the context inline "
            "(trilat-kg makes no network request)"
        )
    line = exc.lineno
    if ": " in message and message.startswith("Parser error"):
        where, _, message = message.partition(": ")
        column = re.search(r"columns? (\d+)", where)
        if column:
            message = f"{message} (column {column.group(1)})"
    message = " ".join(message.split())
    return DataError(f"{path}:{line}: {message}" if line else f"{path}: {message}")


def _first_non_utf8(path: Path) -> int | None:
    """Return the byte offset of the first invalid UTF-8 sequence, or None if all is valid."""
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    except OSError:
        return None
    return None
