"""Remote endpoints: the same answers as the embedded graph, and every failure is exit 3.

The parity test runs every canned query on a real Oxigraph server loaded with the dataset
by ``trilat-kg push`` (see conftest.py). The failure tests (reference/bad-inputs.md rows
16-22) use a loopback fake endpoint with one route per fault; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import ClassVar

import pytest
from click.testing import CliRunner

from trilat_kg.cli import cli
from trilat_kg.errors import RemoteError, UsageError
from trilat_kg.queries import catalogue, get_query, run_query
from trilat_kg.remote import http_request, sparql_select
from trilat_kg.resources import data_root
from trilat_kg.store import load_store

#: No request leaves 127.0.0.1 (an audit hook in conftest.py fails the test).
pytestmark = pytest.mark.usefixtures("loopback_only")
QUERY_FILES = sorted((data_root() / "queries").glob("*.rq"))
GOOD = json.dumps({"head": {"vars": ["x"]},
                   "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}}).encode()
JSON_TYPE = "application/sparql-results+json"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


# ---------------------------------------------------------------- parity with a real server


@pytest.fixture(scope="module")
def local_store():  # type: ignore[no-untyped-def]
    return load_store()


def test_every_canned_query_gives_the_same_answer_remotely(dataset_endpoint: str,
                                                           local_store) -> None:  # type: ignore[no-untyped-def]
    assert QUERY_FILES, "no queries/*.rq: the parity test would prove nothing"
    queries = [q for q in catalogue() if not q.network]
    assert queries
    assert {q.slug for q in queries} | {q.slug for q in catalogue() if q.network} == \
        {p.stem for p in QUERY_FILES}
    for query in queries:
        remote = run_query(query, endpoint=dataset_endpoint, timeout=30)
        local = run_query(query, store=local_store)
        assert remote.variables == local.variables, query.slug
        assert [[None if t is None else str(t) for t in row] for row in remote.rows] == \
            [[None if t is None else str(t) for t in row] for row in local.rows], query.slug
        assert remote == local, query.slug  # datatypes and languages too


def test_cli_query_endpoint_equals_embedded(dataset_endpoint: str) -> None:
    for name in ("state-identifier-crosswalk", "find-by-label"):
        remote = run("query", name, "--endpoint", dataset_endpoint, "--format", "csv")
        local = run("query", name, "--format", "csv")
        assert remote.exit_code == 0, remote.stderr
        assert remote.stdout == local.stdout
        assert remote.stdout.count("\n") > 1


def test_remote_ask_and_limit(dataset_endpoint: str) -> None:
    assert sparql_select(dataset_endpoint, "ASK { ?s ?p ?o }").boolean is True
    result = run_query("state-identifier-crosswalk", endpoint=dataset_endpoint, limit=2)
    assert len(result.rows) == 2


# ---------------------------------------------------------------- federated queries


def test_network_queries_are_marked_and_federated() -> None:
    network = [q for q in catalogue() if q.network]
    assert len(network) >= 2
    for query in network:
        assert query.services == ("https://query.wikidata.org/sparql",), query.slug
        assert "wikidata" in query.tags
    offline = [q for q in catalogue() if not q.network]
    assert offline and all(not q.services for q in offline)


def test_query_refuses_service_without_the_flag() -> None:
    for query in (q for q in catalogue() if q.network):
        result = run("query", query.slug)
        assert result.exit_code == 2, result.stderr
        assert "--allow-service" in result.stderr
        assert "https://query.wikidata.org/sparql" in result.stderr
        with pytest.raises(UsageError, match="--allow-service"):
            run_query(query.slug)


def test_queries_listing_marks_network_queries() -> None:
    listing = json.loads(run("queries", "--format", "json").stdout)
    marked = {q["name"] for q in listing if q["network"]}
    assert marked == {q.slug for q in catalogue() if q.network}
    assert "needs the network" in run("queries").stdout


def test_allow_service_runs_the_federation_locally(monkeypatch: pytest.MonkeyPatch,
                                                  fake: str) -> None:
    """With --allow-service the SERVICE call is made, here to a loopback stand-in."""
    query = get_query("wikidata-state-population")
    text = query.text.replace("https://query.wikidata.org/sparql", fake + "/population")
    path = query.path.parent / "x.rq"  # never written: the query object is rebuilt in memory
    from trilat_kg.queries import CannedQuery

    moved = CannedQuery(query.slug, query.summary, query.tags, query.params, query.defaults,
                        query.enumerate, text, path, query.extra)
    result = run_query(moved, allow_service=True, timeout=20)
    rows = {str(r[0]).rsplit("/", 1)[1]: str(r[3]) for r in result.rows}
    assert rows == {"japan": "125000000"}


# ---------------------------------------------------------------- failures (exit 3)


class _Fake(http.server.BaseHTTPRequestHandler):
    """One route per fault; ``hits`` counts the requests each route received."""

    hits: ClassVar[Counter[str]] = Counter()
    stop: ClassVar[threading.Event] = threading.Event()
    other_port: ClassVar[int] = 0
    protocol_version = "HTTP/1.1"

    def _reply(self, status: int, body: bytes, ctype: str = JSON_TYPE,
               extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        route = self.path.split("?")[0]
        type(self).hits[route] += 1
        count = type(self).hits[route]
        if route == "/ok":
            self._reply(200, GOOD)
        elif route == "/500":
            self._reply(500, b"internal trouble " + b"x" * 500, "text/plain")
        elif route == "/500-then-ok":
            self._reply(500, b"busy", "text/plain") if count == 1 else self._reply(200, GOOD)
        elif route == "/reset-then-ok":
            if count == 1:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"he")
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
            else:
                self._reply(200, GOOD)
        elif route in ("/400", "/401", "/403", "/404"):
            self._reply(int(route[1:]), b"no", "text/plain")
        elif route == "/206":
            self._reply(206, GOOD)
        elif route == "/html":
            self._reply(200, b"<html><body>Welcome</body></html>", "text/html")
        elif route == "/badjson":
            self._reply(200, b'{"head": {"vars": ["x"]}, "results": {"bind')
        elif route == "/wrongshape":
            self._reply(200, b'{"head": {}}')
        elif route == "/empty":
            self._reply(200, b"")
        elif route == "/json-as-text":
            self._reply(200, GOOD, "text/plain")
        elif route == "/slow":
            self.stop.wait(20)
        elif route == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", JSON_TYPE)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(100):  # bounded: 20 s at most, less when the client goes
                if self.stop.wait(0.2):
                    break
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    break
        elif route == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", JSON_TYPE)
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(800):  # 50 MB, unless the client stops reading
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.close_connection = True
        elif route == "/redirect-away":
            self._reply(302, b"", "text/plain",
                        {"Location": f"http://127.0.0.1:{self.other_port}/ok"})
        elif route == "/redirect-here":
            self._reply(307, b"", "text/plain", {"Location": "/ok"})
        elif route == "/redirect-loop":
            self._reply(302, b"", "text/plain", {"Location": "/redirect-loop"})
        elif route == "/population":
            # a stand-in for Wikidata in the federated query test
            body = {"head": {"vars": ["wikidata", "population"]}, "results": {"bindings": [
                {"wikidata": {"type": "uri", "value": "http://www.wikidata.org/entity/Q17"},
                 "population": {"type": "literal", "value": "125000000",
                                "datatype": "http://www.w3.org/2001/XMLSchema#decimal"}}]}}
            self._reply(200, json.dumps(body).encode())
        else:
            self._reply(404, b"no such route", "text/plain")

    def log_message(self, *args: object) -> None:
        pass


def _serve() -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    server.daemon_threads = True
    server.block_on_close = False
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def fake() -> Iterator[str]:
    other = _serve()  # the "other origin" a redirect points to
    server = _serve()
    _Fake.other_port = other.server_address[1]
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _Fake.stop.set()
    for s in (server, other):
        s.shutdown()
        s.server_close()


def _fails(url: str, *extra: str):  # type: ignore[no-untyped-def]
    result = run("query", "state-identifier-crosswalk", "--endpoint", url, *extra)
    assert result.exit_code == 3, (result.exit_code, result.stderr)
    assert result.stderr.startswith("trilat-kg: error: ")
    assert result.stderr.count("\n") == 1, "one line"
    assert result.stdout == ""
    return result.stderr


def test_refused_connection_names_the_endpoint() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    url = f"http://127.0.0.1:{port}/sparql"
    started = time.monotonic()
    message = _fails(url, "--timeout", "10")
    assert message.startswith(f"trilat-kg: error: cannot connect to {url}: ")
    assert time.monotonic() - started < 3, "a refused connection is not retried"


def test_500_is_retried_with_backoff_then_exit_3(fake: str) -> None:
    _Fake.hits.clear()
    message = _fails(fake + "/500", "--timeout", "10")
    assert f"{fake}/500: HTTP 500" in message
    assert "internal trouble" in message
    assert "x" * 200 not in message, "only the first 200 bytes of the body"
    assert "(3 attempts)" in message
    assert _Fake.hits["/500"] == 3


def test_500_then_success_is_a_success(fake: str) -> None:
    _Fake.hits.clear()
    assert sparql_select(fake + "/500-then-ok", "SELECT ?x {}").rows
    assert _Fake.hits["/500-then-ok"] == 2


def test_reset_mid_answer_is_retried(fake: str) -> None:
    _Fake.hits.clear()
    assert sparql_select(fake + "/reset-then-ok", "SELECT ?x {}", timeout=10).rows
    assert _Fake.hits["/reset-then-ok"] == 2


@pytest.mark.parametrize(("status", "words"), [
    ("400", "HTTP 400"), ("404", "HTTP 404"),
    ("401", "authentication failed (HTTP 401"), ("403", "authentication failed (HTTP 403"),
])
def test_4xx_is_not_retried(fake: str, status: str, words: str) -> None:
    _Fake.hits.clear()
    message = _fails(f"{fake}/{status}", "--timeout", "10")
    assert f"{fake}/{status}: {words}" in message
    assert _Fake.hits["/" + status] == 1


@pytest.mark.parametrize("route", ["/slow", "/drip"])
def test_total_deadline_beats_a_slow_or_dripping_server(fake: str, route: str) -> None:
    started = time.monotonic()
    message = _fails(fake + route, "--timeout", "1.5")
    elapsed = time.monotonic() - started
    assert f"{fake}{route}: timed out after 1.5 s" in message
    assert elapsed < 4, f"the total deadline was not kept ({elapsed:.1f} s)"


@pytest.mark.parametrize("route", ["/html", "/badjson", "/wrongshape", "/empty",
                                   "/json-as-text"])
def test_non_sparql_replies(fake: str, route: str) -> None:
    message = _fails(fake + route, "--timeout", "5")
    assert f"{fake}{route}: HTTP 200: endpoint returned invalid SPARQL JSON" in message


def test_206_partial_answer_is_an_error(fake: str) -> None:
    message = _fails(fake + "/206", "--timeout", "5")
    assert f"{fake}/206: HTTP 206" in message


def test_redirect_to_another_port_is_refused(fake: str) -> None:
    _Fake.hits.clear()
    message = _fails(fake + "/redirect-away", "--timeout", "5")
    target = f"http://127.0.0.1:{_Fake.other_port}/ok"
    assert f"HTTP 302 redirect to {target} refused" in message
    assert _Fake.hits["/ok"] == 0, "the other origin received nothing"


def test_same_origin_redirect_is_followed_a_few_times(fake: str) -> None:
    assert sparql_select(fake + "/redirect-here", "SELECT ?x {}").rows
    with pytest.raises(RemoteError, match="more than 3 redirects"):
        sparql_select(fake + "/redirect-loop", "SELECT ?x {}")


def test_huge_answer_is_capped(fake: str) -> None:
    started = time.monotonic()
    with pytest.raises(RemoteError, match=r"/huge: HTTP 200: answer larger than 1048576 bytes"):
        sparql_select(fake + "/huge", "SELECT ?x {}", max_bytes=1 << 20, timeout=20)
    assert time.monotonic() - started < 10


def test_put_is_not_retried_when_not_idempotent(fake: str) -> None:
    _Fake.hits.clear()
    with pytest.raises(RemoteError, match="HTTP 500"):
        http_request("POST", fake + "/500", body=b"x", idempotent=False, timeout=5)
    assert _Fake.hits["/500"] == 1


def test_bad_endpoint_url_is_a_usage_error() -> None:
    for url in ("ftp://127.0.0.1/x", "127.0.0.1:7878/query", "http://user:pw@127.0.0.1/q"):
        result = run("query", "state-identifier-crosswalk", "--endpoint", url)
        assert result.exit_code == 2, url
        assert "pw" not in result.stderr.replace("TRILAT_KG_PASSWORD", "")


def test_user_agent_names_the_tool(fake: str) -> None:
    seen: list[str] = []

    class Echo(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(self.headers.get("User-Agent", ""))
            self.send_response(200)
            self.send_header("Content-Type", JSON_TYPE)
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            self.wfile.write(GOOD)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sparql_select(f"http://127.0.0.1:{server.server_address[1]}/", "SELECT ?x {}")
    finally:
        server.shutdown()
        server.server_close()
    assert len(seen) == 1 and seen[0].startswith("trilat-kg/")
    assert "https://w3id.org/trilat-kg/" in seen[0]



def test_the_loopback_guard_is_on() -> None:
    """The tests of this module could not reach the network even by mistake."""
    with pytest.raises(RuntimeError, match=r"only 127\.0\.0\.1 is allowed"):
        sparql_select("http://192.0.2.1/sparql", "ASK {}", timeout=2)  # TEST-NET-1
