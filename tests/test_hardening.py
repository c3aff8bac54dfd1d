"""Faults and hostile inputs (reference/bad-inputs.md rows 39-48): each case with its outcome.

Credentials stay with their origin; the push lock cannot be planted; every local query has a
deadline, answers Ctrl-C within a second and cannot crash the engine by nesting; SIGTERM
cleans up like Ctrl-C; stdout on a full device is exit 4; parameters are checked for what
they mean; a lone surrogate is refused in every format; an unreadable file is exit 4.
Signals, rlimits and argv bytes need real processes: those tests use ``subprocess``.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from trilat_kg.cli import cli
from trilat_kg.deadline import DeadlineExceeded, run_with_deadline
from trilat_kg.errors import LocalIOError, UsageError
from trilat_kg.push import lock_folder, lock_path, push
from trilat_kg.queries import catalogue
from trilat_kg.sparql import MAX_NESTING, check_nesting, run_sparql

PASSWORD = "s3cret-Pa55word!"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), input=input, env=env)


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "trilat_kg.cli", *args]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No credentials and no lock folder of the machine running the tests."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("NETRC", "TRILAT_KG_USER", "TRILAT_KG_PASSWORD", "XDG_RUNTIME_DIR",
                 "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(scope="module")
def big_nt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10^4 triples: a cartesian product of three patterns over them never ends."""
    path = tmp_path_factory.mktemp("big") / "big.nt"
    path.write_text("".join(f'<http://ex/s{i}> <http://ex/p> "{i}" .\n' for i in range(10_000)),
                    encoding="utf-8")
    return path


# ---------------------------------------------------------------- row 39: credentials



class _QuietServer(http.server.ThreadingHTTPServer):
    """A loopback test server that keeps a client's dropped connection off stderr.

    ``socketserver`` prints the traceback of a connection the client closed early (the CLI
    under test may do so by design) to ``sys.stderr``, which the CLI runner captures as the
    command's own output.
    """

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return None

class _Origin(http.server.BaseHTTPRequestHandler):
    """A Graph Store (PUT) and query endpoint (POST) that logs each request's Authorization."""

    graphs: ClassVar[dict[str, int]] = {}
    seen: ClassVar[list[tuple[int, str, str]]] = []
    lock = threading.Lock()

    def _reply(self, status: int, body: bytes, ctype: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _log(self) -> None:
        with self.lock:
            self.seen.append((self.server.server_address[1], self.command,
                              self.headers.get("Authorization", "")))

    def do_HEAD(self) -> None:
        self._log()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_PUT(self) -> None:
        self._log()
        graph = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["graph"][0]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.lock:
            self.graphs[graph] = sum(1 for line in body.splitlines() if line.strip())
        self._reply(204, b"")

    def do_POST(self) -> None:
        self._log()
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"]))
                                     .decode("utf-8"))
        query = form["query"][0]
        if query.startswith("ASK"):
            body: dict[str, object] = {"head": {}, "boolean": True}
        else:
            match = re.search(r"GRAPH <([^>]*)>", query)
            assert match is not None
            count = self.graphs.get(match[1], 0)
            body = {"head": {"vars": ["n"]}, "results": {"bindings": [
                {"n": {"type": "literal", "value": str(count), "datatype": XSD_INTEGER}}]}}
        self._reply(200, json.dumps(body).encode(), "application/sparql-results+json")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def two_origins() -> Iterator[tuple[int, int]]:
    """Two loopback servers sharing one store: same host, two ports (two origins)."""
    _Origin.graphs.clear()
    _Origin.seen.clear()
    servers = [_QuietServer(("127.0.0.1", 0), _Origin) for _ in range(2)]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
    yield servers[0].server_address[1], servers[1].server_address[1]
    for server in servers:
        server.shutdown()
        server.server_close()


def test_netrc_credentials_of_the_store_never_reach_an_endpoint_on_another_port(
        two_origins: tuple[int, int], isolated_home: Path) -> None:
    """A netrc entry names a host, not a port: the store's entry is the store's only."""
    store_port, query_port = two_origins
    netrc = isolated_home / ".netrc"
    netrc.write_text(f"machine 127.0.0.1 login pusher password {PASSWORD}\n", encoding="utf-8")
    netrc.chmod(0o600)
    result = run("push", "--endpoint", f"http://127.0.0.1:{query_port}/ok/query",
                 "--store", f"http://127.0.0.1:{store_port}/ok/data")
    assert result.exit_code == 0, result.stderr
    token = "Basic " + base64.b64encode(f"pusher:{PASSWORD}".encode()).decode()
    to_store = [auth for port, _, auth in _Origin.seen if port == store_port]
    to_query = [(method, auth) for port, method, auth in _Origin.seen if port == query_port]
    assert to_store and set(to_store) == {token}
    assert to_query and all(method == "POST" for method, _ in to_query)
    assert {auth for _, auth in to_query} == {""}, "the store's password went to another origin"


def test_environment_credentials_never_reach_an_endpoint_on_another_port(
        two_origins: tuple[int, int]) -> None:
    store_port, query_port = two_origins
    env = {"TRILAT_KG_USER": "pusher", "TRILAT_KG_PASSWORD": PASSWORD}
    result = run("push", "--endpoint", f"http://127.0.0.1:{query_port}/ok/query",
                 "--store", f"http://127.0.0.1:{store_port}/ok/data", env=env)
    assert result.exit_code == 0, result.stderr
    assert {auth for port, _, auth in _Origin.seen if port == query_port} == {""}


# ---------------------------------------------------------------- row 40: the push lock


def test_the_lock_lives_in_a_folder_only_the_user_can_write(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            two_origins: tuple[int, int]) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    store = f"http://127.0.0.1:{two_origins[0]}/ok/data"
    push(store.replace("/data", "/query"), store=store)
    path = lock_path(store)
    assert path.parent == runtime / "trilat-kg"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not str(path).startswith("/tmp/trilat-kg-push")


def test_without_xdg_runtime_dir_the_lock_is_under_the_cache_folder(isolated_home: Path) -> None:
    assert lock_folder() == isolated_home / ".cache" / "trilat-kg"


@pytest.mark.parametrize("planted", ["symlink", "directory", "fifo"])
def test_a_planted_lock_is_refused_in_one_line_and_never_followed(
        planted: str, tmp_path: Path, two_origins: tuple[int, int]) -> None:
    store = f"http://127.0.0.1:{two_origins[0]}/ok/data"
    path = lock_path(store)
    victim = tmp_path / "victim.txt"
    if planted == "symlink":
        path.symlink_to(victim)
    elif planted == "directory":
        path.mkdir()
    else:
        os.mkfifo(path)
    result = run("push", "--endpoint", store.replace("/data", "/query"), "--store", store)
    assert result.exit_code == 4, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"trilat-kg: error: {path}: lock file ")
    assert not victim.exists(), "the planted link was followed"
    assert _Origin.seen == [], "pushed without holding the lock"


def test_a_symlinked_lock_folder_is_refused(tmp_path: Path, isolated_home: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (isolated_home / ".cache").mkdir()
    (isolated_home / ".cache" / "trilat-kg").symlink_to(elsewhere)
    with pytest.raises(LocalIOError, match="not a folder"):
        lock_folder()


def test_a_lock_folder_writable_by_others_is_refused(isolated_home: Path) -> None:
    folder = isolated_home / ".cache" / "trilat-kg"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    with pytest.raises(LocalIOError, match="writable by others"):
        lock_folder()


# ---------------------------------------------------------------- row 41: deep nesting


def test_a_deeply_nested_query_is_refused_not_a_segfault(tmp_path: Path) -> None:
    """5,000 nested groups (10 KB) overflowed the engine's stack: SIGSEGV, exit 139."""
    query = tmp_path / "deep.rq"
    query.write_text("SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o " + "} " * 5000,
                     encoding="utf-8")
    proc = subprocess.run(cli_command("sparql", str(query)), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stderr == (f"trilat-kg: error: {query}:1: query nested more than {MAX_NESTING} "
                           "levels deep (refused: the engine would run out of stack)\n")


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 600 + "1" + ")" * 600 + ") }",
    "SELECT * WHERE { ?s ?p " + "[ ?p " * 600 + "?o" + " ]" * 600 + " }",
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 600 + "true) }",
])
def test_every_kind_of_nesting_counts(text: str) -> None:
    with pytest.raises(UsageError, match="nested more than"):
        run_sparql(text)


def test_nesting_inside_strings_iris_and_comments_does_not_count() -> None:
    braces = "{" * (MAX_NESTING + 10)
    check_nesting(f'SELECT * WHERE {{ ?s ?p "{braces}" }} # {braces}\n')


def test_nesting_at_the_limit_runs() -> None:
    text = "SELECT * WHERE " + "{ " * (MAX_NESTING - 1) + "?s ?p ?o " + "} " * (MAX_NESTING - 1)
    assert run_sparql(text, limit=1).rows


def test_every_canned_query_is_far_within_the_nesting_limit() -> None:
    for query in catalogue():
        check_nesting(query.text, str(query.path), limit=MAX_NESTING // 10)


# ---------------------------------------------------------------- row 42: deadline, Ctrl-C


def test_a_local_query_without_end_stops_at_its_deadline(big_nt: Path) -> None:
    start = time.monotonic()
    proc = subprocess.run(cli_command("sparql", "--data", str(big_nt), "--timeout", "1"),
                          input=CARTESIAN, capture_output=True, text=True, timeout=120)
    waited = time.monotonic() - start
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ("trilat-kg: error: <stdin>: query exceeded the deadline of 1 s "
                           "(--timeout SECONDS)\n")
    assert proc.stdout == ""
    assert waited < 30, "the process did not end after the deadline"


def test_a_canned_query_takes_the_deadline_too(monkeypatch: pytest.MonkeyPatch) -> None:
    import trilat_kg.sparql as sparql_module
    from trilat_kg.queries import run_query

    seen: list[float | None] = []
    original = sparql_module.execute

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs.get("timeout"))
        return original(*args, **kwargs)

    monkeypatch.setattr(sparql_module, "execute", spy)
    run_query("state-identifier-crosswalk", timeout=7.5)
    assert seen == [7.5]


def test_the_library_raises_deadline_exceeded(big_nt: Path) -> None:
    with pytest.raises(DeadlineExceeded, match=r"query exceeded the deadline of 0\.5 s"):
        run_sparql(CARTESIAN, extra=[big_nt], timeout=0.5)


def test_a_worker_error_reaches_the_caller() -> None:
    def fail() -> None:
        raise ValueError("from the worker")

    with pytest.raises(ValueError, match="from the worker"):
        run_with_deadline(fail, 5)


def _cpu_seconds(pid: int) -> float:
    """CPU time the process has used so far, all threads (Linux /proc); 0 if unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _wait_until_evaluating(proc: subprocess.Popen[str]) -> None:
    """Until the query has been loaded and has been evaluated for a while.

    Starting Python, importing the CLI and loading 10^4 triples take well under 0.5 s of
    CPU; a process that has used 1 s is evaluating the query. Without /proc: 3 s.
    """
    if not Path(f"/proc/{proc.pid}/stat").exists():  # pragma: no cover
        time.sleep(3)
        return
    deadline = time.monotonic() + 60
    while _cpu_seconds(proc.pid) < 1.0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.parametrize(("sig", "code", "message"), [
    (signal.SIGINT, 130, "trilat-kg: error: interrupted\n"),
    (signal.SIGTERM, 143, "trilat-kg: error: terminated (SIGTERM)\n"),
])
def test_a_running_query_stops_within_a_second_of_a_signal(big_nt: Path, sig: int, code: int,
                                                           message: str) -> None:
    proc = subprocess.Popen(cli_command("sparql", "--data", str(big_nt)), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdin is not None
        proc.stdin.write(CARTESIAN)
        proc.stdin.close()
        _wait_until_evaluating(proc)  # a wait, not an assertion
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        proc.send_signal(sig)
        sent = time.monotonic()
        proc.wait(timeout=30)
        took = time.monotonic() - sent
        assert proc.stderr is not None
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code
    assert err == message
    assert took < 1.0, f"stopped {took:.2f} s after the signal"


# ---------------------------------------------------------------- row 44: SIGTERM, temp files


_SLOW_WRITE = """
import sys, time
from pathlib import Path
from trilat_kg.signals import Terminated, install
from trilat_kg.atomic import write_atomic

install()

def slow(fh):
    fh.write(b"partial " * 1000)
    fh.flush()
    time.sleep(60)

try:
    write_atomic(Path(sys.argv[1]), slow)
except Terminated as exc:
    sys.exit(exc.exit_code)
"""


def test_sigterm_during_an_atomic_write_removes_the_temporary_file(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "out.nt"
    target.write_bytes(b"old contents\n")
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITE, str(target)])
    try:
        deadline = time.monotonic() + 60
        while not list(folder.glob(".out.nt.*.tmp")):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143
    assert target.read_bytes() == b"old contents\n"
    assert list(folder.iterdir()) == [target], "a temporary file was left behind"


# ---------------------------------------------------------------- row 45: stdout full, pipe


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
@pytest.mark.parametrize("args", [
    ("export", "--format", "nt"),
    ("query", "state-identifier-crosswalk"),
    ("queries",),
    ("stats",),
])
def test_stdout_on_a_full_device_is_exit_4_in_one_line(args: tuple[str, ...]) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(cli_command(*args), stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    assert proc.returncode == 4, proc.stderr
    assert proc.stderr == "trilat-kg: error: no space left on device: standard output\n"


def test_export_into_a_closed_pipe_is_141_quietly() -> None:
    proc = subprocess.Popen(cli_command("export", "--format", "nt"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert first.startswith(b"<") or first.startswith(b"_:")
    assert proc.returncode == 141
    assert err == b""


# ---------------------------------------------------------------- row 47: parameters


@pytest.mark.parametrize("value", ["٢٠١٦-٠١-٠١", "２０１６-０１-０１", "2016-01-0١"])
def test_a_date_in_other_digits_is_refused_before_any_query(value: str) -> None:
    result = run("query", "lifecycle-steps-between", "--param", f"from={value}")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.count("\n") == 1
    assert "parameter 'from' of 'lifecycle-steps-between': invalid date" in result.stderr


@pytest.mark.parametrize("value", ["٢٠١٦", "１"])
def test_numbers_in_other_digits_are_refused(value: str) -> None:
    from trilat_kg.queries import Param, make_term

    param = Param("n", "_n_xsd_integer", "typed", True, "http://www.w3.org/2001/XMLSchema#integer")
    with pytest.raises(UsageError, match="invalid xsd:integer"):
        make_term(param, value)


def test_invalid_utf8_in_a_parameter_is_exit_2_in_one_line() -> None:
    argv = [os.fsencode(a) for a in cli_command("query", "lifecycle-steps-between", "--param")]
    proc = subprocess.run([*argv, b"from=2016-01-0\xff"], capture_output=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (b"trilat-kg: error: parameter 'from' of 'lifecycle-steps-between': "
                           b"not valid UTF-8 at character 10\n")


# ---------------------------------------------------------------- row 48: lone surrogate


_SURROGATE_FILES = {
    "lone.ttl": '@prefix ex: <http://ex/> .\nex:a ex:b "\\uD800 lone" .\n',
    "lone.nt": '<http://ex/a> <http://ex/b> "\\uD800 lone" .\n',
    "long.nt": '<http://ex/a> <http://ex/b> "\\U0000D800 lone" .\n',
    "lone.nq": '<http://ex/a> <http://ex/b> "\\uDFFF lone" <http://ex/g> .\n',
}


@pytest.mark.parametrize("fmt", ["turtle", "nt", "nq", "trig", "json-ld"])
@pytest.mark.parametrize("name", sorted(_SURROGATE_FILES))
def test_a_lone_surrogate_is_an_error_in_every_format(name: str, fmt: str,
                                                      tmp_path: Path) -> None:
    data = tmp_path / name
    data.write_text(_SURROGATE_FILES[name], encoding="utf-8")
    out = tmp_path / "out"
    result = run("export", "--format", fmt, "--data", str(data), "-o", str(out))
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith(f"trilat-kg: error: {data}:")
    assert result.stderr.count("\n") == 1
    assert "not a valid unicode character" in result.stderr
    assert not out.exists()


def test_a_raw_surrogate_byte_sequence_is_not_utf8(tmp_path: Path) -> None:
    data = tmp_path / "raw.nt"
    data.write_bytes(b'<http://ex/a> <http://ex/b> "\xed\xa0\x80 lone" .\n')
    result = run("export", "--format", "turtle", "--data", str(data))
    assert result.exit_code == 1
    assert result.stderr == f"trilat-kg: error: {data}: not UTF-8 at byte 29\n"


def test_a_lone_surrogate_in_json_ld_is_an_error(tmp_path: Path) -> None:
    data = tmp_path / "lone.jsonld"
    data.write_text('{"@context": {"ex": "http://ex/"}, "@id": "ex:a", "ex:b": "\\ud800 x"}\n',
                    encoding="utf-8")
    result = run("export", "--format", "nt", "--data", str(data))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"trilat-kg: error: {data}")
    assert result.stderr.count("\n") == 1


def test_a_lone_surrogate_in_a_parameter_is_refused() -> None:
    from trilat_kg.queries import run_query

    with pytest.raises(UsageError, match="not valid UTF-8"):
        run_query("lifecycle-steps-between", {"from": "2016-01-01\ud800"})


# ---------------------------------------------------------------- row 6: unreadable file


def _without_file_permission_override() -> list[str]:
    """A command prefix under which root cannot read a chmod 000 file (or [] as a user)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv (util-linux) is missing: root reads any file")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}", "--"]


@pytest.mark.parametrize("command", [("stats",), ("export", "--format", "nt"),
                                     ("query", "state-identifier-crosswalk")])
def test_an_unreadable_data_file_is_exit_4_naming_it(command: tuple[str, ...],
                                                     tmp_path: Path) -> None:
    prefix = _without_file_permission_override()
    data = tmp_path / "locked.nt"
    data.write_text('<http://ex/a> <http://ex/b> "x" .\n', encoding="utf-8")
    data.chmod(0o000)
    proc = subprocess.run([*prefix, *cli_command(*command, "--data", str(data))],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stderr
    assert proc.stderr == f"trilat-kg: error: {data}: permission denied\n"



def test_max_bytes_limits_user_files_not_the_dataset(tmp_path: Path) -> None:
    """`--max-bytes` holds for every --data file; the dataset's own files are not limited."""
    from click.testing import CliRunner

    from trilat_kg.cli import cli

    mine = tmp_path / "mine.ttl"
    mine.write_text('<http://ex/a> <http://ex/p> "x" .\n', encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(cli, ["--max-bytes", "10", "stats", "--data", str(mine)])
    assert refused.exit_code == 1
    assert refused.stderr == (f"trilat-kg: error: {mine}: 34 bytes is above the limit of "
                              "10 bytes\n")
    assert runner.invoke(cli, ["--max-bytes", "10", "stats"]).exit_code == 0
    assert runner.invoke(cli, ["stats", "--data", str(mine)]).exit_code == 0


def test_out_of_memory_is_one_line_naming_the_file(tmp_path: Path) -> None:
    """Case 9: memory running out anywhere (parser, rdflib, the SHACL engine) is one line
    naming the --data files, exit 4, never a MemoryError traceback or an empty message.

    Provoked in a subprocess whose SHACL engine raises MemoryError, as it does under an
    address-space limit (a real limit makes this test take minutes)."""
    import subprocess
    import sys

    mine = tmp_path / "mine.ttl"
    mine.write_text('<http://ex/a> <http://ex/p> "x" .\n', encoding="utf-8")
    code = ("import sys, trilat_kg.validation as v\n"
            "def boom(*a, **k):\n    raise MemoryError\n"
            "v._engine = lambda name: (name, boom)\n"
            "from trilat_kg.cli import main\nmain(sys.argv[1:])\n")
    done = subprocess.run([sys.executable, "-c", code, "validate", "--data", str(mine)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr == (f"trilat-kg: error: out of memory: the dataset with {mine} does not "
                           "fit in the memory this process may use (give smaller files, or more "
                           "memory)\n")


def test_a_20_mb_literal_is_one_line_in_every_command(tmp_path: Path) -> None:
    """Case 9: one 20 MB literal. The parser refuses a term over 16 MiB; every command says so
    in one line naming the file, exit 1 (it gave a MemoryError traceback)."""
    from click.testing import CliRunner

    from trilat_kg.cli import cli

    huge = tmp_path / "huge.ttl"
    huge.write_text('<http://ex/a> <http://ex/p> "' + "x" * 20_000_000 + '" .\n',
                    encoding="utf-8")
    runner = CliRunner()
    for args in (["stats"], ["validate"], ["export", "--format", "nt", "-o",
                                           str(tmp_path / "out.nt")]):
        result = runner.invoke(cli, [*args, "--data", str(huge)])
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr == (f"trilat-kg: error: {huge}: a single literal or IRI longer "
                                 "than 16 MiB, which the parser refuses\n")
    assert not (tmp_path / "out.nt").exists()
