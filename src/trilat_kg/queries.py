"""The catalogue of canned queries (``queries/*.rq``), their parameters, and running them.

Each ``.rq`` file is a complete query any SPARQL tool can run, with a grlc header of
``#+ `` lines (``summary``, ``tags``, ``defaults``, ``enumerate``) and BASIL parameter
variables:

==========================  ==========================================================
variable                    parameter
==========================  ==========================================================
``?_actor_iri``             ``actor``, required, an IRI
``?_label``                 ``label``, required, a plain literal (``xsd:string``)
``?_label_en``              ``label``, required, a literal tagged ``@en`` (also ja/ko/zh)
``?__year_xsd_integer``     ``year``, optional (two underscores), an ``xsd:integer``
``?_on_xsd_date``           ``on``, required, an ``xsd:date``
==========================  ==========================================================

An optional parameter left out stays an unbound variable (it matches anything). A
``#+ defaults:`` entry makes a required parameter optional at the command line.

Values are *bound*, never pasted into the text. On the embedded store they are pyoxigraph
``substitutions`` (SEP-0007): the engine replaces the variable by the term after parsing,
so no value can change the query's structure. A remote endpoint only accepts text, so
:func:`bind_values` (the one audited function that writes values into a query) injects a
typed ``VALUES`` block, built from terms serialised by :func:`sparql_term`: IRIs are
validated against the IRIREF grammar and literals are escaped with SPARQL ECHARs, which
unlike rdflib's ``Literal.n3()`` escapes TAB and every other character that could end or
bend a string. Every value is validated (:func:`bind`) before any query runs.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DataError, UsageError
from .results import IRI, XSD_STRING, Literal, QueryResult, Term
from .sparql import tokenize

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

    from .resolve import Resolver

__all__ = [
    "CannedQuery",
    "Param",
    "bind",
    "bind_values",
    "catalogue",
    "get_query",
    "parse_query_file",
    "run_query",
    "run_remote",
    "sparql_term",
]

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: Language suffixes recognised on parameter names (``?_label_en``). A closed list, because
#: any two letters would turn a name like ``?_state_id`` into an Indonesian literal.
LANG_SUFFIXES = ("en", "ja", "ko", "zh")
#: Default total deadline of a remote call, in seconds (see :mod:`trilat_kg.remote`).
REMOTE_TIMEOUT = 60.0
#: Largest remote answer read, in bytes (a result cap, see bad-inputs row 21).
REMOTE_MAX_BYTES = 64 * 1024 * 1024

_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\\x7f]*\Z")
_VALIDATORS: dict[str, re.Pattern[str]] = {
    "integer": re.compile(r"[+-]?\d+\Z"),
    "nonNegativeInteger": re.compile(r"\+?\d+\Z"),
    "positiveInteger": re.compile(r"\+?0*[1-9]\d*\Z"),
    "decimal": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)\Z"),
    "boolean": re.compile(r"(true|false|1|0)\Z"),
    "gYear": re.compile(r"-?\d{4,}(Z|[+-]\d{2}:\d{2})?\Z"),
    "gYearMonth": re.compile(r"-?\d{4,}-(0[1-9]|1[0-2])(Z|[+-]\d{2}:\d{2})?\Z"),
    "string": re.compile(r".*\Z", re.DOTALL),
}
# XSD lexical forms are ASCII: without re.ASCII, \d would take Arabic-Indic or full-width
# digits (٢٠٢٤-٠١-٠١), which the engine then cannot compare, and a filter would drop out.
_VALIDATORS = {name: re.compile(rx.pattern, (rx.flags & ~re.UNICODE) | re.ASCII)
               for name, rx in _VALIDATORS.items()}
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?\Z", re.ASCII)


class _Record:
    """Immutable record compared by fields: a dataclass without its import-time cost."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, f) for f in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(tuple(v if not isinstance(v, dict) else tuple(v.items())
                          for v in self._values()))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __repr__(self) -> str:
        args = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields if f != "text")
        return f"{type(self).__name__}({args})"

    def _set(self, **values: object) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)


class Param(_Record):
    """One BASIL parameter: its public name, the query variable, and the kind of value.

    ``kind`` is ``"iri"``, ``"literal"``, ``"lang"`` or ``"typed"``.
    """

    __slots__ = ("datatype", "kind", "language", "name", "required", "variable")
    _fields = ("name", "variable", "kind", "required", "datatype", "language")
    name: str
    variable: str
    kind: str
    required: bool
    datatype: str
    language: str | None

    def __init__(self, name: str, variable: str, kind: str, required: bool,
                 datatype: str = XSD_STRING, language: str | None = None) -> None:
        self._set(name=name, variable=variable, kind=kind, required=required,
                  datatype=datatype, language=language)

    @property
    def type_label(self) -> str:
        """Short description for help texts: IRI, string, xsd:date, string@en."""
        if self.kind == "iri":
            return "IRI"
        if self.kind == "lang":
            return f"string@{self.language}"
        if self.kind == "typed":
            return "xsd:" + self.datatype[len(XSD):]
        return "string"


class CannedQuery(_Record):
    """A canned query: its slug (file name), grlc metadata, parameters, text and path."""

    __slots__ = ("defaults", "enumerate", "extra", "params", "path", "slug", "summary",
                 "tags", "text")
    _fields = ("slug", "summary", "tags", "params", "defaults", "enumerate", "text", "path",
               "extra")
    slug: str
    summary: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    defaults: Mapping[str, str]
    enumerate: tuple[str, ...]
    text: str
    path: Path
    extra: Mapping[str, Any]

    def __init__(self, slug: str, summary: str, tags: tuple[str, ...],
                 params: tuple[Param, ...], defaults: Mapping[str, str],
                 enumerate: tuple[str, ...], text: str, path: Path,
                 extra: Mapping[str, Any] | None = None) -> None:
        self._set(slug=slug, summary=summary, tags=tags, params=params, defaults=defaults,
                  enumerate=enumerate, text=text, path=path, extra=extra or {})

    @property
    def iri(self) -> str:
        return f"https://w3id.org/trilat-kg/queries/{self.slug}"

    @property
    def network(self) -> bool:
        """True when the query needs the network: ``#+ network: true`` or the tag ``network``.

        Such queries federate with ``SERVICE``; tests that must stay offline skip them.
        """
        flag = str(self.extra.get("network", "")).strip().lower()
        return flag in ("true", "yes") or "network" in self.tags

    @property
    def services(self) -> tuple[str, ...]:
        """The IRIs the query names after ``SERVICE`` (where it would send requests)."""
        tokens = list(tokenize(self.text))
        return tuple(tokens[i + 1].text.strip("<>") for i, t in enumerate(tokens[:-1])
                     if t.keyword == "SERVICE")

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


# --------------------------------------------------------------------------- catalogue


def queries_dir(root: Path | None = None) -> Path:
    from .resources import data_root

    return (root or data_root()) / "queries"


def catalogue(root: Path | None = None) -> list[CannedQuery]:
    """Return every canned query, sorted by slug."""
    folder = queries_dir(root)
    return [parse_query_file(p) for p in sorted(folder.glob("*.rq"))]


def get_query(slug: str, root: Path | None = None) -> CannedQuery:
    """Return the canned query ``slug``; UsageError listing the valid names otherwise."""
    folder = queries_dir(root)
    path = folder / f"{slug}.rq"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug) or not path.is_file():
        names = ", ".join(p.stem for p in sorted(folder.glob("*.rq")))
        raise UsageError(f"unknown query {slug!r}; valid names: {names}")
    return parse_query_file(path)


def parse_query_file(path: Path) -> CannedQuery:
    """Read one ``.rq`` file: its grlc header, its BASIL parameters and its text."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 at byte {exc.start}") from exc
    except OSError as exc:
        from .errors import LocalIOError

        raise LocalIOError(f"{path}: {exc.strerror or exc}") from exc
    meta = parse_header(text, str(path))
    params = tuple(_params_of(text, str(path)))
    _check_projected(text, params, str(path))
    names = {p.name for p in params}
    defaults = meta.get("defaults", {})
    if isinstance(defaults, list):  # "- actor: value" items come as one-key maps
        merged: dict[str, str] = {}
        for item in defaults:
            if not isinstance(item, dict):
                raise DataError(f"{path}: '#+ defaults:' items must be 'name: value'")
            merged.update(item)
        defaults = merged
    if not isinstance(defaults, dict):
        raise DataError(f"{path}: '#+ defaults:' must be a list of 'name: value'")
    unknown = sorted(set(defaults) - names)
    if unknown:
        raise DataError(f"{path}: '#+ defaults:' names unknown parameter(s) {', '.join(unknown)}")
    enum = meta.get("enumerate", [])
    enum = tuple(enum if isinstance(enum, list) else [enum])
    tags = meta.get("tags", [])
    tags = tuple(tags if isinstance(tags, list) else [tags])
    summary = meta.get("summary", "")
    if not isinstance(summary, str) or not summary:
        raise DataError(f"{path}: no '#+ summary:' line")
    extra = {k: v for k, v in meta.items()
             if k not in ("summary", "tags", "defaults", "enumerate")}
    return CannedQuery(path.stem, summary, tuple(map(str, tags)), params,
                       {str(k): str(v) for k, v in defaults.items()},
                       tuple(map(str, enum)), text, path, extra)


def parse_header(text: str, source: str = "query") -> dict[str, Any]:
    """Parse the grlc ``#+ `` header: the small YAML subset grlc queries use.

    Supported: ``key: value``; ``key:`` followed by ``- item`` lines; items that are
    ``name: value`` pairs (one-key maps, as in ``defaults``); ``[a, b]`` inline lists.
    Kept by hand so that PyYAML is not a dependency.
    """
    meta: dict[str, Any] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.startswith("#+"):
            continue
        line = raw[2:].rstrip()
        if not line.strip():
            continue
        stripped = line.strip()
        if stripped.startswith("- "):
            if current is None or not isinstance(meta.get(current), list):
                raise DataError(f"{source}:{number}: list item outside a list key")
            item = stripped[2:].strip()
            key, sep, value = item.partition(":")
            if sep and re.fullmatch(r"[A-Za-z_][\w-]*", key.strip()) and value[:1] in (" ", ""):
                meta[current].append({key.strip(): _scalar(value)})
            else:
                meta[current].append(_scalar(item))
            continue
        key, sep, value = stripped.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z_][\w-]*", key):
            raise DataError(f"{source}:{number}: cannot read header line {stripped!r}")
        value = value.strip()
        if not value:
            meta[key] = []
            current = key
        elif value.startswith("[") and value.endswith("]"):
            meta[key] = [_scalar(v) for v in value[1:-1].split(",") if v.strip()]
            current = None
        else:
            meta[key] = _scalar(value)
            current = None
    return meta


def _scalar(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _params_of(text: str, source: str) -> list[Param]:
    """Find the BASIL parameters among the query's variables (strings and IRIs ignored)."""
    seen: dict[str, Param] = {}
    for token in tokenize(text):
        if token.kind != "var" or not token.text[1:].startswith("_"):
            continue
        variable = token.text[1:]
        if variable in {p.variable for p in seen.values()}:
            continue
        param = _param_for(variable, source)
        if param.name in seen:
            raise DataError(f"{source}: parameter {param.name!r} is declared twice")
        seen[param.name] = param
    return list(seen.values())


def _check_projected(text: str, params: Sequence[Param], source: str) -> None:
    """Require every parameter variable in the SELECT clause.

    pyoxigraph applies ``substitutions`` only to projected variables (SEP-0007 replaces the
    variable in the answer too), so a canned query shows the values it was asked about.
    """
    head: list[str] = []
    form = ""
    for token in tokenize(text):
        if token.keyword in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            form = token.keyword
        if token.text == "{" or token.keyword == "WHERE":
            break
        if form:
            head.append(token.text)
    if form != "SELECT" or "*" in head:
        return
    missing = [p.variable for p in params if "?" + p.variable not in head
               and "$" + p.variable not in head]
    if missing:
        raise DataError(
            f"{source}: parameter variable(s) {', '.join('?' + v for v in missing)} must be "
            "in the SELECT clause (bound values are projected)"
        )


def _param_for(variable: str, source: str) -> Param:
    required = not variable.startswith("__")
    body = variable.lstrip("_")
    if "_xsd_" in body:
        name, _, xsd_type = body.rpartition("_xsd_")
        return Param(name, variable, "typed", required, XSD + xsd_type)
    if body.endswith("_iri"):
        return Param(body[: -len("_iri")], variable, "iri", required)
    for lang in LANG_SUFFIXES:
        if body.endswith("_" + lang):
            return Param(body[: -len(lang) - 1], variable, "lang", required,
                         RDF_LANG_STRING, lang)
    if not body:
        raise DataError(f"{source}: parameter variable ?{variable} has no name")
    return Param(body, variable, "literal", required)


# --------------------------------------------------------------------------- parameters


def bind(query: CannedQuery, values: Mapping[str, str], *,
         resolver: Resolver | None = None) -> dict[str, Term]:
    """Validate user values (defaults filled in) and return ``{variable: term}``.

    UsageError names the parameter for an unknown name, a missing required value, an
    invalid IRI or an ill-typed date or number. Nothing runs before this succeeds.

    An IRI parameter takes a full IRI or a CURIE (``state:japan``); with a ``resolver``
    (:class:`trilat_kg.resolve.Resolver`) also a label, slug or code (``Japan``, ``japan``,
    ``JPN``), and an IRI the resolver's graph does not hold is refused with the closest
    matches. The other parameters are checked first, so a bad date is reported before any
    data is loaded to resolve a label.
    """
    known = {p.name: p for p in query.params}
    for name in values:
        if name not in known:
            choices = ", ".join(sorted(known)) or "none"
            raise UsageError(
                f"query {query.slug!r} has no parameter {name!r} (parameters: {choices})"
            )
    given: dict[str, str] = {}
    for param in query.params:
        value = values.get(param.name, query.defaults.get(param.name))
        if value is None:
            if param.required:
                raise UsageError(
                    f"query {query.slug!r} needs parameter {param.name!r} "
                    f"({param.type_label}): --param {param.name}=VALUE"
                )
            continue
        given[param.variable] = value
    terms = {p.variable: make_term(p, given[p.variable], query.slug)
             for p in query.params if p.variable in given and p.kind != "iri"}
    terms |= {p.variable: make_term(p, given[p.variable], query.slug, resolver=resolver)
              for p in query.params if p.variable in given and p.kind == "iri"}
    return {p.variable: terms[p.variable] for p in query.params if p.variable in terms}


def make_term(param: Param, value: str, slug: str = "query", *,
              resolver: Resolver | None = None) -> Term:
    """Turn a user's text into the term a parameter expects, or raise UsageError.

    An IRI parameter takes a full IRI or a CURIE of the dataset's prefixes; a ``resolver``
    also resolves labels, slugs and codes and checks that its graph holds the IRI.
    """
    where = f"parameter {param.name!r} of {slug!r}"
    if not isinstance(value, str):
        raise UsageError(f"{where}: value must be text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # argv bytes that were not UTF-8 (surrogateescape)
        raise UsageError(f"{where}: not valid UTF-8 at character {exc.start + 1}") from None
    if param.kind == "iri":
        if resolver is not None:
            return IRI(resolver.resolve(value, where))
        from .resolve import expand_curie

        iri = expand_curie(value)
        if iri is None and not _IRI_RE.match(value):
            raise UsageError(f"{where}: invalid IRI {value!r} (give an IRI or a CURIE such "
                             "as state:japan)")
        return IRI(iri or value)
    if param.kind == "lang":
        return Literal(value, RDF_LANG_STRING, param.language)
    if param.kind == "typed":
        local = param.datatype[len(XSD):]
        if local == "date":
            _check_date(value, where)
        elif local in _VALIDATORS and not _VALIDATORS[local].match(value):
            raise UsageError(f"{where}: invalid xsd:{local} {value!r}")
        return Literal(value, param.datatype)
    return Literal(value, XSD_STRING)


def _check_date(value: str, where: str) -> None:
    match = _DATE_RE.match(value)
    if not match:
        raise UsageError(f"{where}: invalid date {value!r} (expected YYYY-MM-DD)")
    try:
        _dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise UsageError(f"{where}: invalid date {value!r} ({exc})") from exc


# --------------------------------------------------------------------------- running


def run_query(
    name: str | CannedQuery,
    params: Mapping[str, str] | None = None,
    *,
    extra: Sequence[Path | str] = (),
    endpoint: str | None = None,
    store: pyoxigraph.Store | None = None,
    timeout: float = REMOTE_TIMEOUT,
    limit: int | None = None,
    allow_service: bool = False,
    resolver: Resolver | None = None,
) -> QueryResult:
    """Run a canned query by name on the embedded dataset, or on ``endpoint`` when given.

    IRI parameters take an IRI, a CURIE (``state:japan``), or an unambiguous label, slug or
    code (``Japan``, ``japan``, ``JPN``), resolved by :mod:`trilat_kg.resolve` against the
    data queried (``resolver`` lends one, so the caller can reuse the store it loads).
    On the embedded dataset an IRI the data does not hold is refused (UsageError, naming the
    closest matches); on an endpoint IRIs and CURIEs go as they are, and labels are looked
    up in the shipped dataset.

    Parameters are validated first; then the dataset (merged with ``extra``) is loaded,
    unless a ``store`` is passed in (a notebook can load once and query many times).
    A query that federates with ``SERVICE`` is refused (UsageError) unless
    ``allow_service``: running it sends requests to the services it names. ``timeout``
    (seconds) is the total deadline of a remote call, and locally the query's deadline
    (:class:`~trilat_kg.deadline.DeadlineExceeded`, exit 1; a federated call past it is a
    RemoteError), since pyoxigraph has no timeout of its own.
    """
    query = name if isinstance(name, CannedQuery) else get_query(name)
    if resolver is None:
        from .resolve import Resolver

        resolver = (Resolver(store, extra=extra) if endpoint is None
                    else Resolver(check=False))
    bound = bind(query, params or {}, resolver=resolver)
    services = query.services
    if services and not allow_service:
        raise UsageError(
            f"query {query.slug!r} uses SERVICE <{services[0]}> (a federated query: it sends "
            "requests over the network); pass --allow-service to run it"
        )
    if endpoint is not None:
        if extra:
            raise UsageError("--data cannot be combined with --endpoint (the data is remote)")
        return run_remote(endpoint, query.text, bound, timeout=timeout, limit=limit,
                          allow_service=allow_service)
    import pyoxigraph as ox

    from .sparql import execute

    if store is None:
        store = resolver.store if resolver.check else resolver.loaded_store
    if store is None:
        from .store import load_store

        store = load_store(extra)
    substitutions = {ox.Variable(var): _to_oxigraph(term) for var, term in bound.items()}
    if services:
        return _federated(
            lambda: execute(store, query.text, substitutions=substitutions,
                            source=str(query.path), limit=limit, timeout=timeout),
            timeout, f"SERVICE <{services[0]}>")
    return execute(store, query.text, substitutions=substitutions, source=str(query.path),
                   limit=limit, timeout=timeout)


def _federated(call: Any, timeout: float, what: str) -> QueryResult:
    """Run a federated ``call`` (which keeps ``timeout``); its failures are remote failures.

    pyoxigraph makes SERVICE requests from Rust with no timeout, so the only bound is the
    query's deadline (:mod:`trilat_kg.deadline`): past it, the wait stops.
    """
    from .deadline import DeadlineExceeded
    from .errors import RemoteError

    try:
        return call()  # type: ignore[no-any-return]
    except DeadlineExceeded as exc:
        raise RemoteError(f"{what}: timed out after {timeout:g} s") from exc
    except DataError as exc:  # an evaluation error of a SERVICE call
        raise RemoteError(f"{what}: {exc}") from exc


def _to_oxigraph(term: Term) -> Any:
    import pyoxigraph as ox

    if isinstance(term, IRI):
        return ox.NamedNode(term.value)
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(term.value, language=term.language)
        return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype))
    raise UsageError("blank nodes cannot be parameter values")


# --------------------------------------------------------------------------- remote


def sparql_term(term: Term) -> str:
    """Serialise a term for a SPARQL query text: the audited escaper.

    IRIs must match the IRIREF grammar (no space, ``<>"{}|^`\\`` or control character);
    literals have every SPARQL ECHAR escaped (``\\t \\b \\n \\r \\f \\" \\' \\\\``) and any
    other control character written as ``\\uXXXX``, so no value can close the string.
    """
    if isinstance(term, IRI):
        if not _IRI_RE.match(term.value):
            raise UsageError(f"invalid IRI {term.value!r}")
        return f"<{term.value}>"
    if isinstance(term, Literal):
        body = '"' + escape_string(term.value) + '"'
        if term.language:
            if not re.fullmatch(r"[A-Za-z]+(-[A-Za-z0-9]+)*", term.language):
                raise UsageError(f"invalid language tag {term.language!r}")
            return f"{body}@{term.language}"
        if term.datatype and term.datatype != XSD_STRING:
            return f"{body}^^{sparql_term(IRI(term.datatype))}"
        return body
    raise UsageError("blank nodes cannot be parameter values")


_ECHAR = {"\t": "\\t", "\b": "\\b", "\n": "\\n", "\r": "\\r", "\f": "\\f",
          '"': '\\"', "'": "\\'", "\\": "\\\\"}


def escape_string(value: str) -> str:
    """Escape a string for the inside of a double-quoted SPARQL literal."""
    out = []
    for char in value:
        if char in _ECHAR:
            out.append(_ECHAR[char])
        elif ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 or char in "\u2028\u2029":
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return "".join(out)


def bind_values(text: str, bound: Mapping[str, Term]) -> str:
    """Return ``text`` with a ``VALUES`` block binding ``bound`` at the top of its WHERE group.

    The block goes *inside* the outermost group (not after the query) so that FILTERs in
    the group see the values, as they do with substitution. Only text produced by
    :func:`sparql_term` is inserted; the insertion point is found on tokens, so a ``{``
    inside a string, IRI or comment is never taken for the group.
    """
    if not bound:
        return text
    variables = " ".join("?" + v for v in bound)
    terms = " ".join(sparql_term(t) for t in bound.values())
    block = f"VALUES ({variables}) {{ ({terms}) }}\n"
    tokens = list(tokenize(text))
    position = None
    depth = 0
    seen_form = False
    for index, token in enumerate(tokens):
        if token.keyword in ("SELECT", "ASK", "DESCRIBE", "CONSTRUCT"):
            seen_form = True
        if token.text == "{":
            if depth == 0 and seen_form:
                previous = tokens[index - 1].keyword if index else ""
                form = next((t.keyword for t in tokens if t.keyword in
                             ("SELECT", "ASK", "DESCRIBE", "CONSTRUCT")), "")
                if form != "CONSTRUCT" or previous == "WHERE":
                    position = token.start + 1
                    break
            depth += 1
        elif token.text == "}":
            depth -= 1
    if position is None:
        raise UsageError("cannot find the WHERE group of the query to bind parameters in")
    return text[:position] + "\n" + block + text[position:]


def run_remote(
    endpoint: str,
    text: str,
    bound: Mapping[str, Term] | None = None,
    *,
    timeout: float = REMOTE_TIMEOUT,
    limit: int | None = None,
    allow_service: bool = False,
) -> QueryResult:
    """Run a query on a remote SPARQL endpoint within a total deadline of ``timeout``.

    The transport and its guarantees (total deadline, bounded retries, same-origin
    redirects only, SPARQL JSON or an error) live in :mod:`trilat_kg.remote`; any failure
    is a RemoteError.
    """
    from .remote import run_remote as _run_remote

    return _run_remote(endpoint, text, bound, timeout=timeout, limit=limit,
                       allow_service=allow_service)
