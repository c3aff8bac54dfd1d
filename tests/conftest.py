"""Shared pytest fixtures: the repository's folders and its parsed ontology.

Kept minimal and side-effect free (no network, nothing written): other test modules may
add fixtures here.
"""

from __future__ import annotations

import http.server
import os
import re
import threading
from pathlib import Path

import pytest
from rdflib import Graph

from trilat_kg.resources import data_root, ontology_files


def pytest_configure(config: pytest.Config) -> None:
    """Give SIGINT its default meaning in the test process, and so in the CLI processes the
    tests start: a shell without job control starts a background command with SIGINT
    ignored, which children inherit, and the CLI rightly leaves an ignored SIGINT ignored;
    the tests that interrupt a command would then wait in vain."""
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """How many processes ``-n auto`` (pyproject's addopts) runs the tests in.

    The README's lane (``-m 'not slow'``): one per core, up to 4 (with one core, none).
    Any run that selects the slow tests (``-m slow``: the real engines and clients, which
    want the machine to themselves and in places a fixed port such as the README's 7879,
    and the wheel build) runs in this process, one test after another.
    PYTEST_XDIST_AUTO_NUM_WORKERS overrides both.
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist reads it
    markexpr = (config.getoption("markexpr", "") or "").strip()
    if re.search(r"\bslow\b", markexpr) and markexpr != "not slow":
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return min(cores, 4) if cores > 1 else 0


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The folder holding ontology/, data/, shapes/ and queries/."""
    return data_root()


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    """The ontology and its controlled vocabularies, parsed once per session.

    Tests must not modify it: copy it (``graph + other``) before adding triples.
    """
    graph = Graph()
    for path in ontology_files():
        graph.parse(path, format="turtle")
    return graph


# ---------------------------------------------------------------- a real Oxigraph server
# Shared by the remote tests (test_params, test_remote, test_push, test_links). The server
# binary comes with the ``oxigraph`` package on PyPI; it listens on 127.0.0.1 only, on a
# free port, and every server started here is stopped at the end of the session.


def free_port() -> int:
    """A port nobody listens on right now (bound, read and released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _oxigraph_binary() -> str | None:
    import shutil
    import sys

    return shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or \
        shutil.which("oxigraph")


@pytest.fixture(scope="session")
def oxigraph_binary() -> str:
    """Path of the ``oxigraph`` server program; the test is skipped when it is missing."""
    binary = _oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server (pip install oxigraph) is not installed")
    return binary


@pytest.fixture(scope="session")
def oxigraph_server(oxigraph_binary: str):  # type: ignore[no-untyped-def]
    """A factory: ``oxigraph_server(location=None, read_only=False, union=True)`` -> base URL.

    With ``union`` the server's default graph is the union of its named graphs
    (``--union-default-graph``); without it, the stock setting, the default graph is the
    unnamed graph only (which the N-Quads export fills with the merge). With
    no ``location`` the store is in memory and writable (load it over the Graph Store
    Protocol at ``<base>/store``); queries go to ``<base>/query``.
    """
    import subprocess
    import time
    import urllib.error
    import urllib.request

    binary = oxigraph_binary
    processes: list[subprocess.Popen[bytes]] = []

    def start(location: Path | None = None, read_only: bool = False, union: bool = True) -> str:
        port = free_port()
        command = [binary, "serve-read-only" if read_only else "serve",
                   "--bind", f"127.0.0.1:{port}"]
        if union:
            command.append("--union-default-graph")
        if location is not None:
            command += ["--location", str(location)]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        processes.append(proc)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):  # wait until it answers (bounded; not a timed assertion)
            if proc.poll() is not None:
                pytest.fail(f"oxigraph exited: {proc.stderr.read()!r}")  # type: ignore[union-attr]
            try:
                urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1).read()
                return base
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        pytest.fail("oxigraph did not answer within 30 s")

    yield start
    for proc in processes:
        proc.terminate()
    for proc in processes:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()


@pytest.fixture(scope="session")
def dataset_endpoint(oxigraph_server) -> str:  # type: ignore[no-untyped-def]
    """The query URL of a writable Oxigraph server holding the dataset, loaded by ``push``."""
    from trilat_kg.push import push

    endpoint = oxigraph_server() + "/query"
    push(endpoint, timeout=60)
    return endpoint


@pytest.fixture(scope="module")
def sparql_parsed_once():  # type: ignore[no-untyped-def]
    """Within the module, rdflib parses and translates each SPARQL text once.

    pySHACL hands rdflib the text of a SPARQL constraint once per focus node, and rdflib
    parses it anew each time: most of the time of validating a fixture with pySHACL. The
    translation kept is what rdflib's own ``prepareQuery`` makes, evaluated as rdflib
    evaluates any prepared query, with each run's bindings. The key holds all the
    translation reads: the text, the base, the namespaces and rdflib's literal normalisation
    (which pySHACL switches on and off).
    """
    import rdflib
    from rdflib.plugins.sparql import processor

    prepared: dict[tuple[object, ...], object] = {}
    original = processor.SPARQLProcessor.query

    def query(self, text, bindings=None, namespaces=None, base=None, debug=False):  # type: ignore[no-untyped-def]
        if isinstance(text, str):
            names = tuple(sorted((str(k), str(v)) for k, v in (namespaces or {}).items()))
            key = (text, base, names, rdflib.NORMALIZE_LITERALS)
            if key not in prepared:
                prepared[key] = processor.translateQuery(processor.parseQuery(text), base,
                                                         namespaces)
            text = prepared[key]
        return original(self, text, bindings, namespaces, base, debug)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(processor.SPARQLProcessor, "query", query)
        yield


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries of a remote request pause 10 ms, not 0.5 s doubled after each attempt.

    For tests that count the attempts or read the final message: the pauses only make
    them wait. ``test_500_is_retried_with_backoff_then_exit_3`` keeps the real back-off.
    """
    import trilat_kg.remote

    monkeypatch.setattr(trilat_kg.remote, "BACKOFF", 0.01)


_LOOPBACK_ONLY = {"on": False}
_LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}


def _loopback_hook(event: str, args: tuple[object, ...]) -> None:
    if not _LOOPBACK_ONLY["on"]:
        return
    host: object = None
    if event == "socket.connect" and isinstance(args[1], tuple):
        host = args[1][0]
    elif event == "socket.getaddrinfo":
        host = args[0]
    if host is not None and str(host) not in _LOOPBACK_HOSTS:
        raise RuntimeError(f"test tried to reach {host!r}: only 127.0.0.1 is allowed")


@pytest.fixture
def loopback_only():  # type: ignore[no-untyped-def]
    """Fail any Python-level connection (or name lookup) to a host other than 127.0.0.1.

    An audit hook cannot be removed, so it is installed once and switched on per test.
    """
    import sys

    if not getattr(_loopback_hook, "installed", False):
        sys.addaudithook(_loopback_hook)
        _loopback_hook.installed = True  # type: ignore[attr-defined]
    _LOOPBACK_ONLY["on"] = True
    yield
    _LOOPBACK_ONLY["on"] = False


class RequestLog:
    """A loopback HTTP server that answers 500 to everything and records each request.

    Tests that must prove nothing was fetched (an injected SERVICE, a refused FROM) point the
    would-be request here and assert ``requests`` stayed empty.
    """

    def __init__(self) -> None:
        log: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _log(self) -> None:  # pragma: no cover - only reached if a request got out
                log.append(f"{self.command} {self.path}")
                self.send_response(500)
                self.end_headers()

            do_GET = do_POST = _log

            def log_message(self, *args: object) -> None:
                pass

        self.requests = log
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def request_log():  # type: ignore[no-untyped-def]
    """A :class:`RequestLog` server for the module's tests."""
    log = RequestLog()
    yield log
    log.close()
