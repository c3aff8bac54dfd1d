"""One reading of an input, in every command (cases C.9-C.13 and B.8 of the faithful-path review).

Every command that takes ``--data`` reads it through :mod:`trilat_kg.loader`; each file below
must get the same verdict (exit code) and the same one-line message from all of them, with
no traceback, and the library must raise the same message.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from trilat_kg.cli import cli
from trilat_kg.errors import DataError

STATES = ("PREFIX trilat: <https://w3id.org/trilat-kg/ontology#>\n"
          "SELECT (COUNT(*) AS ?n) WHERE { ?s a trilat:State }\n")

BAD: dict[str, tuple[bytes, str]] = {
    # name: (content, the one line every command prints after "trilat-kg: error: FILE")
    "empty.ttl": (b"", ": no triples (the file is empty or holds only comments)"),
    "comments.ttl": (b"# nothing but a comment\n\n",
                     ": no triples (the file is empty or holds only comments)"),
    "relative.ttl": (b'<#note> <http://www.w3.org/2000/01/rdf-schema#label> "a note"@en .\n',
                     ":1: relative IRI and no base: write absolute IRIs (or declare @base)"),
    "relative.jsonld": (json.dumps({"@id": "#note", "http://ex/p": "x"}).encode(),
                        ":1: relative IRI '#note' and no base: write absolute IRIs (or declare "
                        "@base)"),
    "space.ttl": (b'<http://ex/a b> <http://ex/p> "x" .\n',
                  ":1: Invalid IRI code point ' ' (column 1)"),
    "braces.nt": (b'<http://ex/d{e}> <http://ex/p> "x" .\n',
                  ":1: Invalid IRI code point '{' (column 1)"),
    "illtyped.ttl": (b'@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n'
                     b'<http://ex/a> <http://ex/note> "30/06/2016"^^xsd:date .\n',
                     ':2: ill-typed literal "30/06/2016"^^xsd:date: not an xsd:date'),
    "month13.ttl": (b'<http://ex/a> <http://ex/p> '
                    b'"2016-13"^^<http://www.w3.org/2001/XMLSchema#gYearMonth> .\n',
                    ':1: ill-typed literal "2016-13"^^xsd:gYearMonth: not an xsd:gYearMonth'),
    "remote-context.jsonld": (json.dumps({"@context": "http://127.0.0.1:9/ctx.jsonld",
                                          "@id": "http://ex/a", "p": "x"}).encode(),
                              ": JSON-LD @context 'http://127.0.0.1:9/ctx.jsonld' refused: only "
                              "https://w3id.org/trilat-kg/context.jsonld (read from the package) "
                              "or an inline context is accepted; nothing is fetched"),
}

GOOD: dict[str, bytes] = {
    "bom.ttl": b'\xef\xbb\xbf<http://example.org/a> <http://example.org/p> "x" .\n',
    "bom.jsonld": b"\xef\xbb\xbf" + json.dumps({"@id": "http://example.org/a",
                                                "http://example.org/p": "x"}).encode(),
}

UNREACHABLE = "http://127.0.0.1:9/sparql"  # nothing listens on the discard port


def _commands(tmp_path: Path) -> dict[str, Callable[[Path], list[str]]]:
    query = tmp_path / "states.rq"
    query.write_text(STATES, encoding="utf-8")
    return {
        "validate": lambda f: ["validate", "--data", str(f)],
        "query": lambda f: ["query", "state-identifier-crosswalk", "--data", str(f)],
        "sparql": lambda f: ["sparql", str(query), "--data", str(f)],
        "stats": lambda f: ["stats", "--data", str(f)],
        "export": lambda f: ["export", "--format", "nt", "-o", str(tmp_path / "out.nt"),
                             "--data", str(f)],
        "export-jsonld": lambda f: ["export", "--format", "json-ld", "-o",
                                    str(tmp_path / "out.jsonld"), "--data", str(f)],
        "tables": lambda f: ["export", "--format", "csv", "-o", str(tmp_path / "tables"),
                             "--data", str(f)],
        "push": lambda f: ["push", "--endpoint", UNREACHABLE, "--timeout", "2",
                           "--data", str(f)],
        "links": lambda f: ["links", "check", "--endpoint", UNREACHABLE, "--timeout", "2",
                            "--data", str(f)],
        "serve": lambda f: ["serve", "--port", "0", "--data", str(f)],
    }


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_file_gets_one_verdict_and_one_line_everywhere(tmp_path: Path, name: str) -> None:
    content, message = BAD[name]
    path = tmp_path / name
    path.write_bytes(content)
    commands = _commands(tmp_path)
    assert len(commands) == 10
    runner = CliRunner()
    for command, args in commands.items():
        result = runner.invoke(cli, args(path))
        assert result.exit_code == 1, (command, result.output)
        assert result.stderr == f"trilat-kg: error: {path}{message}\n", command
        assert "Traceback" not in result.output
    assert not (tmp_path / "out.nt").exists() and not (tmp_path / "tables").exists()
    # The library raises the same message.
    import trilat_kg

    for load in (trilat_kg.load_store, lambda extra: trilat_kg.load_dataset(extra=extra),
                 lambda extra: trilat_kg.validate(extra)):
        with pytest.raises(DataError) as info:
            load([path])
        assert str(info.value) == f"{path}{message}"


@pytest.mark.parametrize("name", sorted(GOOD))
def test_a_byte_order_mark_is_accepted_everywhere(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(GOOD[name])
    _accepted_everywhere(tmp_path, path, extra_triples=1)


@pytest.mark.parametrize("context", ["inline", "reference"])
def test_the_projects_own_jsonld_is_read_back_by_every_command(tmp_path: Path,
                                                               context: str) -> None:
    """Case B.8: the JSON-LD export given back with --data is accepted by every command."""
    mine = tmp_path / "mine.ttl"
    mine.write_text('<http://example.org/a> <http://example.org/p> "x" .\n', encoding="utf-8")
    export = tmp_path / "mine.jsonld"
    result = CliRunner().invoke(cli, ["export", "--format", "json-ld", "--graph", "user",
                                      "--jsonld-context", context, "--data", str(mine),
                                      "-o", str(export)])
    assert result.exit_code == 0, result.output
    _accepted_everywhere(tmp_path, export, extra_triples=1)


def _accepted_everywhere(tmp_path: Path, path: Path, extra_triples: int) -> None:
    runner = CliRunner()
    for command, args in _commands(tmp_path).items():
        if command == "serve":
            continue  # a serve that starts does not return: checked below
        result = runner.invoke(cli, args(path))
        want = 3 if command in ("push", "links") else 0  # the file is read, the remote fails
        assert result.exit_code == want, (command, result.output)
        assert "Traceback" not in result.output
    mixed = runner.invoke(cli, ["export", "--format", "nt", "--data", str(path)])
    assert mixed.stdout.count("\n") == _plain_export_lines() + extra_triples
    assert _serve_count(path) == "7"


@cache
def _plain_export_lines() -> int:
    """Lines of ``export --format nt`` without --data (the same for every test here)."""
    result = CliRunner().invoke(cli, ["export", "--format", "nt"])
    assert result.exit_code == 0, result.output
    return result.stdout.count("\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_count(path: Path) -> str:
    """Start a real ``serve`` with ``--data``, ask it the state count, stop it."""
    import signal

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "trilat_kg.cli", "serve", "--port", str(port),
                             "--data", str(path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": STATES})
        for _ in range(300):
            if proc.poll() is not None:
                pytest.fail(f"serve exited: {proc.stderr.read()!r}")  # type: ignore[union-attr]
            try:
                request = urllib.request.Request(
                    url, headers={"Accept": "application/sparql-results+json"})
                with urllib.request.urlopen(request, timeout=5) as answer:
                    doc = json.load(answer)
                return str(doc["results"]["bindings"][0]["n"]["value"])
            except (OSError, ValueError):
                time.sleep(0.1)
        pytest.fail("serve did not answer within 30 s")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()



def test_what_a_dependency_logs_is_one_line_without_debug() -> None:
    """rdflib logs a traceback for values it cannot convert; the CLI prints one line of it."""
    code = (
        "import sys\n"
        "from rdflib import Literal, XSD\n"
        "from trilat_kg import cli as c\n"
        "@c.cli.command('convert')\n"
        "def convert():\n"
        "    Literal('30/06/2016', datatype=XSD.date).toPython()\n"
        "c.main(sys.argv[1:])\n"
    )
    quiet = subprocess.run([sys.executable, "-c", code, "convert"], capture_output=True,
                           text=True, timeout=60)
    assert quiet.returncode == 0
    assert "Traceback" not in quiet.stderr
    assert quiet.stderr.count("\n") == 1 and quiet.stderr.startswith("trilat-kg: warning: rdflib")
    loud = subprocess.run([sys.executable, "-c", code, "--debug", "convert"],
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" in loud.stderr


def test_rdflib_terms_keep_the_lexical_form_even_after_pyshacl_ran() -> None:
    """pySHACL switches rdflib's literal normalisation back on; the loader's terms stay as
    written, so a shape sees "07"^^xsd:positiveInteger, not "7"."""
    import pyoxigraph as ox

    import trilat_kg
    from trilat_kg.graph import to_rdflib

    trilat_kg.validate()  # runs pySHACL once
    xsd = "http://www.w3.org/2001/XMLSchema#"
    for lexical, datatype in (("07", "positiveInteger"), ("+7", "integer"), ("1.50", "decimal")):
        term = to_rdflib(ox.Literal(lexical, datatype=ox.NamedNode(xsd + datatype)))
        assert str(term) == lexical


def test_the_byte_limit_holds_for_devices_and_fifos(tmp_path: Path) -> None:
    """A device or FIFO has no size to check first: it is read up to the limit, then refused."""
    import os
    import threading

    from trilat_kg.loader import DEFAULT_MAX_BYTES, read_triples

    assert DEFAULT_MAX_BYTES == 1 << 30
    zero = tmp_path / "zero.nt"
    zero.symlink_to("/dev/zero")
    with pytest.raises(DataError, match=r"zero.nt: more than the limit of 1000 bytes$"):
        read_triples(zero, max_bytes=1000)
    fifo = tmp_path / "pipe.nt"
    os.mkfifo(fifo)
    line = b'<http://ex/a> <http://ex/p> "x" .\n'

    def feed() -> None:
        try:
            with fifo.open("wb") as handle:
                handle.write(line * 100)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed)
    writer.start()
    with pytest.raises(DataError, match="more than the limit of 1000 bytes"):
        read_triples(fifo, max_bytes=1000)
    writer.join(timeout=10)
    big = tmp_path / "big.nt"
    big.write_bytes(line * 100)
    with pytest.raises(DataError, match=r"big.nt: 3400 bytes is above the limit of 1000 bytes"):
        read_triples(big, max_bytes=1000)
    assert len(read_triples(big)) == 100  # the default limit lets it through
