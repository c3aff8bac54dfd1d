"""The one loader: every RDF input is read here, by one set of rules, for every command.

``validate``, ``query``, ``sparql``, ``stats``, ``export``, ``push``, ``serve``, ``links`` and
the library all read the shipped files and a user's ``--data`` files through
:func:`load_quads`. It gives the dataset *as written* (datatypes and lexical forms kept;
pyoxigraph's parser, which lowercases language tags as RDF 1.1 Concepts §3.3 allows), one
named graph per part; the query store (:mod:`trilat_kg.store`), the rdflib graphs pySHACL
needs (:mod:`trilat_kg.graph`) and every export are built from it, so a file gets the same
verdict and the same one-line message whichever command reads it.

The rules, each a :class:`~trilat_kg.errors.TrilatError` naming the file (and line where
there is one):

============================  ================================================================
input                         verdict
============================  ================================================================
missing, unreadable, folder   :class:`LocalIOError` (exit 4)
above ``max_bytes``           :class:`DataError`, checked before reading (exit 1)
UTF-8 byte-order mark         accepted and skipped, in every format (Windows editors write it)
not UTF-8                     ``FILE: not UTF-8 at byte N`` (exit 1)
empty or comment-only         ``FILE: no triples`` (exit 1): an empty ``--data`` file is
                              almost always the wrong file
relative IRI                  ``FILE:LINE: relative IRI ... and no base`` (exit 1): a file's
                              own location must never be baked into shared data; declare
                              ``@base`` (Turtle, TriG) or ``@base`` in the JSON-LD context
invalid IRI                   ``FILE:LINE: ...`` (exit 1): spaces, braces and the like
ill-typed literal             ``FILE:LINE: ill-typed literal ...`` (exit 1), for the XSD
                              datatypes of :mod:`trilat_kg.xsd`
JSON-LD ``@context``          inline, or the project's own :data:`CONTEXT_IRI` (read from the
                              package); any other reference is refused, nothing is fetched
RDF/XML with DOCTYPE/ENTITY   refused: entity expansion can exhaust CPU and memory
unknown suffix                :class:`UsageError` (exit 2) naming the accepted suffixes
============================  ================================================================

Blank nodes are renamed per file (``rename_blank_nodes``), so ``_:x`` in two files are two
nodes, as the RDF merge requires.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import DataError, LocalIOError, UsageError
from .resources import GRAPH_BASE, GRAPHS, data_root, files_for
from .xsd import CHECKED, lexical_error

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = [
    "ACCEPTED_SUFFIXES",
    "CONTEXT_IRI",
    "DEFAULT_MAX_BYTES",
    "PROCESS_LIMIT",
    "USER_GRAPH",
    "Plain",
    "Streamed",
    "context_document",
    "engine_errors",
    "iter_parts",
    "load_parts",
    "load_quads",
    "parse_bytes",
    "parse_triples",
    "plain_format",
    "read_file",
    "read_triples",
    "set_max_bytes",
    "stream_triples",
]

#: The default limit on one input file, in bytes (1 GiB), checked before parsing; a FIFO or
#: a device is read up to the limit and refused beyond it. ``None`` means no limit.
DEFAULT_MAX_BYTES = 1 << 30


class _ProcessLimit:
    """Marks "the process-wide limit" as a default argument (see :func:`set_max_bytes`)."""

    def __repr__(self) -> str:
        return "PROCESS_LIMIT"


#: Default of every ``max_bytes`` argument: the limit set by :func:`set_max_bytes`.
PROCESS_LIMIT: Any = _ProcessLimit()
#: The environment variable that carries the limit to worker processes (``serve``).
LIMIT_VARIABLE = "TRILAT_KG_MAX_BYTES"


def _initial_limit() -> int | None:
    text = os.environ.get(LIMIT_VARIABLE, "")
    if text == "none":
        return None
    return int(text) if text.isdigit() else DEFAULT_MAX_BYTES


_limit: int | None = _initial_limit()


def set_max_bytes(limit: int | None) -> None:
    """Set the byte limit of every input read afterwards in this process (``None``: none).

    The CLI's ``--max-bytes`` calls it, so every command, ``serve``'s workers included, reads
    user files under the same limit. Raises :class:`UsageError` for a negative limit.
    """
    global _limit
    if limit is not None and limit < 0:
        raise UsageError(f"--max-bytes must be 0 or more, not {limit}")
    _limit = limit
    os.environ[LIMIT_VARIABLE] = "none" if limit is None else str(limit)


def _effective(max_bytes: int | None) -> int | None:
    return _limit if max_bytes is PROCESS_LIMIT else max_bytes

#: Named graph that receives the user's own files (``--data``).
USER_GRAPH = GRAPH_BASE + "user"

#: Where the project's JSON-LD context is published; read from the package, never fetched.
CONTEXT_IRI = "https://w3id.org/trilat-kg/context.jsonld"

#: Accepted file suffixes and their pyoxigraph format names.
ACCEPTED_SUFFIXES: dict[str, str] = {
    ".ttl": "TURTLE",
    ".nt": "N_TRIPLES",
    ".nq": "N_QUADS",
    ".trig": "TRIG",
    ".jsonld": "JSON_LD",
    ".json": "JSON_LD",
    ".rdf": "RDF_XML",
    ".owl": "RDF_XML",
    ".xml": "RDF_XML",
}
_BOM = b"\xef\xbb\xbf"
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
#: A base IRI no real data uses: IRIs resolved against it were relative in the file.
_PROBE_BASE = "https://relative-iri.invalid/"
_MAX_JSON_DEPTH = 200
_XSD_NS = b"http://www.w3.org/2001/XMLSchema#"


@lru_cache(maxsize=1)
def context_document() -> dict[str, Any]:
    """The project's JSON-LD context document ``{"@context": {...}}`` shipped in the package."""
    path = Path(__file__).resolve().with_name("context.jsonld")
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def load_parts(
    extra: Sequence[Path | str] = (),
    *,
    root: Path | None = None,
    graphs: Iterable[str] | None = None,
    max_bytes: int | None = PROCESS_LIMIT,
) -> list[tuple[str, list[pyoxigraph.Quad]]]:
    """Read the dataset as written, one ``(named graph IRI, triples)`` pair per file.

    The triples are pyoxigraph quads in the default graph, as the file wrote them; the IRI
    says which named graph they belong to: each part of :data:`trilat_kg.resources.GRAPHS`
    (or those named in ``graphs``) its own, every ``extra`` file :data:`USER_GRAPH` (the
    named graphs of a TriG, N-Quads or JSON-LD file included, so a user's data never enters
    a published graph). Raises the errors of :func:`read_file`.
    """
    return list(iter_parts(extra, root=root, graphs=graphs, max_bytes=max_bytes))


def iter_parts(
    extra: Sequence[Path | str] = (),
    *,
    root: Path | None = None,
    graphs: Iterable[str] | None = None,
    max_bytes: int | None = PROCESS_LIMIT,
) -> Iterator[tuple[str, list[pyoxigraph.Quad]]]:
    """:func:`load_parts` one file at a time, for a reader that need not hold them all."""
    root = root or data_root()
    for name in graphs if graphs is not None else GRAPHS:
        for path in files_for(name, root):  # the dataset's own files: no byte limit
            yield GRAPHS[name], read_triples(path, max_bytes=None)
    for path in extra:
        yield USER_GRAPH, read_triples(Path(path), max_bytes=max_bytes)


def load_quads(
    extra: Sequence[Path | str] = (),
    *,
    root: Path | None = None,
    graphs: Iterable[str] | None = None,
    max_bytes: int | None = PROCESS_LIMIT,
) -> list[pyoxigraph.Quad]:
    """Read the dataset as written, as quads in their named graphs (see :func:`load_parts`).

    Nothing goes to the default graph: whoever queries decides what the default graph is.
    Duplicates are kept here (the same triple from two files of one graph is one triple
    once it is put in a set, a store or a ``pyoxigraph.Dataset``).
    """
    import pyoxigraph as ox

    quads: list[pyoxigraph.Quad] = []
    for iri, triples in load_parts(extra, root=root, graphs=graphs, max_bytes=max_bytes):
        graph = ox.NamedNode(iri)
        quads.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in triples)
    return quads


def read_file(
    path: Path,
    graph: pyoxigraph.NamedNode,
    *,
    max_bytes: int | None = PROCESS_LIMIT,
) -> list[pyoxigraph.Quad]:
    """Parse one file by the rules of this module; every quad is put in ``graph``.

    Returns the quads as written. Raises :class:`LocalIOError` (unreadable),
    :class:`UsageError` (unknown suffix) or :class:`DataError` (everything else), each one
    line naming ``path``.
    """

    import pyoxigraph as ox

    return [ox.Quad(q.subject, q.predicate, q.object, graph)
            for q in read_triples(path, max_bytes=max_bytes)]


def read_triples(path: Path, *, max_bytes: int | None = PROCESS_LIMIT) -> list[pyoxigraph.Quad]:
    """Parse one file by the rules of this module; its triples as default-graph quads."""
    path = Path(path)
    _check_file(path, max_bytes)
    fmt_name = _format_for(path)
    return parse_triples(_read_bytes(path, max_bytes), fmt_name, str(path))


#: Bytes read at a time when a file is scanned for :func:`plain_format`.
_SCAN_CHUNK = 1 << 20
#: What marks a term some rule must look at: the XSD namespace (a typed literal whose
#: lexical form is checked) and blank node syntax (labels are renamed per file).
_NEEDS_TERMS = (_XSD_NS, b"_:")
_NEEDS_TERMS_TURTLE = (*_NEEDS_TERMS, b"[", b"(")


class Plain(NamedTuple):
    """What a scan of a plain file found (:func:`plain_format`)."""

    #: ``"TURTLE"`` or ``"N_TRIPLES"``.
    format_name: str
    #: True when every ``<`` in the file opens an IRI whose scheme starts with ``http``
    #: (``http:``, ``https:``): no IRI of another scheme (``urn:``, ``wd:``), no ``<``
    #: inside a literal. A writer that abbreviates IRIs with prefix names (JSON-LD compact
    #: IRIs) relies on it: no IRI can then be mistaken for one.
    http_iris_only: bool


def plain_format(path: Path, *, max_bytes: int | None = PROCESS_LIMIT,
                 check_iris: bool = True) -> Plain | None:
    """Scan ``path``: a :class:`Plain` when the engine alone may read it, else None.

    A file is *plain* when every rule of this module is enforced by the parser itself: a
    regular Turtle or N-Triples file, UTF-8 without a byte-order mark, with no XSD datatype
    IRI (so no literal whose lexical form needs checking: Turtle's numeric and boolean
    shorthands are valid by the grammar) and no blank node syntax (``_:``, and in Turtle
    ``[`` and ``(``, so no label needs renaming). Relative and invalid IRIs are syntax
    errors without a base IRI, as in :func:`read_file`. The file is read in pieces of about
    1 MiB cut at line ends (no IRI or literal mark spans a line end), never held whole; a
    mark inside a literal or an IRI only sends the file the careful way.

    ``check_iris=False`` skips counting what :attr:`Plain.http_iris_only` needs (it is then
    False). Raises what :func:`read_file` raises for a missing, unreadable or oversized
    file, or an unknown suffix.
    """
    path = Path(path)
    _check_file(path, max_bytes)
    fmt_name = _format_for(path)
    if fmt_name not in ("TURTLE", "N_TRIPLES"):
        return None
    marks = _NEEDS_TERMS_TURTLE if fmt_name == "TURTLE" else _NEEDS_TERMS
    opened = http = 0
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or a device is read only once
            return None
        with path.open("rb") as handle:
            carry = handle.read(len(_BOM))
            if carry == _BOM:
                return None
            while True:
                chunk = handle.read(_SCAN_CHUNK)
                piece = carry + chunk
                end = piece.rfind(b"\n") + 1 if chunk else len(piece)
                lines, carry = piece[:end], piece[end:]
                # (A one-byte search first: "_" is rare in most files, "_:" slow to look for.)
                if any(mark[:1] in lines and mark in lines for mark in marks):
                    return None
                if not lines.isascii():
                    lines.decode("utf-8")  # pieces end at a line end, never inside a character
                if check_iris:
                    opened += lines.count(b"<")
                    http += lines.count(b"<http")
                if not chunk:
                    break
    except UnicodeDecodeError:
        return None  # read_file names the byte
    except OSError as exc:
        raise _io_error(path, exc) from exc
    return Plain(fmt_name, check_iris and opened == http)


class Streamed(NamedTuple):
    """A plain file opened for streaming (:func:`stream_triples`)."""

    path: Path
    #: The file's triples as default-graph quads, parsed as they are consumed.
    triples: Iterator[pyoxigraph.Quad]
    #: See :attr:`Plain.http_iris_only`.
    http_iris_only: bool


def stream_triples(path: Path, *, max_bytes: int | None = PROCESS_LIMIT,
                   check_iris: bool = True) -> Streamed | None:
    """A plain file's triples (:func:`plain_format`) as a lazy iterator, else None.

    The engine parses the file as it is consumed, so a file of any size costs no memory
    beyond the quads in hand; None means a rule needs to see single terms: read the file
    with :func:`read_triples`. An empty or comment-only file raises :class:`DataError` at
    once; a syntax error further on is raised while the iterator is consumed, as the
    engine's ``SyntaxError`` naming the file: consume it inside :func:`engine_errors`, which
    turns that into the same one line :func:`read_file` gives.
    """
    import pyoxigraph as ox

    path = Path(path)
    plain = plain_format(path, max_bytes=max_bytes, check_iris=check_iris)
    if plain is None:
        return None
    parsed = iter(ox.parse(path=path, format=getattr(ox.RdfFormat, plain.format_name)))
    with engine_errors(str(path)):
        first = next(parsed, None)
    if first is None:
        raise DataError(f"{path}: no triples (the file is empty or holds only comments)")
    return Streamed(path, itertools.chain((first,), parsed), plain.http_iris_only)


@contextlib.contextmanager
def engine_errors(where: str | None = None) -> Iterator[None]:
    """Turn what the engine raises while it parses a file into the loader's one-line errors.

    ``SyntaxError`` becomes ``FILE:LINE: message`` (the file is the one the parser names,
    else ``where``); a term over the parser's 16 MiB limit and memory running out become the
    messages of :func:`read_file`.
    """
    try:
        yield
    except SyntaxError as exc:
        raise _syntax_error(exc.filename or where or "<input>", exc) from exc
    except MemoryError as exc:
        raise _memory_error(where or "<input>", exc, 0) from exc


def parse_bytes(
    raw: bytes,
    fmt_name: str,
    where: str,
    graph: pyoxigraph.NamedNode | pyoxigraph.DefaultGraph,
) -> list[pyoxigraph.Quad]:
    """Parse a document held in memory by the rules of this module (see :func:`read_file`).

    ``fmt_name`` is a pyoxigraph format name (a value of :data:`ACCEPTED_SUFFIXES`);
    ``where`` names the input in messages (a path, or e.g. ``<JSON-LD input>``). Every quad
    is put in ``graph``.
    """
    import pyoxigraph as ox

    return [ox.Quad(q.subject, q.predicate, q.object, graph)
            for q in parse_triples(raw, fmt_name, where)]


def parse_triples(raw: bytes, fmt_name: str, where: str) -> list[pyoxigraph.Quad]:
    """Like :func:`parse_bytes`, the triples as default-graph quads (graph names dropped)."""
    import pyoxigraph as ox

    skipped = len(_BOM) if raw.startswith(_BOM) else 0
    raw = raw[skipped:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{where}: not UTF-8 at byte {exc.start + skipped}") from exc
    base: str | None = None
    if fmt_name == "JSON_LD":
        raw = _jsonld_input(text, where)
        base = _PROBE_BASE
    elif fmt_name == "RDF_XML":
        if _DOCTYPE.search(raw):
            raise DataError(f"{where}: RDF/XML with a DOCTYPE or entity declarations refused "
                            "(entity expansion can exhaust CPU and memory)")
        base = _PROBE_BASE
    fmt = getattr(ox.RdfFormat, fmt_name)
    try:
        parsed = list(ox.parse(raw, format=fmt, base_iri=base, rename_blank_nodes=True))
    except SyntaxError as exc:
        raise _syntax_error(where, exc) from exc
    except RecursionError as exc:
        raise DataError(f"{where}: nested too deeply") from exc
    except (ValueError, OSError) as exc:
        raise DataError(f"{where}: cannot parse as {fmt_name}: {' '.join(str(exc).split())}") \
            from exc
    except MemoryError as exc:
        raise _memory_error(where, exc, len(raw)) from exc
    if not parsed:
        raise DataError(f"{where}: no triples (the file is empty or holds only comments)")
    if fmt_name in ("TURTLE", "N_TRIPLES"):
        quads = parsed  # triple formats: every quad is in the default graph already
    else:
        default = ox.DefaultGraph
        quads = [q if isinstance(q.graph_name, default) else
                 ox.Quad(q.subject, q.predicate, q.object, default()) for q in parsed]
    # Without the XSD namespace in the file, its only XSD literals are Turtle's numeric and
    # boolean shorthands and JSON-LD's native values, valid by the grammar: nothing to check
    # unless IRIs must be checked for having been relative.
    if base is not None or _XSD_NS in raw:
        _check_terms(quads, where, text, probe=base is not None)
    return quads


def _check_file(path: Path, max_bytes: int | None) -> None:
    max_bytes = _effective(max_bytes)
    try:
        info = path.stat()
    except OSError as exc:
        raise _io_error(path, exc) from exc
    if path.is_dir():
        raise LocalIOError(f"{path}: is a directory, not a file")
    if max_bytes is not None and info.st_size > max_bytes:
        raise DataError(f"{path}: {info.st_size} bytes is above the limit of {max_bytes} bytes")
    if not os.access(path, os.R_OK):
        raise LocalIOError(f"{path}: permission denied")


def _read_bytes(path: Path, max_bytes: int | None) -> bytes:
    max_bytes = _effective(max_bytes)
    try:
        with path.open("rb") as handle:
            raw = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError as exc:
        raise _io_error(path, exc) from exc
    if max_bytes is not None and len(raw) > max_bytes:
        raise DataError(f"{path}: more than the limit of {max_bytes} bytes")
    return raw


def _format_for(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in ACCEPTED_SUFFIXES:
        return ACCEPTED_SUFFIXES[suffix]
    raise UsageError(
        f"{path}: unknown RDF format {suffix or '(no suffix)'!r}; "
        f"use one of {', '.join(sorted(ACCEPTED_SUFFIXES))}"
    )


def _io_error(path: Path, exc: OSError) -> LocalIOError:
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileNotFoundError):
        reason = "no such file"
    elif isinstance(exc, IsADirectoryError):
        reason = "is a directory, not a file"
    elif isinstance(exc, PermissionError):
        reason = "permission denied"
    return LocalIOError(f"{path}: {reason}")


# ------------------------------------------------------------------------------ JSON-LD


def _jsonld_input(text: str, where: str) -> bytes:
    """Check a JSON-LD document and put the project's context inline; refuse other references.

    The document is read with :mod:`json` first so that a syntax error names its line, and so
    that every ``@context`` (top level, node objects, scoped contexts) can be checked: the
    project's :data:`CONTEXT_IRI` is replaced by the context shipped in the package, any other
    reference (``http:``, ``file:``, a relative path, ``@import``) is refused.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    except RecursionError as exc:
        raise DataError(f"{where}: nested too deeply") from exc
    doc = _localise(doc, where, depth=0)
    try:
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:  # "\ud800" decodes to a lone surrogate
        code = ord(exc.object[exc.start])
        raise DataError(f"{where}{_line_of(text, json.dumps(chr(code))[1:-1])}: lone "
                        f"surrogate U+{code:04X} in a JSON string (not a Unicode character)") \
            from exc


def _localise(value: Any, where: str, depth: int, inside_context: bool = False) -> Any:
    if depth > _MAX_JSON_DEPTH:
        raise DataError(f"{where}: nested too deeply (more than {_MAX_JSON_DEPTH} levels)")
    if isinstance(value, list):
        return [_localise(v, where, depth + 1, inside_context) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "@context":
            out[key] = _context_value(item, where, depth + 1)
        elif key == "@import" and inside_context:
            raise DataError(f"{where}: JSON-LD @import of {item!r} refused (no remote contexts)")
        else:
            out[key] = _localise(item, where, depth + 1, inside_context)
    return out


def _context_value(ctx: Any, where: str, depth: int) -> Any:
    if isinstance(ctx, list):
        return [_context_value(c, where, depth + 1) for c in ctx]
    if isinstance(ctx, str):
        if ctx == CONTEXT_IRI:
            return context_document()["@context"]
        raise DataError(
            f"{where}: JSON-LD @context {ctx!r} refused: only {CONTEXT_IRI} (read from the "
            "package) or an inline context is accepted; nothing is fetched"
        )
    if isinstance(ctx, dict):
        return _localise(ctx, where, depth + 1, inside_context=True)
    return ctx  # null resets the active context


# ------------------------------------------------------------------------------ checks


def _check_terms(quads: list[pyoxigraph.Quad], where: str, text: str, *, probe: bool) -> None:
    """Refuse IRIs that were relative in the file and ill-typed literals."""
    import pyoxigraph as ox

    literal_type, named_type = ox.Literal, ox.NamedNode
    for quad in quads:
        for term in (quad.subject, quad.predicate, quad.object):
            if probe and isinstance(term, named_type) and term.value.startswith(_PROBE_BASE):
                relative = term.value[len(_PROBE_BASE):]
                raise DataError(
                    f"{where}{_line_of(text, relative)}: relative IRI {relative!r} and no base: "
                    "write absolute IRIs (or declare @base)"
                )
            if isinstance(term, literal_type):
                datatype = term.datatype.value
                if datatype in CHECKED:
                    why = lexical_error(term.value, datatype)
                    if why:
                        shown = json.dumps(term.value, ensure_ascii=False)
                        short = "xsd:" + datatype.rsplit("#", 1)[-1]
                        raise DataError(
                            f"{where}{_line_of(text, term.value)}: ill-typed literal "
                            f"{shown}^^{short}: {why}"
                        )


def _line_of(text: str, needle: str) -> str:
    """``:LINE`` of the first occurrence of ``needle`` in ``text``, or "" when not found."""
    if not needle:
        return ""
    at = text.find(needle)
    return f":{text.count(chr(10), 0, at) + 1}" if at >= 0 else ""


def _memory_error(where: str, exc: MemoryError, size: int) -> DataError | LocalIOError:
    """One line for a MemoryError while parsing: the parser's own limit on one term (a literal
    or IRI over 16 MiB, exit 1), or memory running out (exit 4)."""
    message = str(exc)
    if "buffer maximal size" in message:
        limit = re.search(r"(\d+)", message)
        cap = f"{int(limit.group(1)) // (1 << 20)} MiB" if limit else "the parser's limit"
        return DataError(f"{where}: a single literal or IRI longer than {cap}, which the "
                         "parser refuses")
    read = f"{size} bytes" if size else "it"
    return LocalIOError(f"{where}: out of memory while reading {read}")


def _syntax_error(where: str, exc: SyntaxError) -> DataError:
    """Turn a pyoxigraph SyntaxError into ``FILE:LINE: message`` (one line)."""
    message = str(exc.args[0]) if exc.args else str(exc)
    if "LoadDocumentCallback" in message or "remote context" in message.lower():
        return DataError(
            f"{where}: JSON-LD with a remote @context is refused; put the context inline "
            "(trilat-kg makes no network request)"
        )
    line = exc.lineno
    if message.startswith("Parser error") and ": " in message:
        position, _, message = message.partition(": ")
        column = re.search(r"columns? (\d+)", position)
        if column:
            message = f"{message} (column {column.group(1)})"
    message = re.sub(r"\s*\(line \d+\)\s*$", "", message)
    if "No scheme found in an absolute IRI" in message:
        message = "relative IRI and no base: write absolute IRIs (or declare @base)"
    message = " ".join(message.split())
    return DataError(f"{where}:{line}: {message}" if line else f"{where}: {message}")
