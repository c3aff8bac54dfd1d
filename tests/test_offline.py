"""Offline by default: loading, validating, querying and exporting make no network request.

rdflib fetches by design (a JSON-LD ``@context`` URL, SPARQL ``FROM``/``SERVICE``/``LOAD``),
so "we never call the network" has to be proved, not assumed (reference/bad-inputs.md rows 10
and 38). Each step runs in a subprocess with an audit hook (``sys.addaudithook``) that records
and refuses every connection attempt; the hook cannot be removed, hence the subprocess.

The second half checks that input which *would* make rdflib fetch (a remote JSON-LD context,
RDF/XML with entities) is refused, against a loopback server that logs every request; and
that reading bad files gives one-line errors naming the file (rows 1-8).
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from trilat_kg.errors import DataError, LocalIOError, TrilatError

HOOK = textwrap.dedent(
    """
    import json, sys
    NETWORK_EVENTS = {
        "socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
        "socket.gethostbyaddr", "urllib.Request", "http.client.connect",
    }
    attempts = []

    def hook(event, args):
        if event in NETWORK_EVENTS:
            attempts.append([event, repr(args)[:200]])
            raise RuntimeError(f"network access attempted during an offline command: {event}")

    sys.addaudithook(hook)
    """
)

STEPS = {
    "load": """
        from trilat_kg.graph import load_dataset, load_union
        assert len(load_dataset()) >= 0 and len(load_union()) > 100
    """,
    "validate": """
        from trilat_kg.validation import validate
        validate()
    """,
    "query": """
        from trilat_kg.queries import run_query
        run_query("state-identifier-crosswalk")
    """,
    "export": """
        from trilat_kg.export import FORMATS, SUFFIXES, export_dataset, load_jsonld
        from trilat_kg.graph import parse_file
        for fmt in FORMATS:
            out = OUT / ("export" + SUFFIXES[fmt])
            export_dataset(fmt, out)
            assert out.stat().st_size > 0
        assert len(load_jsonld(OUT / "export.jsonld")) > 100
        assert len(parse_file(OUT / "export.jsonld")) > 100
        from rdflib import Graph
        Graph().parse(OUT / "export.ttl", format="turtle")
    """,
}

# Modules another person writes; until they exist, their step is skipped with this reason.
NEEDS = {"validate": "trilat_kg.validation", "query": "trilat_kg.queries"}


def _run_offline(body: str, out: Path) -> dict[str, list[list[str]]]:
    script = (
        HOOK
        + f"from pathlib import Path\nOUT = Path({str(out)!r})\n"
        + "error = None\ntry:\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
        + "\nexcept Exception as exc:\n    error = f'{type(exc).__name__}: {exc}'\n"
        + "work = list(attempts)\n"
        # Positive control: the hook must really see an attempt, or an empty record proves nothing.
        + "import urllib.request\ntry:\n"
        + "    urllib.request.urlopen('http://127.0.0.1:9/', timeout=1)\n"
        + "except Exception:\n    pass\n"
        + "print(json.dumps({'work': work, 'control': attempts[len(work):], 'error': error}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=out
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("step", list(STEPS))
def test_offline_step_makes_no_network_request(step: str, tmp_path: Path) -> None:
    module = NEEDS.get(step)
    if module:
        import importlib.util

        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not written yet; its step is checked once it lands")
    record = _run_offline(STEPS[step], tmp_path)
    assert record["control"], "the audit hook did not fire on a real connection attempt"
    assert record["work"] == [], f"{step} attempted network access: {record['work']}"
    assert record["error"] is None, f"{step} failed: {record['error']}"


def test_sparql_load_graphs_is_off_after_loading() -> None:
    import rdflib.plugins.sparql

    from trilat_kg.graph import load_union

    load_union()
    assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False


# ------------------------------------------------------------------ refusing what would fetch


class _Server:
    """A loopback HTTP server that serves a JSON-LD context and logs every request."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        log = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                log.append(self.path)
                body = json.dumps({"@context": {"p": "http://ex/p"}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/ld+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/context.jsonld"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    yield srv
    srv.close()


@pytest.fixture
def remote_jsonld(tmp_path: Path, server: _Server) -> Path:
    path = tmp_path / "remote.jsonld"
    doc = {"@context": server.url, "@id": "http://ex/a", "p": "x"}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_remote_context_is_refused_and_never_fetched(remote_jsonld: Path, server: _Server) -> None:
    from trilat_kg.export import load_jsonld
    from trilat_kg.graph import load_dataset, parse_file

    with pytest.raises(DataError, match="refused"):
        load_jsonld(remote_jsonld)
    with pytest.raises(DataError, match="refused"):
        parse_file(remote_jsonld)
    with pytest.raises(DataError, match="refused"):
        load_dataset(extra=[remote_jsonld])
    assert server.requests == []


def test_remote_context_is_refused_by_the_query_store(remote_jsonld: Path, server: _Server) -> None:
    import importlib.util

    if importlib.util.find_spec("trilat_kg.store") is None:
        pytest.skip("trilat_kg.store is not written yet")
    from trilat_kg.store import load_store

    with pytest.raises(TrilatError):
        load_store([remote_jsonld])
    assert server.requests == []


def test_rdfxml_with_entities_is_refused(tmp_path: Path) -> None:
    from trilat_kg.graph import parse_file

    path = tmp_path / "bomb.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="DOCTYPE"):
        parse_file(path)
    plain = tmp_path / "plain.rdf"
    plain.write_text(
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="http://ex/"><rdf:Description rdf:about="http://ex/a"><ex:p>x</ex:p>'
        "</rdf:Description></rdf:RDF>\n",
        encoding="utf-8",
    )
    assert len(parse_file(plain)) == 1


# ------------------------------------------------------------------ reading bad files


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("unterminated.ttl", b'@prefix ex: <http://ex/> .\nex:a ex:b "open .\n', r":2: "),
        ("undeclared.ttl", b"ex:a ex:b ex:c .\n", r':1: The prefix ex: has not been declared'),
        (
            "latin1.ttl",
            '<http://ex/a> <http://ex/b> "José" .\n'.encode("latin-1"),
            r": not UTF-8 at byte 32",
        ),
    ],
)
def test_bad_files_give_one_line_errors_naming_the_file(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    from trilat_kg.graph import parse_turtle

    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as info:
        parse_turtle(path)
    assert str(info.value).startswith(str(path)), str(info.value)
    assert "<>" not in str(info.value)


def test_deep_nesting_is_read_without_recursion(tmp_path: Path) -> None:
    """400 nested blank nodes are valid Turtle: read iteratively, no RecursionError."""
    from trilat_kg.graph import parse_turtle

    path = tmp_path / "deep.ttl"
    path.write_text("@prefix ex: <http://ex/> . ex:a ex:b " + "[ ex:c " * 400 + "ex:d"
                    + " ]" * 400 + " .\n", encoding="utf-8")
    assert len(parse_turtle(path)) == 401


def test_missing_file_and_directory_are_io_errors(tmp_path: Path) -> None:
    from trilat_kg.graph import parse_turtle

    with pytest.raises(LocalIOError, match="no such file"):
        parse_turtle(tmp_path / "nope.ttl")
    with pytest.raises(LocalIOError, match="directory"):
        parse_turtle(tmp_path)
    loop = tmp_path / "loop.ttl"
    loop.symlink_to(loop)
    with pytest.raises(LocalIOError, match=str(loop)):
        parse_turtle(loop)
