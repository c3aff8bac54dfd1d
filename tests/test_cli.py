"""The trilat-kg command line: every command, every exit code, stdout/stderr, colour, pipes."""

from __future__ import annotations

import csv
import http.server
import io
import json
import signal
import subprocess
import sys
import threading
import time
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from trilat_kg import cli as cli_module
from trilat_kg.cli import cli

JAPAN = "https://w3id.org/trilat-kg/id/states/japan"
HEAVY = ("rdflib", "pyoxigraph", "pyshacl", "SPARQLWrapper", "pandas", "owlrl")


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), input=input, env=env)


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def subprocess_cli(*args: str, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    return [sys.executable, "-m", "trilat_kg.cli", *args]


# ---------------------------------------------------------------- help, version, imports


def test_help_documents_the_exit_codes() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for line in ("0    success", "1    data invalid", "2    usage error", "3    remote",
                 "4    local I/O", "130  interrupted"):
        assert line in result.output
    for command in ("validate", "queries", "query", "sparql", "export", "stats"):
        assert command in result.output


def test_version_prints_the_package_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.output == f"trilat-kg {version('trilat-kg')}\n"


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_no_rdf_library(flag: str) -> None:
    code = (
        "import sys\n"
        "from trilat_kg.cli import main\n"
        f"sys.argv = ['trilat-kg', {flag!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "sys.stderr.write(repr(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stderr == "[]"
    assert "trilat-kg" in done.stdout


def test_export_help_names_every_export_format() -> None:
    from trilat_kg.export import FORMATS

    result = run("export", "--help")
    assert result.exit_code == 0
    for name in FORMATS:
        assert name in result.output


# ---------------------------------------------------------------- queries


def test_queries_lists_the_catalogue() -> None:
    result = run("queries")
    assert result.exit_code == 0
    assert "state-identifier-crosswalk" in result.output
    assert f"--param actor=IRI  (default {JAPAN.replace('japan', 'australia')})" in result.output


def test_queries_json() -> None:
    from trilat_kg.queries import catalogue

    result = run("queries", "--format", "json")
    listing = json.loads(result.output)
    assert [q["name"] for q in listing] == [q.slug for q in catalogue()]
    actor = next(q for q in listing if q["name"] == "agreements-of-actor")
    assert actor["params"] == [{"name": "actor", "type": "IRI", "required": True,
                                "default": JAPAN.replace("japan", "australia")}]


# ---------------------------------------------------------------- query


def test_query_csv_when_piped() -> None:
    result = run("query", "state-identifier-crosswalk")
    assert result.exit_code == 0, result.output
    rows = rows_of(result.stdout)
    assert rows[0][:3] == ["state", "label", "wikidata"]
    assert [JAPAN, "Japan", "http://www.wikidata.org/entity/Q17", "JP", "JPN", "392",
            "740", "JPN", "740", "JPN"] in rows
    assert result.stderr == ""


def test_query_json_is_sparql_results_json() -> None:
    result = run("query", "describe-resource", "--param", f"resource={JAPAN}", "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["head"]["vars"] == ["_resource_iri", "predicate", "object", "graph"]
    label = next(b for b in doc["results"]["bindings"]
                 if b["predicate"]["value"].endswith("rdf-schema#label")
                 and b["object"].get("xml:lang") == "en")
    assert label["object"] == {"type": "literal", "value": "Japan", "xml:lang": "en"}
    assert label["graph"] == {"type": "uri", "value": "https://w3id.org/trilat-kg/graphs/essay"}


@pytest.mark.parametrize("fmt", ["table", "tsv", "markdown"])
def test_query_other_formats(fmt: str) -> None:
    result = run("query", "state-identifier-crosswalk", "--format", fmt)
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if "Q17" in line)
    if fmt == "table":
        assert line.split()[:4] == ["state:japan", "Japan", "wd:Q17", "JP"]
    elif fmt == "tsv":
        assert line.split("\t")[:4] == [JAPAN, "Japan", "http://www.wikidata.org/entity/Q17",
                                        "JP"]
    else:
        assert line.startswith("| state:japan | Japan | wd:Q17 | JP |")


def test_query_limit() -> None:
    result = run("query", "state-identifier-crosswalk", "--limit", "2")
    assert len(rows_of(result.stdout)) == 3


def test_unknown_query_is_exit_2_with_the_valid_names() -> None:
    result = run("query", "nosuch")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("trilat-kg: error: unknown query 'nosuch'; valid names: ")
    assert "state-identifier-crosswalk" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "actor"], "--param 'actor': expected NAME=VALUE"),
        (["--param", "nosuch=1"], "has no parameter 'nosuch' (parameters: actor)"),
        (["--param", "actor=http://x/not an iri"],
         "parameter 'actor' of 'agreements-of-actor': invalid IRI"),
        (["--param", 'actor=http://x/"}#'], "invalid IRI"),
        (["--param", f"actor={JAPAN}", "--param", f"actor={JAPAN}"], "given twice"),
    ],
)
def test_bad_parameter_is_exit_2_before_any_query(args: list[str], message: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import trilat_kg.store

    def no_load(*a: object, **k: object) -> None:
        raise AssertionError("the data was loaded although a parameter was bad")

    monkeypatch.setattr(trilat_kg.store, "load_store", no_load)
    result = run("query", "agreements-of-actor", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_missing_data_file_is_exit_4(tmp_path: Path) -> None:
    result = run("query", "state-identifier-crosswalk", "--data", str(tmp_path / "nope.ttl"))
    assert result.exit_code == 4
    assert result.stderr == f"trilat-kg: error: {tmp_path / 'nope.ttl'}: no such file\n"


def test_bad_data_file_is_exit_1_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b "open .\n', encoding="utf-8")
    result = run("query", "state-identifier-crosswalk", "--data", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"trilat-kg: error: {bad}:2: ")
    assert result.stdout == ""


def test_user_data_is_merged(tmp_path: Path) -> None:
    mine = tmp_path / "mine.ttl"
    mine.write_text(
        "@prefix trilat: <https://w3id.org/trilat-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://example.org/atlantis> a trilat:State ; rdfs:label "Atlantis"@en ;\n'
        '    trilat:iso3166Alpha2 "AT" .\n', encoding="utf-8")
    result = run("query", "state-identifier-crosswalk", "--data", str(mine))
    assert result.exit_code == 0
    assert ["https://example.org/atlantis", "Atlantis", "", "AT", "", "", "", "", "", ""] in \
        rows_of(result.stdout)


def test_debug_shows_the_traceback() -> None:
    result = run("--debug", "query", "nosuch")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr
    assert result.stderr.rstrip().endswith("valid names: " + result.stderr.rsplit(
        "valid names: ", 1)[1].rstrip())


def test_unreachable_endpoint_is_exit_3() -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    url = f"http://127.0.0.1:{port}/sparql"
    result = run("query", "state-identifier-crosswalk", "--endpoint", url, "--timeout", "5")
    assert result.exit_code == 3
    assert result.stderr.startswith(f"trilat-kg: error: cannot connect to {url}")


def test_endpoint_and_data_together_is_exit_2(tmp_path: Path) -> None:
    result = run("query", "state-identifier-crosswalk", "--endpoint", "http://127.0.0.1:9/",
                 "--data", str(tmp_path / "x.ttl"))
    assert result.exit_code == 2


# ---------------------------------------------------------------- colour


def test_no_color_wins_over_force_color() -> None:
    coloured = run("query", "state-identifier-crosswalk", "--format", "table",
                   env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[1m" in coloured.stdout
    plain = run("query", "state-identifier-crosswalk", "--format", "table",
                env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout
    assert plain.stdout == coloured.stdout.replace("\x1b[1m", "").replace("\x1b[0m", "")


def test_error_prefix_plain_with_no_color() -> None:
    result = run("query", "nosuch", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert result.stderr.startswith("trilat-kg: error: ")


# ---------------------------------------------------------------- sparql


def test_sparql_from_stdin_sees_named_graphs() -> None:
    text = (f"SELECT ?g WHERE {{ GRAPH ?g {{ <{JAPAN}> a "
            "<https://w3id.org/trilat-kg/ontology#State> } } ORDER BY ?g")
    result = run("sparql", "-", input=text)
    assert result.exit_code == 0, result.stderr
    assert rows_of(result.stdout) == [["g"], ["https://w3id.org/trilat-kg/graphs/essay"],
                                      ["https://w3id.org/trilat-kg/graphs/external"]]


def test_sparql_from_file_and_ask(tmp_path: Path) -> None:
    path = tmp_path / "q.rq"
    path.write_text(f"ASK {{ <{JAPAN}> ?p ?o }}", encoding="utf-8")
    result = run("sparql", str(path), "--format", "json")
    assert json.loads(result.stdout) == {"head": {}, "boolean": True}


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "INSERT DATA { <http://ex/a> <http://ex/b> <http://ex/c> }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
])
def test_sparql_forbidden_is_exit_2(text: str) -> None:
    result = run("sparql", input=text)
    assert result.exit_code == 2
    assert result.stderr.startswith("trilat-kg: error: <stdin>:1: refused ")


def test_sparql_syntax_error_is_exit_1() -> None:
    result = run("sparql", input="SELECT ?s WHERE {\n ?s ?p ?o \n FILTR }")
    assert result.exit_code == 1
    assert result.stderr.startswith("trilat-kg: error: <stdin>:3: ")


def test_sparql_missing_file_is_exit_4(tmp_path: Path) -> None:
    result = run("sparql", str(tmp_path / "nope.rq"))
    assert result.exit_code == 4
    assert "nope.rq: no such file" in result.stderr


# ---------------------------------------------------------------- stats


def test_stats_counts_graphs_classes_properties() -> None:
    result = run("stats")
    assert result.exit_code == 0
    rows = rows_of(result.stdout)
    assert rows[0] == ["partition", "iri", "figure", "value"]
    figures = {(r[0], r[1], r[2].rsplit("#", 1)[1]): int(r[3]) for r in rows[1:]}
    states = figures[("class", "https://w3id.org/trilat-kg/ontology#State", "entities")]
    from trilat_kg.queries import run_query

    assert states == len(run_query("state-identifier-crosswalk"))
    per_graph = [v for (part, _, _), v in figures.items() if part == "graph"]
    assert sum(per_graph) >= figures[("dataset", "", "triples")] > 0


# ---------------------------------------------------------------- export


def test_export_to_stdout_and_file(tmp_path: Path) -> None:
    out = tmp_path / "all.nq"
    result = run("export", "--format", "nq", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "<https://w3id.org/trilat-kg/graphs/essay>" in out.read_text(encoding="utf-8")
    piped = run("export", "--format", "nt", "-o", "-")
    assert piped.exit_code == 0
    assert f"<{JAPAN}> <http://www.w3.org/2002/07/owl#sameAs> " \
           "<http://www.wikidata.org/entity/Q17> ." in piped.stdout


def test_export_unknown_format_is_exit_2(tmp_path: Path) -> None:
    result = run("export", "--format", "rdfxml", "-o", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "unknown export format 'rdfxml'" in result.stderr
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------- validate


BROKEN_ADDITION = """
@prefix trilat: <https://w3id.org/trilat-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://example.org/pact> a trilat:Agreement ;
    rdfs:label "A pact with one party"@en ;
    trilat:agreementKind <https://w3id.org/trilat-kg/id/agreement-kinds/joint-statement> ;
    trilat:party <https://w3id.org/trilat-kg/id/states/japan> ;
    dcterms:source <https://www.mofa.go.jp/fp/nsp/page1we_000084.html> .
"""


def test_validate_reports_a_broken_addition(tmp_path: Path) -> None:
    """An agreement with one party: exit 1, the violation named in every format."""
    addition = tmp_path / "mine.ttl"
    addition.write_text(BROKEN_ADDITION, encoding="utf-8")
    human = run("validate", "--data", str(addition))
    assert human.exit_code == 1
    violations = [line for line in human.stdout.splitlines() if line.startswith("Violation:")]
    assert violations == [
        "Violation: https://example.org/pact https://w3id.org/trilat-kg/ontology#party: "
        + violations[0].split("#party: ", 1)[1]]
    assert violations[0].endswith("[AgreementShape-party]")
    assert "use --show-warnings" in human.stdout
    listed = run("validate", "--data", str(addition), "--show-warnings")
    assert listed.stdout.count("Warning:") > 0
    doc = json.loads(run("validate", "--data", str(addition), "--format", "json").stdout)
    assert doc["conforms"] is False
    found = [(r["focus"], r["source_shape"].rsplit("#", 1)[1]) for r in doc["results"]
             if r["severity"] == "Violation"]
    assert found == [("https://example.org/pact", "AgreementShape-party")]


def test_validate_on_the_real_dataset() -> None:
    from trilat_kg.validation import validate

    outcome = validate()
    result = run("validate", "--format", "turtle")
    assert result.exit_code == (0 if outcome.conforms else 1)
    assert "sh:ValidationReport" in result.stdout


def test_validate_missing_data_file_is_exit_4(tmp_path: Path) -> None:
    result = run("validate", "--data", str(tmp_path / "nope.ttl"))
    assert result.exit_code == 4, result.stderr


# ---------------------------------------------------------------- signals and pipes


def _blocked_with_handlers(pid: int) -> bool:
    """The process has installed the CLI's SIGTERM handler (``main`` runs) and is asleep,
    blocked reading its standard input (Linux /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    caught = next(int(line.split()[1], 16) for line in status.splitlines()
                  if line.startswith("SigCgt:"))
    return bool(caught >> (signal.SIGTERM - 1) & 1) and state == "S"


def test_sigint_is_exit_130_without_traceback() -> None:
    proc = subprocess.Popen(subprocess_cli("sparql", "-"), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # let it start and block reading stdin (a wait, not an assertion)
        if Path("/proc/self/status").exists():
            deadline = time.monotonic() + 60
            while not _blocked_with_handlers(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.1)
        else:  # pragma: no cover - no /proc to look at
            time.sleep(1.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert err == "trilat-kg: error: interrupted\n"


def test_broken_pipe_exits_quietly() -> None:
    proc = subprocess.Popen(
        subprocess_cli("sparql", "-", "--format", "tsv"), stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(b"SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    proc.stdin.close()
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert first.startswith(b"s\tp\to\tg")
    assert proc.returncode == 141
    assert err == b""


def test_main_entry_point_runs_a_query(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli_module.main(["query", "state-identifier-crosswalk", "--format", "csv"])
    assert info.value.code == 0
    assert "Japan" in capsys.readouterr().out



# ---------------------------------------------------------------- remote failures (exit 3)


class _FakeEndpoint(http.server.BaseHTTPRequestHandler):
    stop = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        route = self.path
        if route == "/slow":
            self.stop.wait(20)
            return
        status, ctype, body = {
            "/html": (200, "text/html", b"<html><body>Welcome</body></html>"),
            "/500": (500, "text/plain", b"internal trouble"),
            "/partial": (206, "application/sparql-results+json",
                         b'{"head": {"vars": []}, "results": {"bindings": []}}'),
            "/wrongshape": (200, "application/sparql-results+json", b"{}"),
        }[route]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def fake_endpoint():  # type: ignore[no-untyped-def]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeEndpoint)
    server.daemon_threads = True
    server.block_on_close = False
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _FakeEndpoint.stop.set()
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("route", "message"), [
    ("/html", "endpoint returned invalid SPARQL JSON"),
    ("/wrongshape", "endpoint returned invalid SPARQL JSON"),
    ("/500", "EndPointInternalError"),
    ("/partial", "HTTP 206"),
    ("/slow", "timed out after 1 s"),
])
@pytest.mark.usefixtures("quick_backoff")
def test_remote_failures_are_exit_3(fake_endpoint: str, route: str, message: str) -> None:
    result = run("query", "state-identifier-crosswalk", "--endpoint", fake_endpoint + route,
                 "--timeout", "1")
    assert result.exit_code == 3, result.stderr
    assert result.stderr.startswith("trilat-kg: error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""
