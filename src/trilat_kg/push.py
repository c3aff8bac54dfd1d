"""Load the dataset into a remote triple store with the SPARQL 1.1 Graph Store Protocol.

One ``PUT`` per named graph (GSP *indirect* identification, ``<store>?graph=<IRI>``): a PUT
*replaces* the graph, so pushing twice leaves the same store, and a failed PUT can be
retried whole without duplicating anything (a POST would merge, and a retry would add the
blank-node triples twice). After every graph is in, the triple count of each is checked
by a ``COUNT`` query on the query endpoint, so a store that accepted less than it was
sent (a size limit, a proxy that cut the body) is caught.

Then the store's *default* graph is probed: one ``ASK`` without ``GRAPH`` for a triple of
each pushed graph (IRIs only, so no literal normalization of the store can hide it). Every
canned query runs against the default graph, so a store whose default graph is not the
union of its named graphs (Oxigraph without ``--union-default-graph``, a Fuseki TDB2
dataset without ``tdb2:unionDefaultGraph``) would answer them all empty: push says so in
one warning line and what to set. With ``default_graph=True`` (``--default-graph``) it
also PUTs the RDF merge of the pushed graphs (a set; blank nodes kept apart per graph)
into the store's default graph (``<store>?default``) and checks the probe again.

Each graph goes as N-Triples with ``Content-Type: text/turtle``: N-Triples is a subset of
Turtle, and every GSP server (Oxigraph, Fuseki, GraphDB, Virtuoso) accepts Turtle, while
some older ones do not know ``application/n-triples``.

The Graph Store URL is derived from the query endpoint for the common servers, or given
with ``store=`` (``--store``):

=====================================  ==============================================
query endpoint                         Graph Store
=====================================  ==============================================
``http://host:7878/query``             ``http://host:7878/store`` (Oxigraph)
``http://host:3030/ds/sparql``         ``http://host:3030/ds/data`` (Fuseki; also /query)
``http://host:7200/repositories/x``    ``http://host:7200/repositories/x/rdf-graphs/service``
``http://host:8890/sparql``            ``http://host:8890/sparql-graph-crud-auth`` (Virtuoso)
=====================================  ==============================================

Credentials come from the environment (``TRILAT_KG_USER`` and ``TRILAT_KG_PASSWORD``) or
a netrc file (``$NETRC`` or ``~/.netrc``, the entry for the store's host), never from the
command line (where ``ps`` and the shell history would show them); they are sent only to
the store's origin (scheme, host and port; cross-origin redirects are refused) and
scrubbed from any message. The verification queries carry them only when the query
endpoint has that same origin: a query endpoint elsewhere, even on another port of the same
host (which a netrc entry, keyed by host alone, cannot tell apart), gets no credentials.

Concurrent pushes to one store by one user take turns: an advisory lock (``fcntl.flock``,
where the platform has it) on a file per store URL in a folder only that user can write,
``$XDG_RUNTIME_DIR/trilat-kg`` or else ``$XDG_CACHE_HOME/trilat-kg`` (``~/.cache``). The
folder must be the user's own, not a symbolic link and not writable by others, and the
lock file is opened without following a link (``O_NOFOLLOW``); a planted link, folder or
other non-file there is refused (:class:`~trilat_kg.errors.LocalIOError`, exit 4), never
written through.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import LocalIOError, RemoteError, UsageError
from .remote import (
    REMOTE_TIMEOUT,
    Credentials,
    HTTPStatusError,
    check_url,
    http_request,
    same_origin,
    sparql_select,
)
from .resources import GRAPH_BASE

__all__ = ["credentials_for", "graph_store_url", "push"]

#: Retries of one PUT after the first attempt (it is idempotent, so retrying is safe).
PUT_RETRIES = 3
#: The warning when queries without GRAPH would not see the pushed graphs.
DEFAULT_GRAPH_WARNING = (
    "trilat-kg: warning: {endpoint}: the store's default graph does not include the named "
    "graphs, so queries without GRAPH (every canned query) will answer empty; make the "
    "default graph their union (Oxigraph: serve --union-default-graph; Jena/Fuseki: "
    "tdb2:unionDefaultGraph true, or --set tdb:unionDefaultGraph=true) or push again with "
    "--default-graph to PUT their merge into the default graph")
_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\\x7f]*\Z")


def graph_store_url(endpoint: str) -> str:
    """Derive the Graph Store Protocol URL from a query endpoint (see the module table)."""
    parts = check_url(endpoint)
    path = parts.path.rstrip("/")
    segments = [s for s in path.split("/") if s]
    new: str | None = None
    if segments == ["query"]:
        new = "/store"
    elif len(segments) >= 2 and segments[-1] in ("sparql", "query") \
            and segments[-2] != "repositories":
        new = "/" + "/".join([*segments[:-1], "data"])
    elif len(segments) >= 2 and segments[-2] == "repositories":
        new = path + "/rdf-graphs/service"
    elif segments == ["sparql"]:
        new = "/sparql-graph-crud-auth"
    if new is None:
        raise UsageError(f"cannot derive the Graph Store URL from {endpoint}: "
                         "pass it with --store URL")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, new, "", ""))


def credentials_for(url: str) -> Credentials | None:
    """User and password for ``url``: environment variables first, then the netrc file."""
    user = os.environ.get("TRILAT_KG_USER")
    password = os.environ.get("TRILAT_KG_PASSWORD")
    if user and password is not None:
        return Credentials(user, password)
    if user or password:
        raise UsageError("set both TRILAT_KG_USER and TRILAT_KG_PASSWORD, or neither")
    return _netrc_credentials(url)


def _netrc_credentials(url: str) -> Credentials | None:
    """The netrc entry (``$NETRC`` or ``~/.netrc``) for the host of ``url``, if any."""
    import netrc

    path = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    if not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(urllib.parse.urlsplit(url).hostname or "")
    except netrc.NetrcParseError as exc:
        # The parser's message may quote a token (a password): name the file and line only.
        raise UsageError(f"cannot read the netrc file {path} (line {exc.lineno})") from None
    except OSError as exc:
        raise UsageError(f"cannot read the netrc file {path}: {exc.strerror}") from None
    if entry is None or not entry[0]:
        return None
    return Credentials(entry[0], entry[2] or "")


def _graph_url(store: str, graph: str) -> str:
    separator = "&" if "?" in store else "?"
    return store + separator + urllib.parse.urlencode({"graph": graph})


@contextlib.contextmanager
def _store_lock(store: str, timeout: float) -> Iterator[None]:
    """Hold an advisory lock for ``store`` so that two pushes from here take turns."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock, PUT stays idempotent
        yield
        return
    with os.fdopen(_open_lock(lock_path(store)), "r+b") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RemoteError(f"{store}: another push to this store is still running "
                                      f"(waited {timeout:g} s)") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def lock_folder() -> Path:
    """The user's own folder for lock files, created ``0700``; LocalIOError when unsafe."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    cache = os.environ.get("XDG_CACHE_HOME")
    if runtime and os.path.isabs(runtime):
        base = Path(runtime)
    elif cache and os.path.isabs(cache):
        base = Path(cache)
    else:
        base = Path.home() / ".cache"
    folder = base / "trilat-kg"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError as exc:
        raise LocalIOError(f"{folder}: cannot make the lock folder: "
                           f"{exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise LocalIOError(f"{folder}: the lock folder is not a folder (a symbolic link or "
                           "a file is there); refused")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise LocalIOError(f"{folder}: the lock folder belongs to another user; refused")
    if info.st_mode & 0o022:
        raise LocalIOError(f"{folder}: the lock folder is writable by others; refused "
                           "(chmod 700 it)")
    return folder


def lock_path(store: str) -> Path:
    """Where the lock of pushes to ``store`` lives (see the module docstring)."""
    digest = hashlib.sha256(store.encode("utf-8")).hexdigest()[:16]
    return lock_folder() / f"push-{digest}.lock"


def _open_lock(path: Path) -> int:
    """Open (create) the lock file without following a link; refuse anything but a file."""
    flags = (os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
             | getattr(os, "O_NONBLOCK", 0))
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        if os.path.islink(path):
            why = "is a symbolic link"
        elif os.path.isdir(path):
            why = "is a folder"
        else:
            why = exc.strerror or str(exc)
        raise LocalIOError(f"{path}: lock file {why}; refused") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LocalIOError(f"{path}: lock file is not a regular file; refused")
    return fd


def _graphs(extra: Sequence[Path | str], prefix: str | None) -> list[tuple[str, bytes, int]]:
    """(target graph IRI, N-Triples bytes, triple count) of each non-empty local graph.

    The bytes are the data as written (the loader's quads, not the query store's values), so
    ``"5"^^xsd:positiveInteger`` reaches the store as ``xsd:positiveInteger``; each graph is
    serialised like the N-Triples export (canonical blank nodes, sorted lines).
    """
    from .export import serialize
    from .loader import load_quads

    by_graph: dict[str, list[Any]] = {}
    for quad in load_quads(extra):
        by_graph.setdefault(quad.graph_name.value, []).append(quad)
    out = []
    for name in sorted(by_graph):
        body = serialize(by_graph[name], "nt")
        count = body.count(b"\n")
        target = name
        if prefix is not None and target.startswith(GRAPH_BASE):
            target = prefix + target[len(GRAPH_BASE):]
        out.append((target, body, count))
    return out


def push(
    endpoint: str,
    *,
    graph_prefix: str | None = None,
    store: str | None = None,
    extra: Sequence[Path | str] = (),
    timeout: float = REMOTE_TIMEOUT,
    retries: int = PUT_RETRIES,
    default_graph: bool = False,
    warn: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """PUT each named graph of the dataset (and ``extra`` files) to the store; verify counts.

    ``endpoint`` is the store's SPARQL query endpoint (used to verify); ``store`` its Graph
    Store URL (derived from ``endpoint`` when not given); ``graph_prefix`` replaces
    ``https://w3id.org/trilat-kg/graphs/`` in the graph names. ``timeout`` is the total
    deadline of each request. ``default_graph`` also PUTs the merge of the pushed graphs
    into the store's default graph. When the store's default graph does not see the pushed
    data, ``warn`` gets one line saying so (default: printed on stderr). Returns
    ``{graph IRI: triples verified}``.
    """
    check_url(endpoint)
    store = store or graph_store_url(endpoint)
    check_url(store, "Graph Store")
    if graph_prefix is not None and not _IRI_RE.match(graph_prefix):
        raise UsageError(f"invalid --graph-prefix IRI {graph_prefix!r}")
    graphs = _graphs(extra, graph_prefix)
    credentials = credentials_for(store)
    # Credentials go to the store's origin only: a query endpoint elsewhere gets none (a
    # netrc entry names a host, not a port, so it cannot say which origin it was meant for).
    query_credentials = credentials if same_origin(endpoint, store) else None
    done: dict[str, int] = {}
    with _store_lock(store, timeout * (retries + 1) * (max(1, len(graphs)) + 2)):
        if graphs:
            _negotiate(_graph_url(store, graphs[0][0]), store, timeout, credentials)
        for index, (graph, body, _sent) in enumerate(graphs):
            _put(_graph_url(store, graph), body, store, timeout, retries, credentials,
                 graph, index, len(graphs))
        for graph, _body, count in graphs:
            found = _remote_count(endpoint, graph, timeout, query_credentials)
            if found != count:
                raise RemoteError(f"{endpoint}: graph <{graph}> holds {found} triples after "
                                  f"the push, {count} were sent")
            done[graph] = found
        probes = _probes(graphs)
        if default_graph:
            separator = "&" if "?" in store else "?"
            _put(store + separator + "default", _merge(graphs), store, timeout, retries,
                 credentials, "default graph", len(graphs), len(graphs))
            if probes and not _default_sees(endpoint, probes, timeout, query_credentials):
                raise RemoteError(f"{endpoint}: the store accepted the merge into its default "
                                  "graph, but queries without GRAPH do not see it")
        elif probes and not _default_sees(endpoint, probes, timeout, query_credentials):
            (warn or _stderr)(DEFAULT_GRAPH_WARNING.format(endpoint=endpoint))
    return done


def _negotiate(url: str, store: str, timeout: float, credentials: Credentials | None) -> None:
    """Settle authentication with a bodiless ``HEAD`` before any graph is uploaded.

    A store that wants credentials may answer a PUT with 401 before reading its body and
    close the connection (Virtuoso does), which the client sees as a broken pipe, not as
    the 401. A HEAD carries no body: its 401 arrives whole, so the Digest challenge is
    taken here (after the bare-401 probe, see :mod:`trilat_kg.remote`) and every PUT
    answers it at once; and a refusal is reported before anything was written. Any other
    status (200, 404, 405, 501 ...) says nothing about the PUT and is left to it.
    """
    try:
        http_request("HEAD", url, timeout=timeout, retries=0, credentials=credentials,
                     ok=lambda status: status not in (401, 403), label=store)
    except HTTPStatusError as exc:
        if exc.status == 401 and credentials is None:
            raise HTTPStatusError(f"{exc}; no credentials were given: set TRILAT_KG_USER and "
                                  "TRILAT_KG_PASSWORD, or a netrc entry for the store's host",
                                  exc.status) from exc
        if exc.status in (401, 403):
            raise


def _put(url: str, body: bytes, store: str, timeout: float, retries: int,
         credentials: Credentials | None, graph: str, index: int, total: int) -> None:
    """One Graph Store PUT; a failure says which graph's remote state is unknown."""
    try:
        http_request("PUT", url, body=body,
                     headers={"Content-Type": "text/turtle; charset=utf-8"},
                     timeout=timeout, retries=retries, idempotent=True,
                     credentials=credentials, ok=lambda s: s in (200, 201, 204),
                     label=store)
    except HTTPStatusError as exc:
        if exc.status == 401 and credentials is None:
            raise HTTPStatusError(f"{exc}; no credentials were given: set TRILAT_KG_USER and "
                                  "TRILAT_KG_PASSWORD, or a netrc entry for the store's host",
                                  exc.status) from exc
        if exc.status in (401, 403):
            raise  # refused before anything was written
        raise RemoteError(_unknown(str(exc), graph, index, total)) from exc
    except RemoteError as exc:
        raise RemoteError(_unknown(str(exc), graph, index, total)) from exc


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _parse(body: bytes, index: int) -> Iterator[Any]:
    """The triples of one graph as sent (Turtle, which includes N-Triples).

    Blank nodes are renamed apart per graph (``index``), as an RDF merge keeps them.
    """
    import pyoxigraph as ox

    def rename(term: Any) -> Any:
        return ox.BlankNode(f"g{index}x{term.value}") if isinstance(term, ox.BlankNode) \
            else term

    for quad in ox.parse(body, format=ox.RdfFormat.TURTLE):
        yield ox.Triple(rename(quad.subject), quad.predicate, rename(quad.object))


def _probes(graphs: Sequence[tuple[str, bytes, int]]) -> list[Any]:
    """One triple of IRIs only from each graph that has one: what the default graph must see."""
    import pyoxigraph as ox

    probes = []
    for index, (_graph, body, _count) in enumerate(graphs):
        try:
            probe = next((t for t in _parse(body, index) if isinstance(t.subject, ox.NamedNode)
                          and isinstance(t.object, ox.NamedNode)), None)
        except (SyntaxError, ValueError):  # not Turtle: nothing to probe the default graph with
            probe = None
        if probe is not None:
            probes.append(probe)
    return probes


def _merge(graphs: Sequence[tuple[str, bytes, int]]) -> bytes:
    """The RDF merge of the graphs (a set of triples) as N-Triples, in a stable order."""
    import pyoxigraph as ox

    seen = set()
    for index, (_graph, body, _count) in enumerate(graphs):
        seen.update(_parse(body, index))
    text = ox.serialize(seen, format=ox.RdfFormat.N_TRIPLES) or b""
    return b"".join(sorted(text.splitlines(keepends=True)))


def _default_sees(endpoint: str, probes: Sequence[Any], timeout: float,
                  credentials: Credentials | None) -> bool:
    """Whether a query without GRAPH finds every probe triple (ASK on the default graph)."""
    patterns = " ".join(f"{t.subject} {t.predicate} {t.object} ." for t in probes)
    result = sparql_select(endpoint, f"ASK {{ {patterns} }}", timeout=timeout,
                           credentials=credentials)
    if result.boolean is None:
        raise RemoteError(f"{endpoint}: ASK answered with rows, not true or false")
    return result.boolean


def _unknown(message: str, graph: str, index: int, total: int) -> str:
    return (f"{message}; remote state unknown for graph <{graph}> ({index} of {total} graphs "
            "pushed before it); pushing again is safe (PUT replaces each graph)")


def _remote_count(endpoint: str, graph: str, timeout: float,
           credentials: Credentials | None) -> int:
    """Number of triples in ``graph`` on the store, by a COUNT query."""
    from .queries import sparql_term
    from .results import IRI

    query = (f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {sparql_term(IRI(graph))} "
             "{ ?s ?p ?o } }")
    result = sparql_select(endpoint, query, timeout=timeout, credentials=credentials)
    value: Any = result.rows[0][0] if result.rows and result.rows[0] else None
    try:
        return int(str(value))
    except ValueError:
        raise RemoteError(f"{endpoint}: COUNT of graph <{graph}> answered {value!r}, "
                          "not a number") from None
