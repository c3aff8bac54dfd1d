"""Query results: one type whether a query ran on the embedded store or on a remote endpoint.

A :class:`QueryResult` holds plain terms (:class:`IRI`, :class:`BNode`, :class:`Literal`) that
depend on neither pyoxigraph nor rdflib, so a notebook, the CLI and the tests compare answers
from both engines with ``==``, and rendering needs no RDF library (the CLI stays fast).

Renderings: ``table`` (aligned text for a terminal) and ``markdown`` for reading; ``csv``
(the SPARQL 1.1 CSV results format: IRIs and lexical forms) and ``tsv`` (the same values,
tab-separated as IANA's ``text/tab-separated-values`` asks: a tab, newline, carriage return
or backslash inside a value is written ``\t``, ``\n``, ``\r``, ``\\``) for programs;
``sparql-tsv`` (the SPARQL 1.1 TSV results format, terms in N-Triples syntax) and ``json``
(SPARQL 1.1 Query Results JSON) for SPARQL tools.

The reading renderings shorten IRIs to CURIEs (``state:japan``), show literals without
their language tag (``Japan``, not ``"Japan"@en``), may show a label next to an IRI, and
neutralise anything in the data a terminal would act on: control characters, ANSI escape
sequences and bidirectional overrides are shown as ``\x1b``-style escapes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Union

from .prefixes import KINDS, VOCABULARIES

__all__ = [
    "FORMATS",
    "IRI",
    "XSD_STRING",
    "BNode",
    "Literal",
    "QueryResult",
    "Term",
    "curie",
    "from_oxigraph",
    "from_sparql_json",
    "printable",
    "render",
]

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Output formats of :func:`render`, in the order the CLI lists them.
FORMATS: tuple[str, ...] = ("table", "csv", "tsv", "json", "markdown", "sparql-tsv")

#: Prefixes used only to shorten IRIs in the ``table`` and ``markdown`` renderings, for
#: reading on a terminal: the vocabularies and the instance kinds of the data guide, from
#: :mod:`trilat_kg.prefixes` (importing ``namespaces`` would import rdflib, which the CLI must
#: not pay for on every query).
DISPLAY_PREFIXES: dict[str, str] = {"trilat": VOCABULARIES["trilat"]} | KINDS | {
    k: v for k, v in VOCABULARIES.items() if k not in {"trilat", "vann"}}


class _Term:
    """Base of the terms: immutable, compared by kind and fields, cheap to create.

    Plain slotted classes rather than dataclasses: the CLI imports this module on every
    query, and each dataclass costs about half a millisecond to create at import time.
    """

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _key(self) -> tuple[object, ...]:
        return (type(self).__name__, *(getattr(self, f) for f in self._fields))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Term) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __repr__(self) -> str:
        args = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({args})"


class IRI(_Term):
    """An IRI (a named node)."""

    __slots__ = ("value",)
    _fields = ("value",)
    value: str

    def __init__(self, value: str) -> None:
        object.__setattr__(self, "value", value)

    def __str__(self) -> str:
        return self.value

    def n3(self) -> str:
        """N-Triples form, as used in TSV results."""
        return f"<{self.value}>"


class BNode(_Term):
    """A blank node; its label is only meaningful within one result."""

    __slots__ = ("value",)
    _fields = ("value",)
    value: str

    def __init__(self, value: str) -> None:
        object.__setattr__(self, "value", value)

    def __str__(self) -> str:
        return self.value

    def n3(self) -> str:
        return f"_:{self.value}"


class Literal(_Term):
    """A literal: lexical form, datatype IRI (``xsd:string`` for a plain one) and language."""

    __slots__ = ("datatype", "language", "value")
    _fields = ("value", "datatype", "language")
    value: str
    datatype: str
    language: str | None

    def __init__(self, value: str, datatype: str = XSD_STRING,
                 language: str | None = None) -> None:
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "datatype", RDF_LANG_STRING if language else datatype)
        object.__setattr__(self, "language", language)

    def __str__(self) -> str:
        return self.value

    def n3(self) -> str:
        text = '"' + _escape_ntriples(self.value) + '"'
        if self.language:
            return f"{text}@{self.language}"
        if self.datatype and self.datatype != XSD_STRING:
            return f"{text}^^<{self.datatype}>"
        return text


Term = Union[IRI, BNode, Literal]  # noqa: UP007 - a runtime alias, valid on Python 3.10 too


class QueryResult:
    """The answer of a query: variable names and rows of terms (``None`` where unbound).

    ``boolean`` is set for ASK queries (then ``rows`` is empty). CONSTRUCT and DESCRIBE
    answers come as rows of ``subject``, ``predicate``, ``object``.
    """

    __slots__ = ("boolean", "rows", "variables")

    def __init__(self, variables: list[str], rows: list[tuple[Term | None, ...]] | None = None,
                 boolean: bool | None = None) -> None:
        self.variables = variables
        self.rows = rows if rows is not None else []
        self.boolean = boolean

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, QueryResult) and self.variables == other.variables
                and self.rows == other.rows and self.boolean == other.boolean)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        if self.boolean is not None:
            return f"QueryResult(boolean={self.boolean})"
        return f"QueryResult(variables={self.variables!r}, {len(self.rows)} rows)"

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rows)

    def column(self, name: str) -> list[Term | None]:
        """Return one column by variable name."""
        index = self.variables.index(name)
        return [row[index] for row in self.rows]

    def as_dicts(self) -> list[dict[str, Term | None]]:
        """Return the rows as dictionaries keyed by variable name."""
        return [dict(zip(self.variables, row, strict=True)) for row in self.rows]

    def to_dataframe(self) -> Any:
        """Return a pandas DataFrame of the lexical values (pandas is an optional dependency).

        Cells hold strings (IRIs and lexical forms) and ``None`` where unbound: typed values
        are left to the caller, because a silent conversion would lose ``"036"``'s zeros.
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            from .errors import UsageError

            raise UsageError(
                "to_dataframe() needs pandas: pip install 'trilat-kg[pandas]'"
            ) from exc
        return pd.DataFrame(
            [[None if t is None else str(t) for t in row] for row in self.rows],
            columns=list(self.variables),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the SPARQL 1.1 Query Results JSON object."""
        if self.boolean is not None:
            return {"head": {}, "boolean": self.boolean}
        bindings = []
        for row in self.rows:
            binding: dict[str, Any] = {}
            for var, term in zip(self.variables, row, strict=True):
                if term is not None:
                    binding[var] = _term_json(term)
            bindings.append(binding)
        return {"head": {"vars": list(self.variables)}, "results": {"bindings": bindings}}


# --------------------------------------------------------------------------- conversions


def from_oxigraph(answer: Any) -> QueryResult:
    """Convert a pyoxigraph query answer (solutions, boolean or triples) to a QueryResult."""
    import pyoxigraph as ox

    if isinstance(answer, ox.QueryBoolean):
        return QueryResult([], [], bool(answer))
    if isinstance(answer, ox.QueryTriples):
        rows = [(_from_ox(t.subject), _from_ox(t.predicate), _from_ox(t.object)) for t in answer]
        return QueryResult(["subject", "predicate", "object"], rows)  # type: ignore[arg-type]
    variables = [v.value for v in answer.variables]
    width = len(variables)
    rows = [tuple(_from_ox(sol[i]) for i in range(width)) for sol in answer]
    return QueryResult(variables, rows)


def oxigraph_rows(solutions: Iterable[Any], width: int) -> list[tuple[Term | None, ...]]:
    """Convert pyoxigraph solutions to rows (used when the caller slices the iterator)."""
    return [tuple(_from_ox(sol[i]) for i in range(width)) for sol in solutions]


def _from_ox(term: Any) -> Term | None:
    if term is None:
        return None
    kind = type(term).__name__
    if kind == "NamedNode":
        return IRI(term.value)
    if kind == "BlankNode":
        return BNode(term.value)
    if kind == "Literal":
        lang = term.language
        return Literal(term.value, term.datatype.value if not lang else RDF_LANG_STRING, lang)
    # RDF-star triple terms are rare here; keep their N-Triples form as a plain literal.
    return Literal(str(term))


def from_sparql_json(data: Mapping[str, Any]) -> QueryResult:
    """Convert a parsed SPARQL 1.1 JSON results document; ValueError if it has the wrong shape."""
    if not isinstance(data, Mapping) or not isinstance(data.get("head"), Mapping):
        raise ValueError("no 'head' object")
    if "boolean" in data:
        if not isinstance(data["boolean"], bool):
            raise ValueError("'boolean' is not true or false")
        return QueryResult([], [], data["boolean"])
    variables = data["head"].get("vars")
    results = data.get("results")
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise ValueError("'head.vars' is not a list of names")
    if not isinstance(results, Mapping) or not isinstance(results.get("bindings"), list):
        raise ValueError("no 'results.bindings' list")
    rows = []
    for binding in results["bindings"]:
        if not isinstance(binding, Mapping):
            raise ValueError("a binding is not an object")
        rows.append(tuple(_json_term(binding.get(v)) for v in variables))
    return QueryResult(list(variables), rows)


def _json_term(obj: Any) -> Term | None:
    if obj is None:
        return None
    if not isinstance(obj, Mapping) or not isinstance(obj.get("value"), str):
        raise ValueError("a bound value is not a {type, value} object")
    kind, value = obj.get("type"), obj["value"]
    if kind == "uri":
        return IRI(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        lang = obj.get("xml:lang")
        if lang:
            return Literal(value, RDF_LANG_STRING, lang)
        return Literal(value, obj.get("datatype") or XSD_STRING)
    raise ValueError(f"unknown term type {kind!r}")


def _term_json(term: Term) -> dict[str, str]:
    if isinstance(term, IRI):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype and term.datatype != XSD_STRING:
        out["datatype"] = term.datatype
    return out


# --------------------------------------------------------------------------- rendering


def render(result: QueryResult, fmt: str, *, color: bool = False,
           labels: Mapping[str, str] | None = None, hide: Collection[str] = ()) -> str:
    """Render a result in one of :data:`FORMATS`.

    ``color`` only affects ``table``. ``labels`` (IRI -> label) puts a label next to each
    IRI in ``table`` and ``markdown`` unless the row already shows it or it only repeats the
    IRI's last segment. ``hide`` names columns left out of ``table``, ``markdown``, ``csv``
    and ``tsv`` (the CLI hides the columns that only repeat a query's parameters); ``json``
    and ``sparql-tsv`` keep every column, as the SPARQL formats they are.
    """
    if fmt == "json":
        import json

        return json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "sparql-tsv":
        return _sparql_tsv(result)
    if fmt not in FORMATS:
        raise ValueError(f"unknown result format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if hide and result.boolean is None:
        keep = [i for i, v in enumerate(result.variables) if v not in hide]
        if len(keep) < len(result.variables):
            result = QueryResult([result.variables[i] for i in keep],
                                 [tuple(row[i] for i in keep) for row in result.rows])
    if fmt == "table":
        return _table(result, color, labels)
    if fmt == "csv":
        return _csv(result)
    if fmt == "tsv":
        return _tsv(result)
    return _markdown(result, labels)


#: Characters shown as escapes in the reading renderings: C0 and C1 controls, DEL, and the
#: format characters that reorder or hide text (bidirectional overrides and isolates, zero
#: width joiners are left alone), line and paragraph separators.
_UNSAFE = {c: None for c in range(0x20)} | {c: None for c in range(0x7F, 0xA0)} | {
    c: None for c in (0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F),
                      *range(0x2066, 0x206A), 0xFEFF)}
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\x1b": "\\x1b"}


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: controls, ANSI escapes, bidi overrides escaped.

    A newline is shown as ``\\n``, a tab as ``\\t``, ESC as ``\\x1b`` (so an ANSI sequence
    is printed as text, never obeyed), anything else unsafe as ``\\uXXXX``.
    """
    if not any(ord(c) in _UNSAFE for c in text):
        return text
    return "".join(_NAMED.get(c) or (f"\\u{ord(c):04x}" if ord(c) in _UNSAFE else c)
                   for c in text)


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide East Asian characters count twice."""
    if text.isascii():
        return len(text)
    from unicodedata import combining, east_asian_width

    return sum(0 if combining(c) else 2 if east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def curie(value: str) -> str | None:
    """The CURIE the reading renderings print for an IRI (``state:japan``), or None."""
    best, name = "", ""
    for prefix, ns in DISPLAY_PREFIXES.items():
        if value.startswith(ns) and len(ns) > len(best):
            best, name = ns, prefix
    if best:
        local = value[len(best):]
        if local and all(c.isalnum() or c in "-_." for c in local):
            return f"{name}:{local}"
    return None


def _short(term: Term | None) -> str:
    """Compact text for reading: CURIEs, lexical forms without language tag, made printable."""
    if term is None:
        return ""
    if isinstance(term, IRI):
        return printable(curie(term.value) or f"<{term.value}>")
    if isinstance(term, BNode):
        return printable(f"_:{term.value}")
    return printable(term.value)


def _fold(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _cell(term: Term | None, labels: Mapping[str, str] | None, shown: set[str]) -> str:
    text = _short(term)
    if labels and isinstance(term, IRI):
        label = labels.get(term.value)
        if label and _fold(label) not in shown:
            tail = term.value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            if _fold(label) != _fold(tail):
                text += " (" + printable(label) + ")"
    return text


def _rows_text(result: QueryResult, labels: Mapping[str, str] | None = None,
               ) -> tuple[list[str], list[list[str]]]:
    if result.boolean is not None:
        return ["boolean"], [["true" if result.boolean else "false"]]
    body = []
    for row in result.rows:
        shown = {_fold(t.value) for t in row if isinstance(t, Literal)} if labels else set()
        body.append([_cell(t, labels, shown) for t in row])
    return [printable(v) for v in result.variables], body


def _table(result: QueryResult, color: bool, labels: Mapping[str, str] | None = None) -> str:
    header, body = _rows_text(result, labels)
    if not header:
        return "(no variables)\n"
    widths = [_width(h) for h in header]
    for row in body:
        widths = [max(w, _width(c)) for w, c in zip(widths, row, strict=True)]
    head = "  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip()
    if color:
        head = f"\x1b[1m{head}\x1b[0m"
    lines = [head, "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in body]
    count = len(body) if result.boolean is None else 1
    lines.append(f"({count} row{'s' if count != 1 else ''})")
    return "\n".join(lines) + "\n"


def _markdown(result: QueryResult, labels: Mapping[str, str] | None = None) -> str:
    header, body = _rows_text(result, labels)

    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|") or " "

    lines = ["| " + " | ".join(cell(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in body]
    return "\n".join(lines) + "\n"


def _csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV: header of names, IRIs and lexical forms only, CRLF line ends."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if result.boolean is not None:
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
        return buf.getvalue()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([_value(t) for t in row])
    return buf.getvalue()


def _value(term: Term | None) -> str:
    if term is None:
        return ""
    return f"_:{term.value}" if isinstance(term, BNode) else term.value


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _tsv(result: QueryResult) -> str:
    """Values as in CSV, tab-separated; tab, newline, CR and backslash escaped (IANA TSV)."""
    if result.boolean is not None:
        return "boolean\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join(v.translate(_TSV_ESCAPES) for v in result.variables)]
    lines += ["\t".join(_value(t).translate(_TSV_ESCAPES) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def _sparql_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV: ``?var`` header and terms in N-Triples syntax."""
    if result.boolean is not None:
        return "?boolean\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join("?" + v for v in result.variables)]
    lines += ["\t".join("" if t is None else t.n3() for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def _escape_ntriples(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))


def from_rows(variables: Sequence[str], rows: Iterable[Sequence[Term | None]]) -> QueryResult:
    """Build a result from Python rows (used by :mod:`trilat_kg.stats`)."""
    return QueryResult(list(variables), [tuple(r) for r in rows])
