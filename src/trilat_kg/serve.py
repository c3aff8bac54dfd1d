"""A read-only SPARQL 1.1 Protocol endpoint over the embedded dataset (``trilat-kg serve``).

Standard library only (:mod:`http.server`, a thread per connection), so serving the graph
adds no dependency. It protects itself the way trusted servers do (bad-inputs.md rows 33-35):

* **read-only**: the text goes through :func:`trilat_kg.sparql.check_read_only` before any
  engine sees it, so updates, ``SERVICE``, ``FROM`` / ``FROM NAMED`` and ``LOAD`` are
  answered 400 and nothing is fetched; canned queries that federate are not served;
* **a deadline per query**: pyoxigraph cannot be interrupted from Python, so every query
  runs in a worker *process* that holds its own copy of the store; a worker still busy at
  the deadline is killed (a cartesian product, an ORDER BY over one, a REGEX over millions
  of pairs) and the client gets 503, while a fresh worker takes its place. Each worker also
  has an address-space cap, because an ORDER BY over a cartesian product grows by hundreds
  of MB a second, faster than a deadline alone would stop it;
* **cheap queries first**: a query still running after half a second moves to a slow lane
  of its own workers at the lowest CPU priority and runs on to its deadline there, so the
  cheap queries keep their workers and the cores; when the slow lane is full (two queries),
  one more long query is stopped at once (503). Workers die with the server, on Linux even
  when it is killed with SIGKILL;
* **caps**: a query text (or request body) above ``max_query_bytes`` is 413; an answer is
  cut to its first ``max_rows`` rows (or triples) and the header ``Trilat-Kg-Truncated``
  then says so. Truncating rather than refusing keeps an exploratory ``SELECT *`` useful;
  the header (and the row count) tell a program that it holds a partial answer;
* **loopback by default** with a DNS-rebinding guard: bound to a loopback address, the
  server answers 403 to any ``Host`` header that is not a loopback name or address, so a
  web page whose name was re-pointed at 127.0.0.1 cannot read the endpoint. No CORS
  header is sent either, so other origins cannot read the answers;
* **slow clients** get a socket timeout; each connection has its own thread, so an idle
  or dripping client never blocks the others.

The dataset cannot change while the server runs, so the answer of a canned query
(``/queries/<name>``) to the same parameters and ``Accept`` header is kept once serialised and
sent again without a worker; ``/sparql`` answers are always computed.

Answers are negotiated: SPARQL JSON (the default), XML, CSV or TSV for SELECT and ASK,
N-Triples (the default), Turtle, JSON-LD or RDF/XML for CONSTRUCT and DESCRIBE, chosen by
the ``Accept`` header (q-values and wildcards) or by the ``format`` / ``output`` /
``results`` parameter that Virtuoso, Fuseki and their clients use (the parameter wins); what
cannot be served is 406. pyoxigraph writes every format.

A browser gets web pages (:mod:`trilat_kg.web`): at ``/`` a SPARQL editor (YASGUI, served
from the package) with the canned queries as examples, each canned query as a form at
``/forms/<name>``, and a page for every IRI of the dataset (``/id/...``, ``/graphs/...``,
``/ontology``, ``/ontology/<Term>``), which answers a machine in Turtle (the default), JSON-LD,
N-Triples or RDF/XML. Those pages are jobs for the same workers, with the same deadline, the
resource a bound variable of their queries; they are kept like canned answers.

Each request is logged on one line (method, path without the query string, status, time),
never with the query text or parameter values, which may be private.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import ipaddress
import os
import queue
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from .errors import DataError, LocalIOError, TrilatError, UsageError

__all__ = [
    "DEFAULT_MAX_QUERY_BYTES",
    "DEFAULT_MAX_ROWS",
    "DEFAULT_PORT",
    "DEFAULT_TIMEOUT",
    "SparqlServer",
    "bind_warning",
    "is_loopback",
    "serve",
]

DEFAULT_PORT = 7879
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_QUERY_BYTES = 64 * 1024
#: Query worker processes kept for cheap queries, one per core of a small machine: each
#: holds a copy of the store, so a few suffice.
DEFAULT_WORKERS = 2
#: Long-running queries that may run at once, each in a worker of its own on top of the
#: ones above (at the lowest CPU priority); one more is stopped when it outruns the threshold.
DEFAULT_SLOW_LANE = 2
#: Seconds after which a query still running counts as long-running (the slow lane).
DEFAULT_SLOW_AFTER = 0.5
#: Bytes of canned-query answers kept to be served again (the data never changes while the
#: server runs).
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
#: Address space a worker may add to what it holds after loading the data, in MiB.
DEFAULT_MAX_MEMORY_MB = 2048
#: Header naming the row cap when an answer was cut to it.
TRUNCATED_HEADER = "Trilat-Kg-Truncated"
#: A body larger than the cap is read and dropped up to this size before the 413, so the
#: client sees the answer rather than a connection reset; beyond it the socket is closed.
_DRAIN_LIMIT = 1 << 20
#: Longest wait for a new worker to load the data.
_STARTUP_TIMEOUT = 600.0
#: Seconds an idle connection thread waits for the next connection before it ends.
_THREAD_IDLE = 30.0

JSON_RESULTS = "application/sparql-results+json"
XML_RESULTS = "application/sparql-results+xml"
#: What an answer is offered as, the default first: media type -> (pyoxigraph format name,
#: Content-Type sent). SELECT and ASK answers are serialised by QueryResultsFormat, CONSTRUCT
#: and DESCRIBE answers by RdfFormat.
_RESULT_OFFERS: dict[str, tuple[str, str]] = {
    JSON_RESULTS: ("JSON", JSON_RESULTS),
    XML_RESULTS: ("XML", XML_RESULTS),
    "text/csv": ("CSV", "text/csv; charset=utf-8"),
    "text/tab-separated-values": ("TSV", "text/tab-separated-values; charset=utf-8"),
}
_GRAPH_OFFERS: dict[str, tuple[str, str]] = {
    "application/n-triples": ("N_TRIPLES", "application/n-triples"),
    "text/turtle": ("TURTLE", "text/turtle; charset=utf-8"),
    "application/ld+json": ("JSON_LD", "application/ld+json"),
    "application/rdf+xml": ("RDF_XML", "application/rdf+xml"),
}
#: Other media types clients send for an offer (in Accept or in a format parameter).
_RESULT_ALIASES = {"application/json": JSON_RESULTS, "application/xml": XML_RESULTS,
                   "text/xml": XML_RESULTS}
_GRAPH_ALIASES = {"text/plain": "application/n-triples", "application/turtle": "text/turtle",
                  "application/x-turtle": "text/turtle", "text/n3": "text/turtle",
                  "text/rdf+n3": "text/turtle", "application/json": "application/ld+json",
                  "application/xml": "application/rdf+xml", "text/xml": "application/rdf+xml"}
#: Short names of the ``format=`` / ``output=`` / ``results=`` parameters (Virtuoso, Fuseki,
#: SPARQLWrapper, R's SPARQL through ``extra=``); media types are accepted there too.
_RESULT_NAMES = {"json": JSON_RESULTS, "srj": JSON_RESULTS, "xml": XML_RESULTS,
                 "srx": XML_RESULTS, "csv": "text/csv", "tsv": "text/tab-separated-values"}
_GRAPH_NAMES = {"nt": "application/n-triples", "ntriples": "application/n-triples",
                "n-triples": "application/n-triples", "ttl": "text/turtle",
                "turtle": "text/turtle", "n3": "text/turtle",  # Turtle is N3 too
                "jsonld": "application/ld+json", "json-ld": "application/ld+json",
                "json": "application/ld+json", "xml": "application/rdf+xml",
                "rdf": "application/rdf+xml", "rdfxml": "application/rdf+xml",
                "rdf+xml": "application/rdf+xml"}
#: Request parameters that name the answer's format; they win over Accept.
FORMAT_PARAMETERS = ("format", "output", "results")
_HTML = "text/html; charset=utf-8"
_HTML_ALIASES = {"application/xhtml+xml": "text/html"}
#: What a resource page is offered as: media type -> pyoxigraph RdfFormat name (or HTML).
#: Turtle first, so a client that names nothing gets data; a browser names text/html.
_PAGE_OFFERS: dict[str, str] = {
    "text/turtle": "TURTLE",
    "text/html": "HTML",
    "application/ld+json": "JSON_LD",
    "application/n-triples": "N_TRIPLES",
    "application/rdf+xml": "RDF_XML",
}
_PAGE_ALIASES = {k: v for k, v in _GRAPH_ALIASES.items() if k != "text/plain"} | _HTML_ALIASES
_PAGE_NAMES = _GRAPH_NAMES | {"html": "text/html", "htm": "text/html"}


def _page_headers(content_type: str) -> dict[str, str]:
    """Headers of a page: negotiated (Vary), and for HTML a policy that allows nothing but
    this server (see :data:`trilat_kg.web.CSP`)."""
    headers = {"Vary": "Accept"}
    if content_type.startswith("text/html"):
        from .web import CSP

        headers["Content-Security-Policy"] = CSP
        headers["Referrer-Policy"] = "no-referrer"
    return headers


# --------------------------------------------------------------------------- host checks


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1), with or without [ ]."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def bind_warning(host: str) -> str | None:
    """The warning printed when the server would be reachable from other machines."""
    if is_loopback(host):
        return None
    return (f"trilat-kg: warning: serving on {host}, reachable from other machines; the "
            "endpoint has no authentication (use the default --host 127.0.0.1 unless you "
            "mean to share it)")


def _host_name(header: str) -> str:
    """The host part of a ``Host`` header (``[::1]:7879`` -> ``::1``, ``a:80`` -> ``a``)."""
    header = header.strip()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    name, sep, port = header.rpartition(":")
    return name if sep and port.isdigit() else header


# --------------------------------------------------------------------------- worker side


def _worker_main(conn: Any, extra: Sequence[str], max_memory_mb: int | None,
                 server_pid: int | None = None) -> None:
    """Body of a query worker process: load the store once, then answer jobs until EOF.

    SIGINT is ignored: Ctrl-C at a terminal reaches the whole process group, and stopping
    is the parent's job (it kills its workers on the way out). Should the server die
    without doing so (SIGKILL, SIGTERM), Linux kills the worker too, even mid-query.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_server(server_pid)
    from .store import load_store

    try:
        store = load_store([Path(p) for p in extra])
    except TrilatError as exc:
        conn.send(("error", type(exc).__name__, str(exc)))
        return
    _limit_memory(max_memory_mb)
    _quiet_stderr()
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the server went away
            return
        try:
            reply = _work(store, job)
        except Exception as exc:  # one bad job must not take the worker down
            reply = ("error", 500, f"query failed: {type(exc).__name__}: {exc}")
        conn.send(reply)


def _work(store: Any, job: tuple[Any, ...]) -> tuple[Any, ...]:
    """One job: a query (its text first) or a web page (``None`` first, then its kind)."""
    if job[0] is None:
        from .web.pages import page_job

        return page_job(store, *job[1:])
    return _answer(store, *job)


def _die_with_server(server_pid: int | None) -> None:
    """Ask Linux to SIGKILL this process when the server that started it goes.

    Without it a worker notices the server's end only when it next reads its pipe, which a
    worker stuck in a cartesian product never does. Elsewhere than Linux this does nothing.
    """
    if server_pid is None or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl to call
        return
    if os.getppid() != server_pid:  # the server went before the request took effect
        os._exit(0)


def _quiet_stderr() -> None:
    """Send the worker's stderr to /dev/null once the data is loaded.

    A query that hits the memory cap makes Rust print an allocation failure and a backtrace
    before it aborts; the server's log already says what happened, in one line.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:  # pragma: no cover - nothing to quiet then
        pass


def _limit_memory(max_memory_mb: int | None) -> None:
    """Cap the worker's address space at what it holds now plus ``max_memory_mb``.

    An allocation beyond it fails and the worker dies; the server answers 503 and starts
    another. Relative to the current size, so a large ``--data`` file still fits.
    """
    if not max_memory_mb:
        return
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as handle:
            current = int(handle.read().split()[0]) * resource.getpagesize()
        limit = current + max_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError):  # not Linux: the deadline still applies
        pass


def _answer(store: Any, text: str, source: str, substitutions: Sequence[tuple[str, ...]],
            accept: str, wanted: Sequence[str], max_rows: int) -> tuple[Any, ...]:
    """Run one query and serialise it: ``("ok", content_type, body, truncated)`` or an error.

    The format is chosen once the query form is known (``store.query`` parses the query but
    evaluates lazily): from ``wanted``, the values of the format parameters, or else from the
    ``accept`` header; nothing acceptable is 406. Serialising happens here, inside the
    deadline, so a huge answer is bounded like a slow one.
    """
    import itertools

    import pyoxigraph as ox

    from .sparql import _query_syntax_error

    subs = {ox.Variable(var): _ox_term(kind, value, datatype, language)
            for var, kind, value, datatype, language in substitutions}
    try:
        answer = store.query(text, substitutions=subs or None)
        graph = isinstance(answer, ox.QueryTriples)
        chosen = _choose(graph, accept, wanted)
        if chosen is None:
            return ("error", 406, _not_acceptable(graph, accept, wanted))
        fmt_name, content_type = chosen
        truncated = False
        if graph:
            triples = list(itertools.islice(answer, max_rows + 1))
            truncated = len(triples) > max_rows
            prefixes = (_used_prefixes(triples[:max_rows])
                        if fmt_name in ("TURTLE", "RDF_XML") else None)
            body = ox.serialize(triples[:max_rows], format=getattr(ox.RdfFormat, fmt_name),
                                prefixes=prefixes)
        elif isinstance(answer, ox.QueryBoolean):
            body = answer.serialize(format=getattr(ox.QueryResultsFormat, fmt_name))
        else:
            variables = answer.variables
            solutions = list(itertools.islice(answer, max_rows + 1))
            truncated = len(solutions) > max_rows
            body = _serialize_solutions(variables, solutions[:max_rows],
                                        getattr(ox.QueryResultsFormat, fmt_name))
    except SyntaxError as exc:
        return ("error", 400, str(_query_syntax_error(source, exc)))
    except OSError as exc:  # evaluation errors (pyoxigraph raises OSError for them)
        return ("error", 400, f"{source}: query failed: {' '.join(str(exc).split())}")
    return ("ok", content_type, body or b"", truncated)


def _serialize_solutions(variables: Sequence[Any], solutions: Sequence[Any], fmt: Any) -> bytes:
    """Serialise the first solutions of a SELECT with pyoxigraph's own writers.

    pyoxigraph serialises only a whole ``QuerySolutions`` iterator and cannot build one from
    a list, so the kept solutions are written as SPARQL TSV (each term in the N-Triples form
    pyoxigraph itself prints, which escapes tabs and newlines), read back with
    ``parse_query_results`` and written in the format asked for: XML, JSON, CSV or TSV.
    """
    import pyoxigraph as ox

    width = len(variables)
    lines = ["\t".join("?" + v.value for v in variables)]
    lines += ["\t".join("" if sol[i] is None else str(sol[i]) for i in range(width))
              for sol in solutions]
    kept = ox.parse_query_results("\n".join(lines) + "\n", ox.QueryResultsFormat.TSV)
    return kept.serialize(format=fmt) or b""


def _used_prefixes(triples: Sequence[Any]) -> dict[str, str]:
    """The display prefixes whose namespace some IRI of ``triples`` starts with.

    Only those are declared, so a small Turtle answer does not open with forty lines of
    prefixes it never uses.
    """
    from .results import DISPLAY_PREFIXES

    iris: set[str] = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if type(term).__name__ == "NamedNode":
                iris.add(term.value)
            elif type(term).__name__ == "Literal":
                iris.add(term.datatype.value)
    return {name: ns for name, ns in DISPLAY_PREFIXES.items()
            if any(iri.startswith(ns) for iri in iris)}


def _ox_term(kind: str, value: str, datatype: str, language: str) -> Any:
    """Rebuild a bound parameter as a pyoxigraph term (terms travel as plain strings)."""
    import pyoxigraph as ox

    if kind == "iri":
        return ox.NamedNode(value)
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=ox.NamedNode(datatype))


def _choose(graph: bool, accept: str, wanted: Sequence[str]) -> tuple[str, str] | None:
    """The (pyoxigraph format name, Content-Type) to answer in, or None for 406.

    A format parameter wins over ``Accept``: its first value that names something offered
    for this query form is used (SPARQLWrapper sends ``format=tsv&format=text/tab-separated-
    values``), and values that name nothing offered are 406 rather than a silent default.
    """
    offers = _GRAPH_OFFERS if graph else _RESULT_OFFERS
    aliases = _GRAPH_ALIASES if graph else _RESULT_ALIASES
    names = _GRAPH_NAMES if graph else _RESULT_NAMES
    if wanted:
        for value in wanted:
            # a '+' left unescaped in a URL arrives as a space: sparql-results json
            media = value.strip().lower().replace(" ", "+")
            media = names.get(media, aliases.get(media, media))
            if media in offers:
                return offers[media]
        return None
    media = _negotiate(accept, list(offers), aliases)
    return offers[media] if media else None


def _negotiate(accept: str, offers: Sequence[str], aliases: Mapping[str, str]) -> str | None:
    """The offered media type that the ``Accept`` header ranks highest (RFC 9110, 12.5.1).

    Each offer takes the quality of the most specific range that matches it (``text/csv``
    before ``text/*`` before ``*/*``), so ``text/*, text/csv;q=0`` excludes CSV. Among equal
    qualities the range the client listed first wins, then the server's order (the first
    offer is the default, so ``*/*`` or no header at all gets it). None when nothing offered
    is acceptable.
    """
    ranges: list[tuple[str, float, int]] = []
    for position, item in enumerate(accept.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        media = media.lower()
        if not media:
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append(("*/*" if media == "*" else media, quality, position))
    if not ranges:  # an empty header asks for nothing in particular
        ranges.append(("*/*", 1.0, 0))
    best: tuple[tuple[float, int, int], str] | None = None
    for index, offer in enumerate(offers):
        known = {offer} | {alias for alias, target in aliases.items() if target == offer}
        match: tuple[int, float, int] | None = None  # specificity, quality, position
        for media, quality, position in ranges:
            if media in known:
                specificity = 2
            elif media == "*/*":
                specificity = 0
            elif media.endswith("/*") and offer.startswith(media[:-1]):  # not aliases
                specificity = 1
            else:
                continue
            if match is None or (specificity, quality) > match[:2]:
                match = (specificity, quality, position)
        if match is None or match[1] <= 0:
            continue
        key = (match[1], -match[2], -index)
        if best is None or key > best[0]:
            best = (key, offer)
    return best[1] if best else None


def _not_acceptable(graph: bool, accept: str, wanted: Sequence[str]) -> str:
    """The 406 message: what was asked for and what this query form is offered as."""
    asked = (f"format={', '.join(wanted)}" if wanted else f"Accept: {accept}")
    asked = "".join(c for c in asked if c.isprintable())[:200]
    if graph:
        form, offers, names = "CONSTRUCT or DESCRIBE", _GRAPH_OFFERS, "nt, ttl, jsonld or rdfxml"
    else:
        form, offers, names = "SELECT or ASK", _RESULT_OFFERS, "json, xml, csv or tsv"
    return (f"not acceptable ({asked}); a {form} answer is offered as "
            f"{', '.join(offers)}, or by format={names}")


# --------------------------------------------------------------------------- worker pool


class _Deadline(Exception):
    """The query was still running at the deadline; its worker was killed."""


class _Busy(Exception):
    """No worker became free within the deadline."""


class _SlowLaneFull(Exception):
    """The query outran the slow threshold while the slow lane was full; it was stopped."""


class _WorkerLost(Exception):
    """The worker died while answering (out of memory, killed from outside)."""


class _Spawner:
    """One long-lived thread that starts every worker process.

    Linux sends a worker its parent-death signal when the *thread* that started it ends, not
    the process, so workers are started here, by a thread that lives as long as the pool,
    rather than by the request or restart threads that come and go.
    """

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._stopped = False
        threading.Thread(target=self._loop, name="trilat-kg-spawner", daemon=True).start()

    def _loop(self) -> None:
        while (item := self._calls.get()) is not None:
            function, done = item
            try:
                done.put((True, function()))
            except BaseException as exc:  # handed to the caller
                done.put((False, exc))

    def call(self, function: Callable[[], Any]) -> Any:
        """``function()`` run on the spawner's thread; its exception is raised here."""
        done: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()
        with self._lock:
            if self._stopped:
                raise LocalIOError("the server is closing; no worker is started")
            self._calls.put((function, done))
        ok, value = done.get()
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        """End the thread once the calls already asked for are done."""
        with self._lock:
            if not self._stopped:
                self._stopped = True
                self._calls.put(None)


class _Worker:
    """One query worker process and the parent's end of its pipe."""

    def __init__(self, ctx: Any, extra: Sequence[str], max_memory_mb: int | None) -> None:
        parent, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main,
                                   args=(child, tuple(extra), max_memory_mb, os.getpid()),
                                   name="trilat-kg-query", daemon=True)
        self.process.start()
        child.close()
        self.conn = parent

    def wait_ready(self, timeout: float) -> None:
        """Wait until the worker has loaded the data; re-raise its load error here."""
        if not self.conn.poll(timeout):
            raise LocalIOError(f"a query worker did not load the data within {timeout:g} s")
        try:
            message = self.conn.recv()
        except (EOFError, OSError) as exc:
            raise LocalIOError("a query worker exited while loading the data") from exc
        if message[0] == "error":
            _, name, text = message
            error = {"DataError": DataError, "UsageError": UsageError,
                     "LocalIOError": LocalIOError}.get(name, TrilatError)
            raise error(text)

    def lower_priority(self) -> None:
        """Give the worker the lowest CPU priority, so that cheap queries go first."""
        pid = self.process.pid
        if pid is None or not hasattr(os, "setpriority"):  # not started, or not POSIX
            return
        with contextlib.suppress(OSError):  # the process is gone already
            os.setpriority(os.PRIO_PROCESS, pid, 19)

    def stop(self) -> None:
        """Kill the process (a query in Rust cannot be interrupted any gentler) and reap it."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class _Pool:
    """Query worker processes in two lanes; a query borrows one, one that overruns is replaced.

    Any idle worker takes the next query. A query still running after ``slow_after`` seconds
    moves to the slow lane: its worker drops to the lowest CPU priority, so the cheap
    queries around it keep the cores, and it runs on until its answer or its deadline. The
    slow lane holds ``slow_lane`` queries; a query that outruns the threshold while it is full
    is stopped at once (503), so at least ``size`` workers are always there for cheap
    queries. A worker that ran a slow query is replaced when it is done (an unprivileged
    process cannot raise its priority again).
    """

    def __init__(self, size: int, extra: Sequence[Path | str], max_memory_mb: int | None,
                 log: Callable[[str], None], *, slow_lane: int = 0,
                 slow_after: float | None = None) -> None:
        import multiprocessing

        # spawn, not fork: forking a process that runs server threads can copy a held lock.
        self._ctx = multiprocessing.get_context("spawn")
        self._extra = tuple(str(p) for p in extra)
        self._max_memory_mb = max_memory_mb
        self._log = log
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._slow_lane = slow_lane
        self._slow_after = slow_after
        self._slow = 0
        #: Queries handed to a worker so far (answered from the cache ones are not).
        self.jobs = 0
        self._spawner = _Spawner()
        try:
            started = [self._spawn() for _ in range(size + slow_lane)]
            for worker in started:
                worker.wait_ready(_STARTUP_TIMEOUT)
                self._idle.put(worker)
        except BaseException:
            self.close()
            raise

    @property
    def slow_running(self) -> int:
        """How many queries are in the slow lane now."""
        with self._lock:
            return self._slow

    def _spawn(self) -> _Worker:
        worker: _Worker = self._spawner.call(
            lambda: _Worker(self._ctx, self._extra, self._max_memory_mb))
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        """Stop ``worker`` and start another in the background (the caller answers at once)."""
        worker.stop()
        with self._lock:
            self._all.discard(worker)
            if self._closed:
                return

        def start() -> None:
            try:
                fresh = self._spawn()
                fresh.wait_ready(_STARTUP_TIMEOUT)
            except Exception as exc:  # pragma: no cover - the data loaded once already
                if not self._closed:
                    self._log(f"trilat-kg: error: cannot restart a query worker: {exc}")
                return
            if self._closed:
                fresh.stop()
            else:
                self._idle.put(fresh)

        threading.Thread(target=start, name="trilat-kg-respawn", daemon=True).start()

    def run(self, job: tuple[Any, ...], timeout: float) -> tuple[Any, ...]:
        """Run ``job`` on a free worker within ``timeout`` seconds (of the worker's time).

        Waiting for a free worker has its own bound of ``timeout``: past it the server is
        too busy and says so (503) instead of queueing requests without end.
        """
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise _Busy from None
        slow = False
        try:
            worker.conn.send(job)
            with self._lock:
                self.jobs += 1
            first = timeout if self._slow_after is None else min(self._slow_after, timeout)
            if not worker.conn.poll(first):
                with self._lock:
                    slow = first < timeout and self._slow < self._slow_lane
                    self._slow += slow
                if first >= timeout:
                    self._replace(worker)
                    raise _Deadline
                if not slow:
                    self._replace(worker)
                    raise _SlowLaneFull
                worker.lower_priority()
                if not worker.conn.poll(timeout - first):
                    self._replace(worker)
                    raise _Deadline
            reply: tuple[Any, ...] = worker.conn.recv()
        except (EOFError, OSError) as exc:
            worker.process.join(5)
            code = worker.process.exitcode
            self._replace(worker)
            if code == -signal.SIGABRT:  # Rust aborts when an allocation fails
                raise _WorkerLost("the query ran out of memory (the worker's cap) and was "
                                  "stopped") from exc
            raise _WorkerLost(f"the query worker stopped (exit code {code})") from exc
        finally:
            if slow:
                with self._lock:
                    self._slow -= 1
        if slow:  # it runs at the lowest priority now: a fresh worker takes its place
            self._replace(worker)
        else:
            self._idle.put(worker)
        return reply

    def close(self) -> None:
        """Kill every worker, busy or idle; no replacement is started afterwards."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()
        self._spawner.stop()


# --------------------------------------------------------------------------- HTTP side


class _HTTPServer(HTTPServer):
    """The listening socket, its connection threads and the settings its handlers read.

    Each connection has a thread of its own, as with :class:`ThreadingHTTPServer`, but a
    thread that has answered stays a while to take the next connection: starting a thread
    per request made the accepting thread wait on every start. The listen backlog is deep
    enough for bursts of clients; the kernel's own cap (``somaxconn``) still applies.
    """

    request_queue_size = 1024
    app: SparqlServer

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._handoff: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
        self._waiting = 0  # idle connection threads nobody has handed a connection to
        self._threads_lock = threading.Lock()
        super().__init__(address, handler)  # closes the socket if binding fails

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._threads_lock:
            reuse = self._waiting > 0
            self._waiting -= reuse
        if reuse:
            self._handoff.put((request, client_address))
        else:
            threading.Thread(target=self._connections, args=(request, client_address),
                             name="trilat-kg-http", daemon=True).start()

    def _connections(self, request: Any, client_address: Any) -> None:
        """Answer a connection, then the next ones handed over, until idle for a while."""
        while True:
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
            with self._threads_lock:
                self._waiting += 1
            while True:
                try:
                    item = self._handoff.get(timeout=_THREAD_IDLE)
                    break
                except queue.Empty:
                    with self._threads_lock:
                        if self._waiting > 0:  # no connection is on its way to this thread
                            self._waiting -= 1
                            return
            if item is None:
                return
            request, client_address = item

    def server_close(self) -> None:
        super().server_close()
        with self._threads_lock:
            idle, self._waiting = self._waiting, 0
        for _ in range(idle):
            self._handoff.put(None)


class _Handler(BaseHTTPRequestHandler):
    """Routes: ``/`` help (a page for a browser), ``/sparql`` the protocol endpoint,
    ``/queries/<name>`` canned, ``/forms/<name>`` a canned query's form, ``/static/...``,
    and the resources: ``/id/...``, ``/graphs/...``, ``/ontology``."""

    server: _HTTPServer
    server_version = "trilat-kg"
    #: Buffer what is written, so the status line, headers and a small answer leave in one
    #: write (see :meth:`_send`) rather than in one write each.
    wbufsize = 64 * 1024
    _started = 0.0

    def setup(self) -> None:
        self.timeout = self.server.app.client_timeout  # a socket timeout for slow clients
        super().setup()

    def parse_request(self) -> bool:
        self._started = time.monotonic()
        return super().parse_request()

    # --- logging: one line per request, never the query string

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        app = self.server.app
        path = getattr(self, "path", "") or "-"
        path = _printable(path.partition("?")[0])
        method = _printable(getattr(self, "command", None) or "-")
        status = getattr(code, "value", code)
        elapsed = (time.monotonic() - self._started) * 1000 if self._started else 0.0
        app.log(f"trilat-kg serve: {method} {path} {status} {elapsed:.0f} ms")

    def log_error(self, format: str, *args: Any) -> None:
        if format.startswith("Request timed out"):
            self.server.app.log("trilat-kg serve: a client sent nothing in time; "
                                "connection closed")

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the base class would print the request line, query string included."""

    # --- methods

    def do_GET(self) -> None:
        if not self._host_ok():
            return
        path, _, query_string = self.path.partition("?")
        try:  # http.server reads the request line as latin-1; raw UTF-8 is common (curl)
            query_string = query_string.encode("latin-1").decode("utf-8")
        except UnicodeError:
            self._error(400, "the query string is not UTF-8")
            return
        if path == "/":
            if _negotiate(self.headers.get("Accept", ""), ("text/plain", "text/html"),
                          _HTML_ALIASES) == "text/html":
                self._send(200, _HTML, self.server.app.home_page(), _page_headers(_HTML))
            else:
                self._send(200, "text/plain; charset=utf-8",
                           self.server.app.help_text().encode(), {"Vary": "Accept"})
        elif path == "/sparql":
            self._sparql_get(query_string)
        elif path.startswith("/queries/"):
            self._canned(unquote(path[len("/queries/"):]), query_string)
        elif path.startswith("/forms/"):
            self._form(unquote(path[len("/forms/"):]), query_string)
        elif path.startswith("/static/"):
            self._static(path)
        elif path.startswith(("/id/", "/graphs/", "/ontology/")) or path == "/ontology":
            self._resource(path, query_string)
        else:
            self._error(404, f"no such resource {_printable(path)}; see / for what is served")

    def do_POST(self) -> None:
        if not self._host_ok():
            return
        path, _, query_string = self.path.partition("?")
        if path != "/sparql":
            self._drain(self._content_length(quiet=True) or 0)
            known = path == "/" or path.startswith("/queries/")
            self._error(405 if known else 404, "POST queries to /sparql",
                        {"Allow": "GET"} if known else None)
            return
        length = self._content_length()
        if length is None:
            return
        app = self.server.app
        if length > app.max_query_bytes:
            self._drain(length)
            self._error(413, f"request body of {length} bytes is above the limit of "
                             f"{app.max_query_bytes} bytes")
            return
        body = self.rfile.read(length)
        # the URL may carry parameters too (format=, default-graph-uri=, ...)
        try:
            url_fields = self._fields(query_string.encode("latin-1").decode("utf-8"))
        except UnicodeError:
            self._error(400, "the query string is not UTF-8")
            return
        if url_fields is None:
            return
        media = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media == "application/sparql-query":
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                self._error(400, f"query is not UTF-8 at byte {exc.start}")
                return
            url_fields.setdefault("query", []).insert(0, text)
            self._sparql_fields(url_fields)
        elif media == "application/x-www-form-urlencoded":
            try:
                fields = self._fields(body.decode("utf-8"))
            except UnicodeDecodeError as exc:
                self._error(400, f"form body is not UTF-8 at byte {exc.start}")
                return
            if fields is None:
                return
            if "update" in fields:
                self._error(400, "refused update (updates are not allowed); the endpoint is "
                                 "read-only")
                return
            for key, values in url_fields.items():
                fields.setdefault(key, []).extend(values)
            self._sparql_fields(fields)
        elif media == "application/sparql-update":
            self._error(400, "refused update (updates are not allowed); the endpoint is "
                             "read-only")
        else:
            self._error(415, "send the query as application/sparql-query or as the form "
                             "field query= (application/x-www-form-urlencoded)")

    def _refuse_write(self) -> None:
        if self._host_ok():
            self._drain(self._content_length(quiet=True) or 0)
            self._error(405, "the endpoint is read-only; use GET or POST /sparql",
                        {"Allow": "GET, POST"})

    do_PUT = do_DELETE = do_PATCH = _refuse_write

    # --- the SPARQL protocol

    def _sparql_get(self, query_string: str) -> None:
        app = self.server.app
        if len(query_string) > 3 * app.max_query_bytes:  # cheap bound before decoding
            self._too_large(len(query_string))
            return
        fields = self._fields(query_string)
        if fields is not None:
            self._sparql_fields(fields)

    def _sparql_fields(self, fields: dict[str, list[str]]) -> None:
        if "default-graph-uri" in fields or "named-graph-uri" in fields:
            self._error(400, "refused default-graph-uri / named-graph-uri (the dataset is "
                             "fixed; nothing is fetched); queries are read-only")
            return
        texts = fields.get("query", [])
        if len(texts) != 1:
            self._error(400, "give exactly one query: /sparql?query=... (see / for help)")
            return
        self._sparql(texts[0], _wanted_formats(fields))

    def _sparql(self, text: str, wanted: tuple[str, ...]) -> None:
        app = self.server.app
        size = len(text.encode("utf-8"))
        if size > app.max_query_bytes:
            self._too_large(size)
            return
        refusal = _read_only_refusal(text)
        if refusal is not None:
            self._error(400, refusal)
            return
        self._run(text, "query", (), wanted)

    def _canned(self, name: str, query_string: str) -> None:
        from .queries import bind

        app = self.server.app
        if len(query_string) > 3 * app.max_query_bytes:
            self._too_large(len(query_string))
            return
        try:
            query = app.canned_query(name)
        except UsageError as exc:
            self._error(404, str(exc))
            return
        fields = self._fields(query_string)
        if fields is None:
            return
        # format=, output=, results= choose the format unless the query has such a parameter
        own = {p.name for p in query.params}
        formats = {k: v for k, v in fields.items() if k in FORMAT_PARAMETERS and k not in own}
        values: dict[str, str] = {}
        for key, items in fields.items():
            if key in formats:
                continue
            if len(items) > 1:
                self._error(400, f"parameter {key!r} given twice")
                return
            values[key] = items[0]
        if sum(len(v.encode("utf-8")) for v in values.values()) > app.max_query_bytes:
            self._too_large(len(query_string))
            return
        try:
            bound = bind(query, values)  # the validation `trilat-kg query` does
        except UsageError as exc:
            self._error(400, str(exc))
            return
        if query.services:
            self._error(400, f"query {query.slug!r} uses SERVICE <{query.services[0]}> (a "
                             "federated query); the endpoint does not reach the network")
            return
        substitutions = tuple(sorted(_plain_term(var, term) for var, term in bound.items()))
        self._run(query.text, f"queries/{query.slug}", substitutions, _wanted_formats(formats),
                  cache=_repeatable(query.text))

    # --- web pages (trilat_kg.web): built in a worker, like any query

    def _static(self, path: str) -> None:
        from .web import static_file

        found = static_file(path)
        if found is None:
            self._error(404, f"no such file {_printable(path)}")
            return
        body, content_type = found
        self._send(200, content_type, body, {"Cache-Control": "max-age=3600"})

    def _resource(self, path: str, query_string: str) -> None:
        """A resource of the dataset: HTML for a browser, Turtle (the default), JSON-LD,
        N-Triples or RDF/XML for a machine, chosen by Accept or by ``format=``."""
        from .web import iri_of_path

        iri = iri_of_path(path)
        if iri is None:
            self._error(404, f"no such resource {_printable(path)}; see / for what is served")
            return
        if len(query_string) > self.server.app.max_query_bytes:
            self._too_large(len(query_string))
            return
        fields = self._fields(query_string)
        if fields is None:
            return
        wanted = _wanted_formats(fields)
        if wanted:
            media = None
            for value in wanted:
                value = value.strip().lower().replace(" ", "+")
                value = _PAGE_NAMES.get(value, _PAGE_ALIASES.get(value, value))
                if value in _PAGE_OFFERS:
                    media = value
                    break
        else:
            media = _negotiate(self.headers.get("Accept", "") or "*/*", list(_PAGE_OFFERS),
                               _PAGE_ALIASES)
        if media is None:
            asked = (f"format={', '.join(wanted)}" if wanted
                     else f"Accept: {self.headers.get('Accept', '')}")
            self._error(406, f"not acceptable ({_printable(asked)}); a resource is offered as "
                             f"{', '.join(_PAGE_OFFERS)}, or by format=html, ttl, jsonld, "
                             "nt or rdfxml")
            return
        self._page((None, "resource", iri, _PAGE_OFFERS[media], self.server.app.max_rows))

    def _form(self, name: str, query_string: str) -> None:
        """A canned query as a form, and its answer as a table when its values are given."""
        app = self.server.app
        if len(query_string) > 3 * app.max_query_bytes:
            self._too_large(len(query_string))
            return
        try:
            query = app.canned_query(name)
        except UsageError as exc:
            self._error(404, str(exc))
            return
        if query.services:
            self._error(400, f"query {query.slug!r} uses SERVICE <{query.services[0]}> (a "
                             "federated query); the endpoint does not reach the network")
            return
        fields = self._fields(query_string)
        if fields is None:
            return
        values: list[tuple[str, str]] = []
        for key, items in sorted(fields.items()):
            given = [v for v in items if v.strip()]  # an empty field is a value not given
            if len(given) > 1:
                self._error(400, f"parameter {key!r} given twice")
                return
            if given:
                values.append((key, given[0].strip()))
        if sum(len(v.encode("utf-8")) for _, v in values) > app.max_query_bytes:
            self._too_large(len(query_string))
            return
        self._page((None, "canned", query.slug, tuple(values), app.max_rows),
                   cache=_repeatable(query.text))

    def _page(self, job: tuple[Any, ...], cache: bool = True) -> None:
        app = self.server.app
        reply = app.answers.get(job) if cache else None
        if reply is None:
            reply = self._ask_worker(job)
            if reply is None:
                return
            if cache and reply[0] == "page" and reply[1] in (200, 404):
                app.answers.put(job, reply)
        if reply[0] == "error":
            self._error(reply[1], reply[2])
            return
        _, status, body, content_type, *rest = reply
        headers = _page_headers(content_type)
        if rest and rest[0]:
            headers[TRUNCATED_HEADER] = str(app.max_rows)
        self._send(status, content_type, body, headers)

    def _run(self, text: str, source: str, substitutions: tuple[tuple[str, ...], ...],
             wanted: tuple[str, ...], cache: bool = False) -> None:
        app = self.server.app
        accept = self.headers.get("Accept", "") or "*/*"
        job = (text, source, substitutions, accept, wanted, app.max_rows)
        reply = app.answers.get(job) if cache else None
        if reply is None:
            reply = self._ask_worker(job)
            if reply is None:
                return
            if cache and reply[0] == "ok":
                app.answers.put(job, reply)
        if reply[0] == "error":
            self._error(reply[1], reply[2])
            return
        _, content_type, body, truncated = reply
        headers = {"Vary": "Accept"}
        if truncated:
            headers[TRUNCATED_HEADER] = str(app.max_rows)
        self._send(200, content_type, body, headers)

    def _ask_worker(self, job: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """A worker's reply to ``job``, or None once the 503 that replaces it was sent."""
        app = self.server.app
        try:
            return app.pool.run(job, app.timeout)
        except _Deadline:
            self._error(503, f"query stopped after {app.timeout:g} s (the server's deadline, "
                             "--timeout)", {"Retry-After": "1"})
        except _Busy:
            self._error(503, f"every query worker stayed busy for {app.timeout:g} s; "
                             "try again later", {"Retry-After": str(int(app.timeout) + 1)})
        except _SlowLaneFull:
            running = f"{app.slow_lane} long {'query' if app.slow_lane == 1 else 'queries'}"
            self._error(503, f"query stopped after {app.slow_after:g} s: the slow lane is full "
                             f"({running} already running); try again later",
                        {"Retry-After": str(int(app.timeout) + 1)})
        except _WorkerLost as exc:
            app.log(f"trilat-kg serve: {exc}; a new worker is starting")
            self._error(503, f"{exc}; a new worker is starting", {"Retry-After": "1"})
        return None

    # --- helpers

    def _host_ok(self) -> bool:
        """DNS-rebinding guard: on loopback, answer only requests addressed to loopback."""
        if not self.server.app.loopback:
            return True
        host = self.headers.get("Host")
        if host is None or is_loopback(_host_name(host)):
            return True
        self._drain(self._content_length(quiet=True) or 0)
        self._error(403, "Host header is not a loopback name or address; this server "
                         "answers only http://localhost or http://127.0.0.1")
        return False

    def _content_length(self, quiet: bool = False) -> int | None:
        raw = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or raw is None:
            if not quiet:
                self._error(411, "send a Content-Length (chunked bodies are not accepted)")
            return None
        try:
            length = int(raw)
            if length < 0:
                raise ValueError(raw)
        except ValueError:
            if not quiet:
                self._error(400, "invalid Content-Length")
            return None
        return length

    def _drain(self, length: int) -> None:
        """Read and drop an unwanted body (bounded) so the client can read the answer."""
        if length > _DRAIN_LIMIT:
            self.close_connection = True
            return
        try:
            while length > 0:
                chunk = self.rfile.read(min(length, 65536))
                if not chunk:
                    break
                length -= len(chunk)
        except OSError:
            self.close_connection = True

    def _fields(self, encoded: str) -> dict[str, list[str]] | None:
        """Decode form / query-string fields as UTF-8; None (after a 400) if that fails."""
        try:
            pairs = parse_qsl(encoded, keep_blank_values=True, errors="strict",
                              max_num_fields=100)
        except UnicodeDecodeError as exc:
            self._error(400, f"parameters are not UTF-8 (byte {exc.start} of a value)")
            return None
        except ValueError as exc:
            self._error(400, str(exc))
            return None
        fields: dict[str, list[str]] = {}
        for key, value in pairs:
            fields.setdefault(key, []).append(value)
        return fields

    def _too_large(self, size: int) -> None:
        self._error(413, f"query of {size} bytes is above the limit of "
                         f"{self.server.app.max_query_bytes} bytes")

    def _error(self, status: int, message: str,
               headers: Mapping[str, str] | None = None) -> None:
        line = " ".join(message.split())
        self._send(status, "text/plain; charset=utf-8",
                   f"trilat-kg: error: {line}\n".encode(), headers)

    def _send(self, status: int, content_type: str, body: bytes,
              headers: Mapping[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()  # status line, headers and body in one write when they fit
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True  # the client left; nothing to tell it


def _printable(text: str, limit: int = 200) -> str:
    """Text safe for one log line: no spaces or control characters, bounded in length."""
    out = "".join(c if c.isprintable() and not c.isspace() else f"%{ord(c):02X}"
                  for c in text[:limit])
    return out + ("..." if len(text) > limit else "")


def _wanted_formats(fields: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The non-empty values of the format parameters (``format``, then ``output``, then
    ``results``), in that order; empty values (SPARQLWrapper sends some) ask for nothing."""
    return tuple(value for name in FORMAT_PARAMETERS for value in fields.get(name, ())
                 if value.strip())


@functools.lru_cache(maxsize=128)
def _read_only_refusal(text: str) -> str | None:
    """Why the query text is refused (:func:`trilat_kg.sparql.check_read_only`), or None.

    Remembered for the last texts seen: clients send the same text again and again, and
    tokenising it is a large part of what a cheap query costs the server's one Python
    process.
    """
    from .sparql import check_read_only

    try:
        check_read_only(text, "query")
    except UsageError as exc:
        return str(exc)
    return None


#: SPARQL functions whose value changes from one evaluation to the next.
_VOLATILE = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def _repeatable(text: str) -> bool:
    """True if the query gives the same answer every time on the same data: none of
    ``NOW()``, ``RAND()``, ``UUID()``, ``STRUUID()``, ``BNODE()`` (a mention inside a string
    or comment counts too, which only costs a cache miss)."""
    return _VOLATILE.search(text) is None


class _AnswerCache:
    """Canned-query answers already serialised, kept while the server runs.

    The dataset cannot change while the server runs (the store is read-only and loaded once),
    so the answer to one canned query with the same parameters, ``Accept`` header and format
    parameters is the same every time: it is served again, byte for byte, without a worker.
    Least recently used answers go first once ``max_bytes`` of bodies are held; a body
    above an eighth of that is not kept.
    """

    def __init__(self, max_bytes: int) -> None:
        from collections import OrderedDict

        self.max_bytes = max_bytes
        self._bytes = 0
        self._items: OrderedDict[tuple[Any, ...], tuple[Any, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, key: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._lock:
            reply = self._items.get(key)
            if reply is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return reply

    def put(self, key: tuple[Any, ...], reply: tuple[Any, ...]) -> None:
        size = len(reply[2]) + sum(len(str(part)) for part in key)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = reply
            self._bytes += size
            while self._bytes > self.max_bytes:
                old_key, old = self._items.popitem(last=False)
                self._bytes -= len(old[2]) + sum(len(str(part)) for part in old_key)


def _plain_term(variable: str, term: Any) -> tuple[str, ...]:
    """A bound parameter as plain strings, for the pipe to a worker."""
    from .results import IRI

    if isinstance(term, IRI):
        return (variable, "iri", term.value, "", "")
    return (variable, "literal", term.value, term.datatype, term.language or "")


# --------------------------------------------------------------------------- the server


class SparqlServer:
    """The endpoint: a listening socket, its request threads and the query workers.

    The socket is bound first, so a port in use fails at once (LocalIOError, exit 4),
    before any worker loads the data. ``port=0`` picks a free port (see :attr:`url`).
    ``client_timeout`` (default: ``timeout``) bounds each socket read of a slow client.
    ``workers`` worker processes are kept for cheap queries and ``slow_lane`` more for
    queries still running after ``slow_after`` seconds (see :class:`_Pool`); canned-query
    answers are kept up to ``cache_bytes`` (0: none) and served again.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        *,
        extra: Sequence[Path | str] = (),
        timeout: float = DEFAULT_TIMEOUT,
        max_rows: int = DEFAULT_MAX_ROWS,
        max_query_bytes: int = DEFAULT_MAX_QUERY_BYTES,
        workers: int = DEFAULT_WORKERS,
        slow_lane: int = DEFAULT_SLOW_LANE,
        slow_after: float = DEFAULT_SLOW_AFTER,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB,
        client_timeout: float | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.timeout = timeout
        self.slow_lane = slow_lane
        self.slow_after = slow_after
        self.answers = _AnswerCache(cache_bytes)
        self._canned: dict[str, Any] = {}
        self.max_rows = max_rows
        self.max_query_bytes = max_query_bytes
        self.client_timeout = client_timeout if client_timeout is not None else timeout
        self.log = log or _stderr
        self.loopback = is_loopback(host)
        self._help: str | None = None
        self._home: bytes | None = None
        self._httpd = _bind(host, port)
        self._httpd.app = self
        try:  # a worker's load error (a bad --data file) is raised here
            self.pool = _Pool(workers, extra, max_memory_mb, self.log, slow_lane=slow_lane,
                              slow_after=slow_after)
        except BaseException:
            self._httpd.server_close()
            raise

    @property
    def url(self) -> str:
        """The endpoint URL, e.g. ``http://127.0.0.1:7879/sparql``."""
        host, port = self._httpd.server_address[:2]
        host = str(host)
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/sparql"

    def canned_query(self, name: str) -> Any:
        """The canned query ``name`` (read once; UsageError for an unknown name)."""
        query = self._canned.get(name)
        if query is None:
            from .queries import get_query

            query = self._canned[name] = get_query(name)
        return query

    def help_text(self) -> str:
        """The plain-text page at ``/``: the endpoint, what it refuses, the canned queries."""
        if self._help is None:
            from .queries import catalogue

            lines = [
                "trilat-kg: a read-only SPARQL 1.1 endpoint over the trilat-kg dataset",
                "",
                f"  GET  {self.url}?query=...",
                f"  POST {self.url}   (application/sparql-query, or form field query=)",
                "  GET  /queries/<name>?param=value   a canned query (below)",
                "  GET  /id/<kind>/<name>, /ontology   a resource: HTML for a browser, Turtle "
                "(default), JSON-LD, N-Triples or RDF/XML (Accept or format=)",
                "",
                "The default graph is the RDF merge of the named graphs; GRAPH ?g sees each.",
                "SELECT/ASK: application/sparql-results+json (default), "
                "application/sparql-results+xml, text/csv, text/tab-separated-values.",
                "CONSTRUCT/DESCRIBE: application/n-triples (default), text/turtle, "
                "application/ld+json, application/rdf+xml.",
                "Chosen by Accept, or by format= (also output=, results=): json, xml, csv, "
                "tsv; nt, ttl, jsonld, rdfxml; or a media type. Anything else is 406.",
                "Refused with 400: updates, SERVICE, FROM / FROM NAMED, LOAD.",
                f"Each query has {self.timeout:g} s (then 503); answers are cut to "
                f"{self.max_rows} rows (header {TRUNCATED_HEADER}); queries above "
                f"{self.max_query_bytes} bytes get 413.",
                f"A query still running after {self.slow_after:g} s moves to the slow lane "
                f"({self.slow_lane} at a time; one more is stopped, 503) so that short "
                "queries keep their pace.",
                "",
                "Canned queries:",
            ]
            for query in catalogue():
                if query.network:
                    continue
                params = ", ".join(
                    f"{p.name}={p.type_label}"
                    + (f" (default {query.defaults[p.name]})" if p.name in query.defaults
                       else "" if p.required else " (optional)")
                    for p in query.params)
                lines.append(f"  /queries/{query.slug}" + (f"?{params}" if params else ""))
                lines.append(f"      {query.summary}")
            self._help = "\n".join(lines) + "\n"
        return self._help

    def home_page(self) -> bytes:
        """The HTML page at ``/`` for a browser: the SPARQL editor with the canned queries as
        its examples, and each canned query as a form (:func:`trilat_kg.web.home_page`)."""
        if self._home is None:
            from .queries import bind, bind_values, catalogue
            from .web import home_page

            queries = [q for q in catalogue() if not q.network]
            examples = []
            for query in queries:
                try:  # the editor shows the query with its default values filled in
                    text = bind_values(query.text, bind(query, {}))
                except UsageError:  # a required parameter without a default stays a variable
                    text = query.text
                text = "\n".join(line for line in text.splitlines()  # not the grlc header
                                 if not line.startswith("#+")).lstrip("\n")
                examples.append({"slug": query.slug, "summary": query.summary, "text": text})
            help_lines = self.help_text().splitlines()
            self._home = home_page(queries, examples, help_lines=help_lines).encode()
        return self._home

    def serve_forever(self) -> None:
        """Answer requests until :meth:`shutdown` (from another thread) or Ctrl-C."""
        self._httpd.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` running in another thread."""
        self._httpd.shutdown()

    def close(self) -> None:
        """Close the socket and kill the workers (queries in flight are abandoned)."""
        self._httpd.server_close()
        self.pool.close()


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _bind(host: str, port: int) -> _HTTPServer:
    """Bind the listening socket; a port in use or an unusable address is LocalIOError."""
    cls = _HTTPServer
    if ":" in host.strip("[]"):
        cls = type("_HTTPServer6", (_HTTPServer,), {"address_family": socket.AF_INET6})
    try:
        return cls((host.strip("[]"), port), _Handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise LocalIOError(f"port {port} in use") from exc
        if exc.errno == errno.EACCES:
            raise LocalIOError(f"port {port}: permission denied") from exc
        reason = exc.strerror or str(exc)
        raise LocalIOError(f"cannot listen on {host}:{port}: {reason}") from exc


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    extra: Sequence[Path | str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_query_bytes: int = DEFAULT_MAX_QUERY_BYTES,
    log: Callable[[str], None] | None = None,
) -> None:
    """Serve the dataset (merged with ``extra``) until interrupted; the CLI's ``serve``.

    Ctrl-C raises KeyboardInterrupt after the socket is closed and the workers are gone,
    so the CLI exits 130 with nothing left behind.
    """
    log = log or _stderr
    warning = bind_warning(host)
    if warning:
        log(warning)
    server = SparqlServer(host, port, extra=extra, timeout=timeout, max_rows=max_rows,
                          max_query_bytes=max_query_bytes, log=log)
    try:
        log(f"trilat-kg: serving {server.url} (read-only; help at "
            f"{server.url[:-len('sparql')]}; Ctrl-C to stop)")
        server.serve_forever()
    finally:
        server.close()
