"""Remote endpoints: the same answers as the embedded graph, and every failure is exit 3.

The parity test runs every canned query on a real Oxigraph server loaded with the dataset
by ``trilat-kg push`` (see conftest.py). The failure tests (reference/bad-inputs.md rows
16-22) use a loopback fake endpoint with one route per fault; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
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


#: Hostile 200 answers labelled SPARQL JSON: each must be exit 3 with one line.
HOSTILE = {
    "/deep-array": b"[" * 200_000,
    "/deep-object": b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": '
                    + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}]}}",
    "/bindings-not-list": b'{"head": {"vars": ["x"]}, "results": {"bindings": {"x": 1}}}',
    "/vars-not-names": b'{"head": {"vars": [1, 2]}, "results": {"bindings": []}}',
    "/datatype-number": json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
        {"x": {"type": "literal", "value": "1", "datatype": 5}}]}}).encode(),
    "/lang-list": json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
        {"x": {"type": "literal", "value": "1", "xml:lang": ["en"]}}]}}).encode(),
    "/boolean-string": b'{"head": {}, "boolean": "true"}',
    "/top-level-list": b'[{"head": {"vars": ["x"]}}]',
    "/not-utf8": b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": '
                 b'"literal", "value": "' + bytes([0xFF, 0xFE]) + b'"}}]}}',
    "/huge-integer": b'{"head": {"vars": ["x"]}, "results": {"bindings": []}, "n": '
                     + b"9" * 100_000 + b"}",
}


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
    #: (route, method, body length, Content-Type, Accept-Encoding) of every request
    requests: ClassVar[list[tuple[str, str, int, str, str]]] = []
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

    def do_PUT(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        route = self.path.split("?")[0]
        type(self).hits[route] += 1
        type(self).requests.append((route, self.command, len(body),
                                    self.headers.get("Content-Type", ""),
                                    self.headers.get("Accept-Encoding", "")))
        count = type(self).hits[route]
        if route == "/ok":
            self._reply(200, GOOD)
        elif route in ("/see-other", "/see-other-away", "/temporary", "/permanent"):
            status = {"/see-other": 303, "/see-other-away": 303, "/temporary": 307,
                      "/permanent": 308}[route]
            here = f"http://127.0.0.1:{self.other_port}" if route.endswith("away") else ""
            target = here + ("/only-get" if status == 303 else "/only-post")
            self._reply(status, b"", "text/plain", {"Location": target})
        elif route == "/only-get":  # where a 303 points: the result, fetched with GET
            ok = self.command == "GET" and not body
            self._reply(200, GOOD) if ok else self._reply(405, b"GET only", "text/plain")
        elif route == "/only-post":  # where a 307/308 points: the same request again
            ok = self.command == "POST" and body.startswith(b"query=")
            self._reply(200, GOOD) if ok else self._reply(405, b"POST only", "text/plain")
        elif route == "/maxrows-reached":  # Virtuoso: the answer has ResultSetMaxRows rows
            self._reply(200, GOOD, extra={"X-SPARQL-MaxRows": "1"})
        elif route == "/maxrows-not-reached":
            self._reply(200, GOOD, extra={"X-SPARQL-MaxRows": "10000"})
        elif route == "/truncated":  # trilat-kg serve --max-rows
            self._reply(200, GOOD, extra={"Trilat-Kg-Truncated": "1"})
        elif route == "/206-anytime":  # Virtuoso's "anytime query" partial answer
            self._reply(206, GOOD, extra={
                "X-SQL-State": "S1TAT",
                "X-SQL-Message": "RC...: Returning incomplete results, query interrupted by "
                                 "result timeout.  Activity: 1R rnd 0R seq 0P disk"})
        elif route in ("/javascript", "/text-javascript"):
            ctype = "application/javascript" if route == "/javascript" else "text/javascript"
            self._reply(200, GOOD, f"{ctype}; charset=UTF-8")
        elif route == "/gzip":
            self._reply(200, gzip.compress(GOOD), extra={"Content-Encoding": "gzip"})
        elif route == "/gzip-500":
            self._reply(500, gzip.compress(b"store trouble"), "text/plain",
                        {"Content-Encoding": "gzip"})
        elif route in HOSTILE:
            self._reply(200, HOSTILE[route])
        elif route in ("/many-headers", "/long-header"):
            # the client hangs up halfway through the headers: write what it takes, then go
            self.close_connection = True
            junk = {f"X-Junk-{i}": "x" for i in range(200)} if route == "/many-headers" \
                else {"X-Junk": "x" * 100_000}
            with contextlib.suppress(OSError):
                self._reply(200, GOOD, extra=junk)
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
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
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


@pytest.mark.usefixtures("quick_backoff")
def test_500_then_success_is_a_success(fake: str) -> None:
    _Fake.hits.clear()
    assert sparql_select(fake + "/500-then-ok", "SELECT ?x {}").rows
    assert _Fake.hits["/500-then-ok"] == 2


@pytest.mark.usefixtures("quick_backoff")
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
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    try:
        sparql_select(f"http://127.0.0.1:{server.server_address[1]}/", "SELECT ?x {}")
    finally:
        server.shutdown()
        server.server_close()
    assert len(seen) == 1 and seen[0].startswith("trilat-kg/")
    assert "https://w3id.org/trilat-kg/" in seen[0]



# ---------------------------------------------------------------- redirects by status


def test_303_after_post_is_followed_with_get(fake: str) -> None:
    _Fake.requests.clear()
    assert sparql_select(fake + "/see-other", "SELECT ?x {}").rows
    assert [r[:2] for r in _Fake.requests] == [("/see-other", "POST"), ("/only-get", "GET")]
    assert _Fake.requests[0][2] > 0 and _Fake.requests[1][2] == 0, "the GET has no body"
    assert _Fake.requests[1][3] == "", "no Content-Type on the GET: it has no body"


def test_303_after_put_is_followed_with_get(fake: str) -> None:
    _Fake.requests.clear()
    response = http_request("PUT", fake + "/see-other", body=b"<a:b> <a:c> <a:d> .\n",
                            headers={"Content-Type": "text/turtle"})
    assert response.status == 200
    assert [r[1] for r in _Fake.requests] == ["PUT", "GET"]


@pytest.mark.parametrize("route", ["/temporary", "/permanent"])
def test_307_and_308_keep_the_method_and_the_body(fake: str, route: str) -> None:
    _Fake.requests.clear()
    assert sparql_select(fake + route, "SELECT ?x {}").rows
    (_, first, sent, ctype, _), (target, second, again, ctype2, _) = _Fake.requests
    assert (target, first, second) == ("/only-post", "POST", "POST")
    assert sent == again > 0 and ctype == ctype2 == "application/x-www-form-urlencoded"


def test_303_to_another_origin_is_refused(fake: str) -> None:
    _Fake.hits.clear()
    message = _fails(fake + "/see-other-away", "--timeout", "5")
    assert f"HTTP 303 redirect to http://127.0.0.1:{_Fake.other_port}/only-get refused" \
        in message
    assert _Fake.hits["/only-get"] == 0


# ---------------------------------------------------------------- cut answers


@pytest.fixture(scope="module")
def capped_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``trilat-kg serve --max-rows 5`` on 127.0.0.1 (a free port); stopped by Ctrl-C."""
    log = tmp_path_factory.mktemp("capped") / "serve.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "trilat_kg.cli", "serve", "--port", "0",
                                 "--max-rows", "5"], stdout=subprocess.DEVNULL, stderr=err)
    try:
        url = _served_url(proc, log)
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover
                proc.kill()
                proc.wait()


def _served_url(proc: subprocess.Popen[bytes], log: Path) -> str:
    for _ in range(600):  # until it logs its URL (bounded: 60 s; not a timed assertion)
        first = log.read_text(encoding="utf-8").partition("\n")
        if first[1]:
            assert first[0].startswith("trilat-kg: serving http://127.0.0.1:"), first[0]
            return first[0].split()[2]
        if proc.poll() is not None:
            pytest.fail(f"trilat-kg serve exited: {log.read_text(encoding='utf-8')}")
        time.sleep(0.1)
    pytest.fail("trilat-kg serve did not start within 60 s")


def test_answer_cut_by_serve_max_rows_is_exit_3(capped_serve: str) -> None:
    """7 states, a server that sends 5: exit 3 naming the header and the cap, nothing printed."""
    assert len(run_query("state-identifier-crosswalk").rows) == 7
    message = _fails(capped_serve, "--timeout", "30")
    assert message == (f"trilat-kg: error: {capped_serve}: HTTP 200: the server cut the answer "
                       "to 5 rows (header Trilat-Kg-Truncated: 5); the partial answer is not "
                       "shown: narrow the query or raise the server's row cap\n")
    with pytest.raises(RemoteError, match="Trilat-Kg-Truncated: 5"):
        run_query("state-identifier-crosswalk", endpoint=capped_serve, timeout=30)


def test_answer_of_exactly_the_cap_is_whole(capped_serve: str) -> None:
    result = run("query", "state-identifier-crosswalk", "--endpoint", capped_serve,
                 "--limit", "5", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 1 + 5


def test_virtuoso_row_cap_reached_is_exit_3(fake: str) -> None:
    message = _fails(fake + "/maxrows-reached", "--timeout", "5")
    assert "the server cut the answer to 1 rows (header X-SPARQL-MaxRows: 1)" in message


def test_virtuoso_row_cap_not_reached_is_whole(fake: str) -> None:
    assert len(sparql_select(fake + "/maxrows-not-reached", "SELECT ?x {}").rows) == 1


def test_truncated_header_of_any_server_is_exit_3(fake: str) -> None:
    message = _fails(fake + "/truncated", "--timeout", "5")
    assert "(header Trilat-Kg-Truncated: 1)" in message


def test_206_names_virtuosos_reason(fake: str) -> None:
    message = _fails(fake + "/206-anytime", "--timeout", "5")
    assert f"{fake}/206-anytime: HTTP 206 Partial Content: the server sent part of the answer" \
        in message
    assert "X-SQL-Message: RC...: Returning incomplete results, query interrupted by result " \
        "timeout. Activity" in message


# ---------------------------------------------------------------- media types, encodings


@pytest.mark.parametrize("route", ["/javascript", "/text-javascript"])
def test_sparql_json_labelled_javascript_is_accepted(fake: str, route: str) -> None:
    result = run("query", "state-identifier-crosswalk", "--endpoint", fake + route,
                 "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "x\n1\n"


def test_requests_ask_for_identity_encoding(fake: str) -> None:
    _Fake.requests.clear()
    sparql_select(fake + "/ok", "SELECT ?x {}")
    assert _Fake.requests[0][4] == "identity"


def test_unrequested_gzip_is_refused_naming_it(fake: str) -> None:
    message = _fails(fake + "/gzip", "--timeout", "5")
    assert message == (f"trilat-kg: error: {fake}/gzip: HTTP 200: answer sent with "
                       "Content-Encoding gzip, which the request did not accept (it asked for "
                       "Accept-Encoding: identity only); refused\n")
    assert "UTF-8" not in message


@pytest.mark.usefixtures("quick_backoff")
def test_gzip_error_body_is_not_shown_as_text(fake: str) -> None:
    message = _fails(fake + "/gzip-500", "--timeout", "3")
    assert f"{fake}/gzip-500: HTTP 500 Internal Server Error (EndPointInternalError): (a body " \
        "in Content-Encoding gzip) (3 attempts)" in message


# ---------------------------------------------------------------- hostile answers


@pytest.mark.parametrize("route", sorted(HOSTILE))
def test_hostile_json_is_one_line_exit_3(fake: str, route: str) -> None:
    message = _fails(fake + route, "--timeout", "10")
    assert f"{fake}{route}: HTTP 200: endpoint returned invalid SPARQL JSON (" in message
    assert len(message) < 400


@pytest.mark.parametrize(("route", "words"), [
    ("/many-headers", "got more than 100 headers"),
    ("/long-header", "got more than 65536 bytes when reading header line")])
def test_hostile_headers_are_one_line_exit_3(fake: str, route: str, words: str) -> None:
    _Fake.hits.clear()
    message = _fails(fake + route, "--timeout", "10")
    assert message == f"trilat-kg: error: {fake}{route}: malformed HTTP answer ({words})\n"
    assert _Fake.hits[route] == 1, "a malformed answer is not retried"


def test_the_loopback_guard_is_on() -> None:
    """The tests of this module could not reach the network even by mistake."""
    with pytest.raises(RuntimeError, match=r"only 127\.0\.0\.1 is allowed"):
        sparql_select("http://192.0.2.1/sparql", "ASK {}", timeout=2)  # TEST-NET-1
