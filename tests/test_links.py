"""``trilat-kg links check`` against a local Oxigraph server holding a Wikidata-shaped fixture.

The fixture (tests/fixtures/wikidata/entities.ttl) has the dataset's linked items with
labels and types, one merged item, and a fixture-only subclass; links.ttl plants a
redirect, a missing item and a person linked to a country. The report must list exactly
those three. Nothing is sent to Wikidata: every endpoint here is on 127.0.0.1.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from trilat_kg.cli import cli
from trilat_kg.links import WIKIDATA, check_links
from trilat_kg.loader import read_file
from trilat_kg.remote import http_request
from trilat_kg.store import store_from_quads

#: No request leaves 127.0.0.1 (an audit hook in conftest.py fails the test).
pytestmark = pytest.mark.usefixtures("loopback_only")
FIXTURES = Path(__file__).parent / "fixtures" / "wikidata"
EX = "http://example.org/links-test/"
WD = "http://www.wikidata.org/entity/"
PLANTED = {
    (EX + "redirected-state", WD + "Q900000001", "redirected"),
    (EX + "missing-person", WD + "Q900000002", "missing"),
    (EX + "wrong-kind-person", WD + "Q17", "unexpected kind"),
}


@pytest.fixture(scope="module")
def wikidata(oxigraph_server) -> str:  # type: ignore[no-untyped-def]
    """Query URL of an Oxigraph server holding the Wikidata-shaped fixture."""
    assert (FIXTURES / "entities.ttl").is_file()
    base = oxigraph_server()
    http_request("PUT", base + "/store?graph=http%3A%2F%2Fexample.org%2Fwikidata-fixture",
                 body=(FIXTURES / "entities.ttl").read_bytes(),
                 headers={"Content-Type": "text/turtle"}, ok=lambda s: s in (201, 204))
    return base + "/query"


def fixture_store():  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    return store_from_quads(read_file(FIXTURES / "links.ttl", ox.NamedNode("http://example.org/links")))


def test_report_lists_exactly_the_planted_problems(wikidata: str) -> None:
    reports = check_links(wikidata, store=fixture_store(), timeout=30)
    found = {(r.subject, r.target, r.problem) for r in reports if r.problem}
    assert found == PLANTED
    by_subject = {r.subject: r for r in reports}
    assert by_subject[EX + "redirected-state"].detail == "merged into Q17"
    wrong = by_subject[EX + "wrong-kind-person"]
    assert wrong.label == "Japan"
    assert wrong.detail == "instance of Q3624078, Q6256; expected Q5"
    assert by_subject[EX + "sea"].problem is None  # skos:exactMatch, existence only
    assert by_subject[EX + "sea"].label == "South China Sea"
    assert by_subject[EX + "right-state"].problem is None
    assert EX + "elsewhere" not in by_subject  # a DBpedia link is not checked


def _wikidata_links() -> int:
    """How many distinct Wikidata links (owl:sameAs, skos:exactMatch) the dataset holds."""
    from trilat_kg import run_sparql

    text = ("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o "
            "VALUES ?p { <http://www.w3.org/2002/07/owl#sameAs> "
            "<http://www.w3.org/2004/02/skos/core#exactMatch> } "
            'FILTER(STRSTARTS(STR(?o), "http://www.wikidata.org/entity/")) } }')
    return int(str(run_sparql(text).rows[0][0]))


def test_the_dataset_links_check_out(wikidata: str) -> None:
    """Every Wikidata link of the dataset, against the fixture: none is reported."""
    reports = check_links(wikidata, timeout=30)
    assert len(reports) == _wikidata_links() >= 10
    assert [r for r in reports if r.problem] == []
    un = next(r for r in reports if r.target == WD + "Q1065")
    assert un.label == "United Nations"  # reached its kind through wdt:P279


def test_cli_exit_1_with_the_planted_problems(wikidata: str) -> None:
    result = CliRunner().invoke(cli, ["links", "check", "--endpoint", wikidata, "--data",
                                      str(FIXTURES / "links.ttl"), "--format", "json"])
    assert result.exit_code == 1, result.stderr
    bindings = json.loads(result.stdout)["results"]["bindings"]
    assert {(b["subject"]["value"], b["target"]["value"], b["problem"]["value"])
            for b in bindings} == PLANTED
    assert "with problems" in result.stderr


def test_cli_exit_0_when_all_links_check_out(wikidata: str) -> None:
    result = CliRunner().invoke(cli, ["links", "check", "--endpoint", wikidata,
                                      "--format", "csv", "--all"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "subject,predicate,target,label,problem,detail"
    assert len(lines) - 1 == _wikidata_links()
    assert all(",ok," in line for line in lines[1:])


def test_cli_exit_3_when_the_endpoint_fails() -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/sparql"
    sock.close()
    result = CliRunner().invoke(cli, ["links", "check", "--endpoint", url])
    assert result.exit_code == 3
    assert result.stderr.startswith(f"trilat-kg: error: cannot connect to {url}")


class _Recorder(http.server.BaseHTTPRequestHandler):
    agents: list[str] = []  # noqa: RUF012 - one test uses it

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).agents.append(self.headers.get("User-Agent", ""))
        body = b'{"head": {"vars": ["item"]}, "results": {"bindings": []}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


def test_descriptive_user_agent_and_batched_requests(recorder: str) -> None:
    from trilat_kg import __version__

    reports = check_links(recorder, store=fixture_store())
    assert {r.problem for r in reports} == {"missing"}  # an empty answer: nothing exists
    assert _Recorder.agents == [
        f"trilat-kg/{__version__} (https://w3id.org/trilat-kg/; linked-data link check)"]


def test_default_endpoint_is_wikidata() -> None:
    assert WIKIDATA == "https://query.wikidata.org/sparql"
    help_text = CliRunner().invoke(cli, ["links", "check", "--help"]).stdout
    assert "https://query.wikidata.org/sparql" in help_text
