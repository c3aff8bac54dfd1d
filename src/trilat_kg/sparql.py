"""Ad-hoc read-only SPARQL over the embedded store, and the SPARQL tokenizer behind it.

A user's query may read the dataset and nothing else. pyoxigraph *executes* ``SERVICE``
by making an HTTP request from Rust (no Python audit hook sees it), and rdflib fetches
``FROM`` / ``LOAD`` URLs, so the text is checked before any engine sees it: updates,
``SERVICE``, ``FROM`` / ``FROM NAMED`` and ``LOAD`` are refused with a
:class:`~trilat_kg.errors.UsageError` (exit 2).

The check runs on tokens, not on the raw text, so a keyword inside a string, an IRI or a
comment (``"how to LOAD"``, ``<http://ex/service>``, ``# FROM``) is not mistaken for one,
and a keyword cannot hide from it either: the tokenizer follows the SPARQL 1.1 lexical
grammar for the tokens that can contain other text (strings, IRIs, comments), and anything
it cannot match is read one character at a time, which only ever exposes more words.

The default graph of a query is the union of all named graphs; ``GRAPH`` clauses see each
named graph (``https://w3id.org/trilat-kg/graphs/essay``, ``.../external``, ...).

Every local query runs under a deadline (:mod:`trilat_kg.deadline`: 60 s unless told,
interruptible by Ctrl-C), and a user's text nested deeper than :data:`MAX_NESTING` levels
(groups, parentheses, blank-node brackets, chains of ``!``) is refused before it runs: the
engine recurses once per level, and a few thousand levels would overflow its stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .deadline import DEFAULT_TIMEOUT
from .errors import DataError, UsageError
from .results import QueryResult

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = ["FORBIDDEN", "MAX_NESTING", "Token", "check_nesting", "check_read_only", "execute",
           "run_sparql", "tokenize"]

#: Deepest nesting of ``{ }``, ``( )``, ``[ ]`` and ``!`` accepted in a user's query.
MAX_NESTING = 500
_OPEN = {"{": "}", "(": ")", "[": "]"}
_CLOSE = {"}", ")", "]"}

#: Bare keywords refused in a user query, with the reason given to the user.
FORBIDDEN: dict[str, str] = {
    "SERVICE": "SERVICE (federated queries reach the network)",
    "FROM": "FROM / FROM NAMED (the dataset is fixed; nothing is fetched)",
    "LOAD": "LOAD (an update that fetches a document)",
    "INSERT": "INSERT (updates are not allowed)",
    "DELETE": "DELETE (updates are not allowed)",
    "CLEAR": "CLEAR (updates are not allowed)",
    "CREATE": "CREATE (updates are not allowed)",
    "DROP": "DROP (updates are not allowed)",
    "COPY": "COPY (updates are not allowed)",
    "MOVE": "MOVE (updates are not allowed)",
    "ADD": "ADD (updates are not allowed)",
    "WITH": "WITH (updates are not allowed)",
}

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
             | \"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
             | '(?:[^'\\\r\n]|\\.)*'
             | "(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][^\W]\w*)
  | (?P<pname>(?:[^\W\d_][\w.-]*)?:(?:[\w:%-]|\\.|\.(?=[\w:%-]))*)
  | (?P<word>[^\W\d]\w*)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<punct>\^\^|\|\||&&|!=|<=|>=|.)
    """,
    re.VERBOSE | re.DOTALL,
)


class Token:
    """One lexical token: its kind, text and character offset in the query."""

    __slots__ = ("kind", "start", "text")

    def __init__(self, kind: str, text: str, start: int) -> None:
        self.kind = kind
        self.text = text
        self.start = start

    def __repr__(self) -> str:
        return f"Token({self.kind!r}, {self.text!r}, {self.start})"

    @property
    def keyword(self) -> str:
        """The upper-cased text of a bare word (keywords are case-insensitive)."""
        return self.text.upper() if self.kind == "word" else ""


def tokenize(text: str) -> Iterator[Token]:
    """Yield the tokens of a SPARQL text, without whitespace and comments."""
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        assert match is not None  # the last alternative matches any character
        kind = match.lastgroup or "punct"
        if kind not in ("ws", "comment"):
            yield Token(kind, match.group(), pos)
        pos = match.end()


def check_read_only(text: str, source: str = "query") -> None:
    """Raise UsageError if the query could write, fetch or federate; say what and where."""
    for token in tokenize(text):
        reason = FORBIDDEN.get(token.keyword)
        if reason:
            line = text.count("\n", 0, token.start) + 1
            raise UsageError(f"{source}:{line}: refused {reason}; queries are read-only")


def check_nesting(text: str, source: str = "query", limit: int = MAX_NESTING) -> None:
    """Raise UsageError if the query nests deeper than ``limit`` levels; say where.

    Counted on tokens (a brace in a string, IRI or comment is not a level): each open
    ``{``, ``(`` or ``[`` is a level, and so is each ``!`` of a chain (``!!!x``).
    """
    depth = 0
    bangs = 0
    for token in tokenize(text):
        if token.kind != "punct":
            bangs = 0
            continue
        if token.text in _OPEN:
            depth += 1
        elif token.text in _CLOSE:
            depth = max(0, depth - 1)
        bangs = bangs + 1 if token.text == "!" else 0
        if depth + bangs > limit:
            line = text.count("\n", 0, token.start) + 1
            raise UsageError(f"{source}:{line}: query nested more than {limit} levels deep "
                             "(refused: the engine would run out of stack)")


def run_sparql(
    text: str,
    *,
    extra: Sequence[Path | str] = (),
    store: pyoxigraph.Store | None = None,
    source: str = "query",
    limit: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> QueryResult:
    """Run an ad-hoc read-only query on the dataset (merged with ``extra`` files).

    The text is checked before the data is even loaded, so a refused query costs nothing.
    The query runs within ``timeout`` seconds (``None``: no deadline); past it,
    :class:`~trilat_kg.deadline.DeadlineExceeded` (a DataError, exit 1).
    """
    check_read_only(text, source)
    check_nesting(text, source)
    if store is None:
        from .store import load_store

        store = load_store(extra)
    return execute(store, text, source=source, limit=limit, timeout=timeout)


def execute(
    store: pyoxigraph.Store,
    text: str,
    *,
    substitutions: dict[Any, Any] | None = None,
    source: str = "query",
    limit: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> QueryResult:
    """Run a query on the embedded store (default graph = union of the named graphs).

    Callers check the text first (:func:`check_read_only`, :func:`check_nesting`) or run a
    vetted canned query. The query is evaluated in a worker thread within ``timeout``
    seconds (see :mod:`trilat_kg.deadline`; ``None``: no deadline).
    """
    import itertools

    import pyoxigraph as ox

    from .deadline import run_with_deadline
    from .results import from_oxigraph, oxigraph_rows

    def evaluate() -> QueryResult:
        answer = store.query(text, substitutions=substitutions or None)
        if limit is not None and isinstance(answer, ox.QuerySolutions):
            variables = [v.value for v in answer.variables]
            rows = oxigraph_rows(itertools.islice(answer, limit), len(variables))
            return QueryResult(variables, rows)
        return from_oxigraph(answer)

    try:
        return run_with_deadline(evaluate, timeout, source)
    except SyntaxError as exc:
        raise _query_syntax_error(source, exc) from exc
    except OSError as exc:  # evaluation errors (pyoxigraph raises OSError for them)
        raise DataError(f"{source}: query failed: {' '.join(str(exc).split())}") from exc


def _query_syntax_error(source: str, exc: SyntaxError) -> DataError:
    message = " ".join(str(exc.args[0] if exc.args else exc).split())
    match = re.match(r"error at (\d+):(\d+): (.*)", message)
    if match:
        line, column, what = match.groups()
        return DataError(f"{source}:{line}: {what} (column {column})")
    return DataError(f"{source}: {message}")
