"""Load the dataset into a remote triple store with the SPARQL 1.1 Graph Store Protocol.

One ``PUT`` per named graph (GSP *indirect* identification, ``<store>?graph=<IRI>``): a PUT
*replaces* the graph, so pushing twice leaves the same store, and a failed PUT can be
retried whole without duplicating anything (a POST would merge, and a retry would add the
blank-node triples twice). After every graph is in, the triple count of each is checked
by a ``COUNT`` query on the query endpoint, so a store that accepted less than it was
sent (a size limit, a proxy that cut the body) is caught.

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
the store's origin (cross-origin redirects are refused) and scrubbed from any message.

Concurrent pushes to one store from one machine take turns: an advisory lock file per
store URL in the temporary folder (``fcntl.flock``, where the platform has it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import RemoteError, UsageError
from .remote import (
    REMOTE_TIMEOUT,
    Credentials,
    HTTPStatusError,
    check_url,
    http_request,
    sparql_select,
)
from .resources import GRAPH_BASE

__all__ = ["credentials_for", "graph_store_url", "push"]

#: Retries of one PUT after the first attempt (it is idempotent, so retrying is safe).
PUT_RETRIES = 3
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
    digest = hashlib.sha256(store.encode("utf-8")).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"trilat-kg-push-{digest}.lock"
    with open(path, "a+b") as handle:
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


def _graphs(extra: Sequence[Path | str], prefix: str | None) -> list[tuple[str, bytes, int]]:
    """(target graph IRI, N-Triples bytes, triple count) of each non-empty local graph."""
    import pyoxigraph as ox

    from .store import load_store

    store = load_store(extra)
    out = []
    for graph in sorted(store.named_graphs(), key=lambda g: g.value):
        if not isinstance(graph, ox.NamedNode):
            continue
        count = sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
        body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        target = graph.value
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
) -> dict[str, int]:
    """PUT each named graph of the dataset (and ``extra`` files) to the store; verify counts.

    ``endpoint`` is the store's SPARQL query endpoint (used to verify); ``store`` its Graph
    Store URL (derived from ``endpoint`` when not given); ``graph_prefix`` replaces
    ``https://w3id.org/trilat-kg/graphs/`` in the graph names. ``timeout`` is the total
    deadline of each request. Returns ``{graph IRI: triples verified}``.
    """
    check_url(endpoint)
    store = store or graph_store_url(endpoint)
    check_url(store, "Graph Store")
    if graph_prefix is not None and not _IRI_RE.match(graph_prefix):
        raise UsageError(f"invalid --graph-prefix IRI {graph_prefix!r}")
    graphs = _graphs(extra, graph_prefix)
    credentials = credentials_for(store)
    done: dict[str, int] = {}
    with _store_lock(store, timeout * (retries + 1) * max(1, len(graphs))):
        for index, (graph, body, _sent) in enumerate(graphs):
            try:
                http_request("PUT", _graph_url(store, graph), body=body,
                             headers={"Content-Type": "text/turtle; charset=utf-8"},
                             timeout=timeout, retries=retries, idempotent=True,
                             credentials=credentials, ok=lambda s: s in (200, 201, 204),
                             label=store)
            except HTTPStatusError as exc:
                if exc.status in (401, 403):
                    raise  # refused before anything was written
                raise RemoteError(_unknown(str(exc), graph, index, len(graphs))) from exc
            except RemoteError as exc:
                raise RemoteError(_unknown(str(exc), graph, index, len(graphs))) from exc
        for graph, _body, count in graphs:
            found = _remote_count(endpoint, graph, timeout, credentials)
            if found != count:
                raise RemoteError(f"{endpoint}: graph <{graph}> holds {found} triples after "
                                  f"the push, {count} were sent")
            done[graph] = found
    return done


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
