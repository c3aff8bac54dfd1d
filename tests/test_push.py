"""``trilat-kg push``: Graph Store PUTs, verified counts, retries, credentials (bad-inputs 30-32).

Idempotence is tested on a real Oxigraph server; the faults (a 500 that passes, a 500 that
stays, a socket closed mid-upload, 401, two pushes at once) on a loopback fake Graph Store
that also answers the COUNT queries from what it stored. HOME points at ``tmp_path`` so no
netrc file of the machine is read.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import json
import re
import secrets
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner
from rdflib import Graph

from trilat_kg.cli import cli
from trilat_kg.digest import DigestSession, parse_challenges
from trilat_kg.errors import RemoteError, UsageError
from trilat_kg.push import graph_store_url, push
from trilat_kg.queries import run_query
from trilat_kg.remote import http_request, sparql_select
from trilat_kg.resources import GRAPHS
from trilat_kg.store import load_store

#: No request leaves 127.0.0.1 (an audit hook in conftest.py fails the test).
pytestmark = pytest.mark.usefixtures("loopback_only")
PASSWORD = "s3cret-Pa55word!"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No credentials from the machine running the tests."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("NETRC", raising=False)
    monkeypatch.delenv("TRILAT_KG_USER", raising=False)
    monkeypatch.delenv("TRILAT_KG_PASSWORD", raising=False)
    return home


@cache
def local_counts() -> dict[str, int]:
    """Triples per named graph of the embedded store (computed once; do not modify)."""
    store = load_store()
    import pyoxigraph as ox

    return {iri: sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))
            for iri in GRAPHS.values()}


# ---------------------------------------------------------------- a real Oxigraph server


def test_push_twice_leaves_the_same_store(oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    endpoint = oxigraph_server() + "/query"
    expected = local_counts()
    first = push(endpoint)
    assert first == expected
    total = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    after_first = str(sparql_select(endpoint, total).rows[0][0])
    second = push(endpoint)
    assert second == first
    assert str(sparql_select(endpoint, total).rows[0][0]) == after_first
    assert int(after_first) == sum(expected.values())


def test_cli_push_with_graph_prefix(oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    endpoint = oxigraph_server() + "/query"
    prefix = "http://example.org/mirror/trilat/"
    result = CliRunner().invoke(cli, ["push", "--endpoint", endpoint, "--graph-prefix", prefix,
                                      "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = [line.split(",") for line in result.stdout.strip().splitlines()]
    assert rows[0] == ["graph", "triples"]
    counts = {g.replace("https://w3id.org/trilat-kg/graphs/", prefix): n
              for g, n in local_counts().items()}
    assert {g: int(n) for g, n in rows[1:]} == counts
    graphs = sparql_select(endpoint, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {str(r[0]) for r in graphs.rows} == set(counts)
    # a union default graph: nothing to warn about
    assert result.stderr == "trilat-kg: pushed and verified 4 graphs\n"


def test_push_with_extra_data_adds_the_user_graph(oxigraph_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mine = tmp_path / "mine.ttl"
    mine.write_text("<http://example.org/a> <http://example.org/b> _:c .\n"
                    "_:c <http://example.org/d> \"e\" .\n", encoding="utf-8")
    endpoint = oxigraph_server() + "/query"
    counts = push(endpoint, extra=[mine])
    assert counts["https://w3id.org/trilat-kg/graphs/user"] == 2
    assert push(endpoint, extra=[mine]) == counts  # blank nodes are not duplicated by a PUT


# ---------------------------------------------------------------- the store's default graph

STATES = ("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE "
          "{ ?s a <https://w3id.org/trilat-kg/ontology#State> }")


@pytest.fixture
def plain_oxigraph(oxigraph_binary: str) -> Iterator[str]:
    """A fresh in-memory Oxigraph *without* --union-default-graph: its default graph is a
    graph of its own, empty until something is put there. Returns the query endpoint."""
    import socket
    import subprocess
    import urllib.error
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([oxigraph_binary, "serve", "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # until it answers (bounded; not a timed assertion)
            if proc.poll() is not None:
                pytest.fail("oxigraph exited")
            try:
                with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                        base + "/query?query=ASK%7B%7D", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        yield base + "/query"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@cache
def local_default_size() -> int:
    import pyoxigraph as ox

    return sum(1 for _ in load_store().quads_for_pattern(None, None, None, ox.DefaultGraph()))


def test_push_warns_when_the_default_graph_is_not_the_union(plain_oxigraph: str) -> None:
    result = run_push("--endpoint", plain_oxigraph, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    warning, done = result.stderr.splitlines()
    assert warning == (
        f"trilat-kg: warning: {plain_oxigraph}: the store's default graph does not include the "
        "named graphs, so queries without GRAPH (every canned query) will answer empty; make "
        "the default graph their union (Oxigraph: serve --union-default-graph; Jena/Fuseki: "
        "tdb2:unionDefaultGraph true, or --set tdb:unionDefaultGraph=true) or push again with "
        "--default-graph to PUT their merge into the default graph")
    assert done == "trilat-kg: pushed and verified 4 graphs"
    # what the warning says is so: the counts are right, and a canned query finds nothing
    rows = [line.split(",") for line in result.stdout.strip().splitlines()[1:]]
    assert {g: int(n) for g, n in rows} == local_counts()
    assert str(sparql_select(plain_oxigraph, STATES).rows[0][0]) == "0"
    empty = CliRunner().invoke(cli, ["query", "state-identifier-crosswalk", "--endpoint",
                                     plain_oxigraph, "--format", "csv"])
    assert empty.exit_code == 0 and empty.stdout.count("\n") == 1  # the header only


def test_push_default_graph_puts_the_merge_into_it(plain_oxigraph: str) -> None:
    warnings: list[str] = []
    counts = push(plain_oxigraph, default_graph=True, warn=warnings.append)
    assert counts == local_counts()
    assert warnings == []
    assert str(sparql_select(plain_oxigraph, STATES).rows[0][0]) == "7"
    # the merge is a set: the triples two graphs share are there once, as in the embedded
    # store's default graph (6452 triples, not the 6459 of the four graphs added up)
    total = sparql_select(plain_oxigraph, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(str(total.rows[0][0])) == local_default_size() < sum(counts.values())
    for slug in ("state-identifier-crosswalk", "agreements-of-actor"):
        assert run_query(slug, endpoint=plain_oxigraph, timeout=30) == run_query(slug), slug
    assert push(plain_oxigraph, default_graph=True, warn=warnings.append) == counts
    assert int(str(sparql_select(plain_oxigraph, "SELECT (COUNT(*) AS ?n) WHERE "
                                 "{ ?s ?p ?o }").rows[0][0])) == local_default_size()
    assert warnings == []


def test_cli_push_default_graph_flag(plain_oxigraph: str) -> None:
    """The option the warning names exists, and a stock store then answers like the embedded."""
    warned = CliRunner().invoke(cli, ["push", "--endpoint", plain_oxigraph, "--format", "csv"])
    assert warned.exit_code == 0, warned.output
    assert "default graph" in warned.stderr and "--default-graph" in warned.stderr
    result = CliRunner().invoke(cli, ["push", "--endpoint", plain_oxigraph, "--default-graph",
                                      "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "--default-graph" not in result.stderr
    assert "pushed and verified" in result.stderr
    assert str(sparql_select(plain_oxigraph, STATES).rows[0][0]) == "7"


def test_push_to_a_union_store_gives_no_warning(oxigraph_server) -> None:  # type: ignore[no-untyped-def]
    warnings: list[str] = []
    endpoint = oxigraph_server() + "/query"
    assert push(endpoint, warn=warnings.append) == local_counts()
    assert warnings == []


# ---------------------------------------------------------------- the Graph Store URL


@pytest.mark.parametrize(("endpoint", "store"), [
    ("http://127.0.0.1:7878/query", "http://127.0.0.1:7878/store"),
    ("http://localhost:3030/trilat/sparql", "http://localhost:3030/trilat/data"),
    ("http://localhost:3030/trilat/query", "http://localhost:3030/trilat/data"),
    ("http://localhost:7200/repositories/trilat",
     "http://localhost:7200/repositories/trilat/rdf-graphs/service"),
    ("http://localhost:8890/sparql", "http://localhost:8890/sparql-graph-crud-auth"),
])
def test_graph_store_url_is_derived(endpoint: str, store: str) -> None:
    assert graph_store_url(endpoint) == store


def test_underivable_store_url_asks_for_store() -> None:
    with pytest.raises(UsageError, match="pass it with --store URL"):
        graph_store_url("http://localhost:9999/something/else/entirely")


# ---------------------------------------------------------------- a fake Graph Store


class _QuietServer(http.server.ThreadingHTTPServer):
    """A loopback test server that keeps a client's dropped connection off stderr.

    ``socketserver`` prints the traceback of a connection the client closed early (the CLI
    under test may do so by design) to ``sys.stderr``, which the CLI runner captures as the
    command's own output.
    """

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return None


class _Store(http.server.BaseHTTPRequestHandler):
    """``/<mode>/data?graph=IRI`` takes PUTs, ``/<mode>/query`` answers COUNT queries."""

    graphs: ClassVar[dict[str, int]] = {}
    puts: ClassVar[Counter[str]] = Counter()
    auth_seen: ClassVar[list[str]] = []
    asks: ClassVar[list[str]] = []
    #: (port, Authorization) of every query (COUNT, ASK) the store answered
    query_auth: ClassVar[list[tuple[int, str]]] = []
    in_flight: ClassVar[int] = 0
    max_in_flight: ClassVar[int] = 0
    lock = threading.Lock()
    protocol_version = "HTTP/1.1"

    def _reply(self, status: int, body: bytes, ctype: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        mode = parts.path.split("/")[1]
        graph = urllib.parse.parse_qs(parts.query)["graph"][0]
        cls = type(self)
        with cls.lock:
            cls.puts[mode] += 1
            count = cls.puts[mode]
            cls.auth_seen.append(self.headers.get("Authorization", ""))
        length = int(self.headers["Content-Length"])
        if mode == "cut":
            self.rfile.read(min(length, 100))
            self.close_connection = True
            self.connection.close()
            return
        body = self.rfile.read(length)
        if mode == "auth":
            echoed = f"denied for {self.headers.get('Authorization', '')} ({PASSWORD})"
            self._reply(401, echoed.encode())
            return
        if mode == "down" or (mode == "flaky" and count == 1):
            self._reply(500, b"store unavailable")
            return
        if mode == "slow":
            with cls.lock:
                cls.in_flight += 1
                cls.max_in_flight = max(cls.max_in_flight, cls.in_flight)
            time.sleep(0.05)
            with cls.lock:
                cls.in_flight -= 1
        with cls.lock:
            cls.graphs[graph] = sum(1 for line in body.splitlines() if line.strip())
        self._reply(204, b"")

    def do_POST(self) -> None:
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"]))
                                     .decode("utf-8"))
        query = form["query"][0]
        type(self).query_auth.append((self.server.server_address[1],
                                      self.headers.get("Authorization", "")))
        if query.startswith("ASK"):  # the default-graph probe: this store is a union store
            type(self).asks.append(query)
            self._reply(200, json.dumps({"head": {}, "boolean": True}).encode(),
                        "application/sparql-results+json")
            return
        match = re.search(r"GRAPH <([^>]*)>", query)
        assert match is not None
        count = type(self).graphs.get(match[1], 0)
        body = {"head": {"vars": ["n"]}, "results": {"bindings": [
            {"n": {"type": "literal", "value": str(count), "datatype": XSD_INTEGER}}]}}
        self._reply(200, json.dumps(body).encode(), "application/sparql-results+json")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_store() -> Iterator[str]:
    _Store.graphs.clear()
    _Store.puts.clear()
    _Store.auth_seen.clear()
    _Store.asks.clear()
    _Store.query_auth.clear()
    _Store.max_in_flight = 0
    server = _QuietServer(("127.0.0.1", 0), _Store)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run_push(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["push", *args], env=env)


@pytest.mark.usefixtures("quick_backoff")
def test_a_500_is_retried_and_the_push_completes(fake_store: str) -> None:
    counts = push(fake_store + "/flaky/query", timeout=10)
    assert counts == local_counts()
    assert _Store.puts["flaky"] == len(counts) + 1


@pytest.mark.usefixtures("quick_backoff")
def test_a_store_that_keeps_failing_leaves_remote_state_unknown(fake_store: str) -> None:
    result = run_push("--endpoint", fake_store + "/down/query", "--timeout", "10")
    assert result.exit_code == 3, result.stderr
    message = result.stderr
    assert message.count("\n") == 1
    assert f"trilat-kg: error: {fake_store}/down/data: HTTP 500" in message
    assert "remote state unknown for graph <https://w3id.org/trilat-kg/graphs/essay>" in message
    assert "(4 attempts)" in message
    assert _Store.puts["down"] == 4  # the first try and three retries, then it gave up


@pytest.mark.usefixtures("quick_backoff")
def test_a_socket_closed_mid_upload_is_exit_3(fake_store: str) -> None:
    with pytest.raises(RemoteError, match=r"connection lost .*remote state unknown"):
        push(fake_store + "/cut/query", timeout=10, retries=1)
    assert _Store.puts["cut"] == 2


def test_401_is_authentication_failed_and_never_echoes_the_password(fake_store: str) -> None:
    env = {"TRILAT_KG_USER": "pusher", "TRILAT_KG_PASSWORD": PASSWORD}
    result = run_push("--endpoint", fake_store + "/auth/query", env=env)
    assert result.exit_code == 3
    assert f"{fake_store}/auth/data: authentication failed (HTTP 401" in result.stderr
    token = base64.b64encode(f"pusher:{PASSWORD}".encode()).decode()
    for output in (result.stdout, result.stderr):
        assert PASSWORD not in output
        assert token not in output
    # A bare 401 (no challenge) is asked once more without credentials, to learn the
    # scheme (see the Virtuoso test below); a 401 to that is final, never retried.
    assert _Store.puts["auth"] == 2, "a 401 is not retried"
    assert _Store.auth_seen == ["Basic " + token, ""]


def test_credentials_from_netrc(fake_store: str, isolated_home: Path) -> None:
    netrc = isolated_home / ".netrc"
    netrc.write_text(f"machine 127.0.0.1 login netrc-user password {PASSWORD}\n",
                     encoding="utf-8")
    netrc.chmod(0o600)
    result = CliRunner().invoke(cli, ["--debug", "push", "--endpoint",
                                      fake_store + "/auth/query"])
    assert result.exit_code == 3
    assert "Traceback" in result.stderr  # even the --debug traceback hides the password
    token = base64.b64encode(f"netrc-user:{PASSWORD}".encode()).decode()
    assert _Store.auth_seen == ["Basic " + token, ""]
    assert PASSWORD not in result.output and token not in result.output


def test_credentials_are_not_taken_from_the_command_line(fake_store: str) -> None:
    url = fake_store.replace("http://", f"http://user:{PASSWORD}@") + "/ok/query"
    result = run_push("--endpoint", url)
    assert result.exit_code == 2
    assert PASSWORD not in result.stderr
    assert _Store.puts == Counter()
    assert "--password" not in CliRunner().invoke(cli, ["push", "--help"]).stdout


def test_no_credentials_sends_no_authorization(fake_store: str) -> None:
    push(fake_store + "/ok/query")
    assert set(_Store.auth_seen) == {""}


def test_401_without_credentials_says_how_to_give_them(fake_store: str) -> None:
    result = run_push("--endpoint", fake_store + "/auth/query")
    assert result.exit_code == 3
    assert result.stderr == (f"trilat-kg: error: {fake_store}/auth/data: authentication failed "
                             "(HTTP 401 Unauthorized); no credentials were given: set "
                             "TRILAT_KG_USER and TRILAT_KG_PASSWORD, or a netrc entry for the "
                             "store's host\n")


def test_credentials_go_to_the_store_origin_only(fake_store: str) -> None:
    """--store on one origin, --endpoint on another: the queries carry no credentials."""
    other = _QuietServer(("127.0.0.1", 0), _Store)
    other.daemon_threads = True
    threading.Thread(target=other.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{other.server_address[1]}/ok/query"
        env = {"TRILAT_KG_USER": "pusher", "TRILAT_KG_PASSWORD": PASSWORD}
        result = run_push("--endpoint", endpoint, "--store", fake_store + "/ok/data", env=env)
    finally:
        other.shutdown()
        other.server_close()
    assert result.exit_code == 0, result.stderr
    token = base64.b64encode(f"pusher:{PASSWORD}".encode()).decode()
    assert _Store.auth_seen == ["Basic " + token] * len(GRAPHS)  # the PUTs, to the store
    assert _Store.query_auth == [(other.server_address[1], "")] * (len(GRAPHS) + 1)


def test_same_origin_queries_carry_the_credentials(fake_store: str) -> None:
    env = {"TRILAT_KG_USER": "pusher", "TRILAT_KG_PASSWORD": PASSWORD}
    assert run_push("--endpoint", fake_store + "/ok/query", env=env).exit_code == 0
    token = base64.b64encode(f"pusher:{PASSWORD}".encode()).decode()
    assert {auth for _, auth in _Store.query_auth} == {"Basic " + token}


def test_concurrent_pushes_to_one_store_take_turns(fake_store: str) -> None:
    errors: list[BaseException] = []

    def one() -> None:
        try:
            push(fake_store + "/slow/query", timeout=30)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert _Store.puts["slow"] == 2 * len(GRAPHS)
    assert _Store.max_in_flight == 1, "two pushes to one store wrote at the same time"
    assert _Store.graphs == local_counts()


def test_verification_catches_a_store_that_lost_triples(fake_store: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    original = _Store.do_PUT

    def lossy(self: _Store) -> None:
        original(self)
        with _Store.lock:
            for graph in _Store.graphs:
                _Store.graphs[graph] = max(0, _Store.graphs[graph] - 1)

    monkeypatch.setattr(_Store, "do_PUT", lossy)
    with pytest.raises(RemoteError, match=r"holds \d+ triples after the push, \d+ were sent"):
        push(fake_store + "/ok/query")


def test_put_sends_ntriples_as_turtle(fake_store: str) -> None:
    response = http_request("PUT", fake_store + "/ok/data?graph=http%3A%2F%2Fex%2Fg",
                            body=b"<http://ex/a> <http://ex/b> <http://ex/c> .\n",
                            ok=lambda s: s == 204)
    assert response.status == 204
    assert _Store.graphs == {"http://ex/g": 1}


# ---------------------------------------------------------------- HTTP Digest (Virtuoso)

DIGEST_USER = "dba"
DIGEST_REALM = "Virtuoso GSP"
DIGEST_OPAQUE = "5ccc069c403ebaf9f0171e9517f40e41"
_DIGEST_HASHES = {"MD5": "md5", "SHA-256": "sha256"}


def _digest_fields(header: str) -> dict[str, str]:
    """The parameters of a ``Digest ...`` Authorization value (the fake's own parser)."""
    pairs = re.findall(r'([\w*]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))', header[len("Digest "):])
    return {name.lower(): quoted or bare for name, quoted, bare in pairs}


class _DigestStore(_Store):
    """A Graph Store that, like Virtuoso's ``/sparql-graph-crud-auth``, demands Digest.

    Every request needs a valid Digest answer to a nonce it issued, checked here with
    hashlib against :data:`PASSWORD` (username, realm, uri, opaque, and an ``nc`` that grows
    per nonce); anything else gets 401 with the challenges in :attr:`offers` and a body
    echoing the Authorization header, to prove the client scrubs it. Accepted requests go
    on to :class:`_Store`, which stores the PUTs and answers the COUNT queries.
    ``/digest-echo/...`` refuses accepted PUTs with a 400 that echoes the Digest response.
    """

    offers: ClassVar[list[str]] = []
    #: Answer a Basic attempt with a bare 401, no challenge at all (what Virtuoso 7 does)
    bare_to_basic: ClassVar[bool] = False
    nonces: ClassVar[dict[str, int]] = {}
    seen: ClassVar[list[tuple[str, str]]] = []
    accepted: ClassVar[list[str]] = []
    bodies: ClassVar[dict[str, bytes]] = {}

    def _valid(self) -> bool:
        header = self.headers.get("Authorization", "")
        cls = type(self)
        with cls.lock:
            cls.seen.append((self.command, header))
        if not header.startswith("Digest "):
            return False
        fields = _digest_fields(header)
        algorithm = fields.get("algorithm", "MD5")
        if algorithm not in _DIGEST_HASHES:
            return False

        def h(text: str) -> str:
            return hashlib.new(_DIGEST_HASHES[algorithm], text.encode()).hexdigest()

        ha1 = h(f"{DIGEST_USER}:{DIGEST_REALM}:{PASSWORD}")
        ha2 = h(f"{self.command}:{fields.get('uri')}")
        if "qop" in fields:
            expected = h(f"{ha1}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:"
                         f"{fields['qop']}:{ha2}")
        else:
            expected = h(f"{ha1}:{fields.get('nonce')}:{ha2}")
        with cls.lock:
            last = cls.nonces.get(fields.get("nonce", ""))
            count = int(fields.get("nc", "0"), 16)
            fresh = last is not None and ("qop" not in fields or count > last)
            ok = (fresh and fields.get("username") == DIGEST_USER
                  and fields.get("realm") == DIGEST_REALM and fields.get("uri") == self.path
                  and fields.get("opaque") == DIGEST_OPAQUE
                  and fields.get("response") == expected)
            if ok:
                cls.nonces[fields["nonce"]] = count
                cls.accepted.append(algorithm)
        return ok

    def _challenge(self) -> None:
        if self.bare_to_basic and self.headers.get("Authorization", "").startswith("Basic "):
            self._reply(401, b"")
            return
        nonce = secrets.token_hex(12)
        with type(self).lock:
            type(self).nonces[nonce] = 0
        body = f"denied for {self.headers.get('Authorization', '')}".encode()
        self.send_response(401)
        for offer in self.offers:
            self.send_header("WWW-Authenticate", offer.format(nonce=nonce, realm=DIGEST_REALM,
                                                              opaque=DIGEST_OPAQUE))
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:
        """Like Virtuoso: challenged as any request, then 501 (HEAD is not implemented)."""
        if not self._valid():
            self._challenge()
            return
        self.send_response(501)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not self._valid():
            self._challenge()
            return
        if self.path.startswith("/digest-echo/"):
            response = _digest_fields(self.headers["Authorization"])["response"]
            self._reply(400, f"bad request with response={response}".encode())
            return
        graph = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["graph"][0]
        with _Store.lock:
            type(self).bodies[graph] = body
        self.rfile = io.BytesIO(body)
        super().do_PUT()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not self._valid():
            self._challenge()
            return
        self.rfile = io.BytesIO(body)
        super().do_POST()


DIGEST_CHALLENGE = 'Digest realm="{realm}", nonce="{nonce}", opaque="{opaque}"'


@pytest.fixture
def digest_store() -> Iterator[Callable[..., str]]:
    """A factory: ``digest_store(offers, bare_to_basic=False)`` starts a
    :class:`_DigestStore` and returns its URL."""
    servers: list[http.server.ThreadingHTTPServer] = []
    for store in (_Store.graphs, _Store.puts, _Store.auth_seen, _Store.asks, _DigestStore.nonces,
                  _DigestStore.seen, _DigestStore.accepted, _DigestStore.bodies):
        store.clear()

    def start(offers: list[str], bare_to_basic: bool = False) -> str:
        _DigestStore.offers = offers
        _DigestStore.bare_to_basic = bare_to_basic
        server = _QuietServer(("127.0.0.1", 0), _DigestStore)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("offers", "algorithm"), [
    ([DIGEST_CHALLENGE + ', algorithm=MD5, qop="auth"'], "MD5"),
    ([DIGEST_CHALLENGE + ', algorithm=SHA-256, qop="auth,auth-int"'], "SHA-256"),
    # Several challenges in several headers: Digest wins over Basic, the first one listed
    # (SHA-256, as RFC 7616 asks servers to order them) over MD5.
    (['Basic realm="{realm}"', DIGEST_CHALLENGE + ', algorithm=SHA-256, qop="auth"',
      DIGEST_CHALLENGE + ', algorithm=MD5, qop="auth"'], "SHA-256"),
    ([DIGEST_CHALLENGE], "MD5"),  # RFC 2069: no qop, no algorithm
], ids=["md5", "sha-256", "basic-sha256-md5", "rfc2069"])
def test_digest_push_succeeds_and_counts_are_verified(
        digest_store: Callable[[list[str]], str], offers: list[str], algorithm: str) -> None:
    base = digest_store(offers)
    env = {"TRILAT_KG_USER": DIGEST_USER, "TRILAT_KG_PASSWORD": PASSWORD}
    result = run_push("--endpoint", base + "/digest/query", "--format", "csv", env=env)
    assert result.exit_code == 0, result.stderr
    expected = local_counts()
    rows = [line.split(",") for line in result.stdout.strip().splitlines()[1:]]
    assert {g: int(n) for g, n in rows} == expected  # verified by COUNT queries over Digest
    assert _DigestStore.graphs == expected
    for graph, body in _DigestStore.bodies.items():  # what arrived is what was loaded
        assert len(Graph().parse(data=body, format="nt")) == expected[graph]
    assert set(_DigestStore.bodies) == set(expected)
    assert set(_DigestStore.accepted) == {algorithm}
    # the HEAD that settles the scheme, every PUT, every COUNT and the default-graph ASK
    assert len(_DigestStore.accepted) == 2 * len(expected) + 2
    # Only the very first request (a HEAD, no body) goes out before the server asked for
    # Digest; after the challenge every request answers it at once (one 401 in all).
    headers = [header for _, header in _DigestStore.seen]
    assert headers[0].startswith("Basic ")
    assert not any(header.startswith("Basic ") for header in headers[1:])
    assert len(headers) == 2 * len(expected) + 3
    assert [method for method, _ in _DigestStore.seen[:3]] == ["HEAD", "HEAD", "PUT"]
    assert "pushed and verified 4 graphs" in result.stderr
    for output in (result.stdout, result.stderr):
        assert PASSWORD not in output


def test_digest_after_a_bare_401_to_basic(digest_store: Callable[..., str]) -> None:
    """Virtuoso 7 answers Basic with a 401 that names no scheme: ask again without
    credentials, take the Digest challenge that brings, and push (like curl --digest)."""
    base = digest_store([DIGEST_CHALLENGE + ', algorithm=MD5, qop="auth"'], bare_to_basic=True)
    env = {"TRILAT_KG_USER": DIGEST_USER, "TRILAT_KG_PASSWORD": PASSWORD}
    result = run_push("--endpoint", base + "/digest/query", "--format", "csv", env=env)
    assert result.exit_code == 0, result.stderr
    assert _DigestStore.graphs == local_counts()
    schemes = [header.split(" ")[0] for _, header in _DigestStore.seen]
    # Basic (bare 401), nothing (challenge), then Digest for everything after; the three
    # negotiating requests are HEADs, so no graph is uploaded more than once
    assert schemes[:3] == ["Basic", "", "Digest"]
    assert set(schemes[2:]) == {"Digest"}
    assert [method for method, _ in _DigestStore.seen[:4]] == ["HEAD", "HEAD", "HEAD", "PUT"]
    assert len(schemes) == 2 * len(GRAPHS) + 4
    assert result.stderr == "trilat-kg: pushed and verified 4 graphs\n"


def test_bare_401_to_the_probe_too_is_authentication_failed(fake_store: str) -> None:
    env = {"TRILAT_KG_USER": "pusher", "TRILAT_KG_PASSWORD": PASSWORD}
    result = run_push("--endpoint", fake_store + "/auth/query", env=env)
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1
    assert "authentication failed (HTTP 401 Unauthorized)" in result.stderr
    assert "no credentials were given" not in result.stderr


def test_digest_wrong_password_is_authentication_failed(
        digest_store: Callable[[list[str]], str]) -> None:
    base = digest_store([DIGEST_CHALLENGE + ', algorithm=SHA-256, qop="auth"'])
    wrong = "not-the-Pa55word"
    env = {"TRILAT_KG_USER": DIGEST_USER, "TRILAT_KG_PASSWORD": wrong}
    result = CliRunner().invoke(cli, ["--debug", "push", "--endpoint", base + "/digest/query"],
                                env=env)
    assert result.exit_code == 3
    assert f"trilat-kg: error: {base}/digest/data: authentication failed (HTTP 401" \
        in result.stderr
    # The challenge is answered once; the second 401 is final (no retry, no second answer),
    # and it comes to the bodiless HEAD: no graph was sent, none written.
    assert [method for method, _ in _DigestStore.seen] == ["HEAD", "HEAD"]
    answer = _DigestStore.seen[1][1]
    assert answer.startswith("Digest ") and 'algorithm=SHA-256' in answer
    response = _digest_fields(answer)["response"]
    token = base64.b64encode(f"{DIGEST_USER}:{wrong}".encode()).decode()
    for output in (result.stdout, result.stderr):
        for secret in (wrong, PASSWORD, token, response):
            assert secret not in output
    assert _DigestStore.graphs == {}


def test_digest_response_is_scrubbed_from_echoed_errors(
        digest_store: Callable[[list[str]], str]) -> None:
    base = digest_store([DIGEST_CHALLENGE + ', algorithm=MD5, qop="auth"'])
    env = {"TRILAT_KG_USER": DIGEST_USER, "TRILAT_KG_PASSWORD": PASSWORD}
    result = run_push("--endpoint", base + "/digest-echo/query", env=env)
    assert result.exit_code == 3
    sent = _digest_fields(_DigestStore.seen[-1][1])["response"]
    assert sent not in result.stderr
    assert "HTTP 400 Bad Request: bad request with response=***;" in result.stderr


def test_unsupported_digest_algorithm_is_named(digest_store: Callable[[list[str]], str]) -> None:
    base = digest_store([DIGEST_CHALLENGE + ', algorithm=SHA-1024, qop="auth"'])
    env = {"TRILAT_KG_USER": DIGEST_USER, "TRILAT_KG_PASSWORD": PASSWORD}
    result = run_push("--endpoint", base + "/digest/query", env=env)
    assert result.exit_code == 3
    assert "authentication failed (HTTP 401" in result.stderr
    assert "Digest algorithm SHA-1024 is not supported" in result.stderr
    assert len(_DigestStore.seen) == 1


@pytest.mark.parametrize(("value", "expected"), [
    ('Digest realm="a, b", nonce="n\\"1", qop="auth,auth-int"',
     [("digest", {"realm": "a, b", "nonce": 'n"1', "qop": "auth,auth-int"})]),
    ('Basic realm="x", Digest realm="y", nonce=abc, Negotiate dG9rZW4=',
     [("basic", {"realm": "x"}), ("digest", {"realm": "y", "nonce": "abc"}),
      ("negotiate", {"": "dG9rZW4="})]),
    ("", []),
])
def test_www_authenticate_is_parsed(value: str, expected: list[object]) -> None:
    assert parse_challenges(value) == expected


def test_digest_matches_the_rfc_7616_example(monkeypatch: pytest.MonkeyPatch) -> None:
    """RFC 7616 section 3.9.1: Mufasa / Circle of Life, with SHA-256 and with MD5."""
    import trilat_kg.digest as digest_mod

    cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
    monkeypatch.setattr(digest_mod.secrets, "token_hex", lambda n=None: cnonce)
    challenge = ('Digest realm="http-auth@example.org", qop="auth, auth-int", '
                 'algorithm={alg}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
                 'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"')
    want = {"SHA-256": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            "MD5": "8ca523f5e9506fed4657c9700eebdbec"}
    for alg, response in want.items():
        session = DigestSession.from_header(challenge.format(alg=alg))
        assert session is not None
        header, got = session.authorization("Mufasa", "Circle of Life", "GET",
                                            "/dir/index.html")
        assert got == response, alg
        assert f'nc=00000001, cnonce="{cnonce}", qop=auth' in header
