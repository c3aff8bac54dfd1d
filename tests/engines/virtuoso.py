"""A real OpenLink Virtuoso 7 server for tests: started on 127.0.0.1, stopped afterwards.

Usage, one server per test module (a start takes a few seconds)::

    from engines.virtuoso import require_virtuoso, start_virtuoso

    @pytest.fixture(scope="module")
    def virtuoso(tmp_path_factory):
        require_virtuoso()                      # skip, or fail under TRILAT_REQUIRE_ENGINES=1
        with start_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
            yield server

    def test_something(virtuoso):
        virtuoso.sparql_url      # http://127.0.0.1:PORT/sparql (public, read-only queries)
        virtuoso.crud_url        # http://127.0.0.1:PORT/sparql-graph-crud-auth (Digest only)
        virtuoso.user, virtuoso.password                   # "dba", "dba"

The server runs the Debian/Ubuntu package's binary (``virtuoso-opensource-7``, found as
``virtuoso-t`` on ``PATH`` or at ``/usr/bin/virtuoso-t``) with a copy of the package's
``/etc/virtuoso-opensource-7/virtuoso.ini`` (or, when that file is missing, a minimal
configuration) in which only these change: the database, transaction, lock and log files
go to a fresh folder; the SQL port and the HTTP port are free ports bound to 127.0.0.1,
so nothing listens beyond loopback; anything passed as ``settings``. A new database starts
with the account ``dba``/``dba``, which holds every role (``SPARQL_UPDATE`` included), so
the Graph Store endpoint ``/sparql-graph-crud-auth`` accepts it with HTTP Digest as it is.

The process runs in its own process group; :meth:`VirtuosoServer.stop` (also called on
leaving the ``with`` block) sends it SIGTERM, waits, and kills the group if it lingers.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

__all__ = [
    "DEBIAN_INI",
    "REQUIRE_ENV",
    "VirtuosoServer",
    "require_virtuoso",
    "start_virtuoso",
    "virtuoso_binary",
]

#: The configuration file of the Debian package, copied and adjusted for each server.
DEBIAN_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
#: When this environment variable is ``1``, a missing engine fails the test (CI sets it).
REQUIRE_ENV = "TRILAT_REQUIRE_ENGINES"
_DEFAULT_BINARY = Path("/usr/bin/virtuoso-t")
#: The files a database consists of, put in the server's folder.
_FILES = {
    "Database": {"DatabaseFile": "virtuoso.db", "ErrorLogFile": "virtuoso.log",
                 "LockFile": "virtuoso.lck", "TransactionFile": "virtuoso.trx",
                 "xa_persistent_file": "virtuoso.pxa"},
    "TempDatabase": {"DatabaseFile": "virtuoso-temp.db", "TransactionFile": "virtuoso-temp.trx"},
}
_MINIMAL_INI = """\
[Database]
DatabaseFile = virtuoso.db
ErrorLogFile = virtuoso.log
LockFile = virtuoso.lck
TransactionFile = virtuoso.trx
xa_persistent_file = virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx

[Parameters]
ServerPort = 1111
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .

[HTTPServer]
ServerPort = 8890
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 10000
MaxQueryExecutionTime = 60
"""


def virtuoso_binary() -> str | None:
    """Path of ``virtuoso-t`` (on ``PATH`` or the Debian location), or None."""
    found = shutil.which("virtuoso-t")
    if found:
        return found
    return str(_DEFAULT_BINARY) if os.access(_DEFAULT_BINARY, os.X_OK) else None


def require_virtuoso() -> str:
    """The binary's path; skip the test when it is missing, or fail when the environment
    variable ``TRILAT_REQUIRE_ENGINES=1`` says the engines must be there (as in CI)."""
    import pytest

    binary = virtuoso_binary()
    if binary is None:
        reason = ("Virtuoso 7 (virtuoso-t) is not installed: apt-get install "
                  "virtuoso-opensource-7")
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason}, and {REQUIRE_ENV}=1 requires it")
        pytest.skip(reason)
    return binary


class VirtuosoServer:
    """A running Virtuoso: its URLs, account and folder; a context manager that stops it."""

    def __init__(self, process: subprocess.Popen[bytes], folder: Path, http_port: int,
                 sql_port: int) -> None:
        self.process = process
        #: The folder with the database, ``virtuoso.ini`` and ``output.log``.
        self.folder = folder
        self.http_port = http_port
        self.sql_port = sql_port
        #: ``http://127.0.0.1:PORT``
        self.base_url = f"http://127.0.0.1:{http_port}"
        #: The SPARQL query endpoint (no authentication; updates are refused there).
        self.sparql_url = self.base_url + "/sparql"
        #: The SPARQL 1.1 Graph Store endpoint that takes writes, with HTTP Digest only.
        self.crud_url = self.base_url + "/sparql-graph-crud-auth"
        self.user = "dba"
        self.password = "dba"

    def __repr__(self) -> str:
        return f"VirtuosoServer({self.base_url}, pid={self.process.pid})"

    def log(self) -> str:
        """What the server printed so far (its log), for failure messages."""
        try:
            return (self.folder / "output.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 30) -> None:
        """Stop the server and its process group; safe to call twice."""
        if self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait(timeout=timeout)
        _signal_group(self.process, signal.SIGKILL)  # anything of the group still left

    def __enter__(self) -> VirtuosoServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)  # the group the server leads (start_new_session)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def configure(text: str, changes: Mapping[str, Mapping[str, str]]) -> str:
    """``text`` (an ini file) with the keys of ``changes`` set, section by section.

    Existing keys are replaced in place (names compared without case, commented lines
    left alone); missing keys are added at the end of their section, missing sections at
    the end of the file. Everything else, comments included, stays as it was.
    """
    wanted = {section.lower(): {key.lower(): (key, value) for key, value in keys.items()}
              for section, keys in changes.items()}
    done: set[tuple[str, str]] = set()
    out: list[str] = []
    section = ""

    def close(name: str) -> None:
        for key, (spelled, value) in wanted.get(name, {}).items():
            if (name, key) not in done:
                out.append(f"{spelled} = {value}")
                done.add((name, key))

    for line in text.splitlines():
        header = re.match(r"\s*\[([^\]]+)\]", line)
        if header:
            close(section)
            section = header[1].strip().lower()
            out.append(line)
            continue
        entry = re.match(r"\s*([A-Za-z0-9_]+)\s*=", line)
        if entry and section in wanted and entry[1].lower() in wanted[section]:
            key = entry[1].lower()
            spelled, value = wanted[section][key]
            out.append(f"{spelled} = {value}")
            done.add((section, key))
            continue
        out.append(line)
    close(section)
    for name, keys in changes.items():
        if not any((name.lower(), key.lower()) in done for key in keys):
            out += ["", f"[{name}]"] + [f"{key} = {value}" for key, value in keys.items()]
    return "\n".join(out) + "\n"


def start_virtuoso(folder: Path, *, settings: Mapping[str, Mapping[str, str]] | None = None,
                   binary: str | None = None, timeout: float = 90) -> VirtuosoServer:
    """Start Virtuoso with a fresh database in ``folder`` and wait until it answers.

    ``settings`` adds or replaces ini keys, e.g. ``{"SPARQL": {"ResultSetMaxRows": "100"}}``.
    Raises RuntimeError (with the server's log) when it exits or does not answer SPARQL
    within ``timeout`` seconds. Use the result as a context manager, or call ``stop()``.
    """
    binary = binary or virtuoso_binary()
    if binary is None:
        raise RuntimeError("virtuoso-t is not installed")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    source = DEBIAN_INI.read_text(encoding="utf-8") if DEBIAN_INI.is_file() else _MINIMAL_INI
    problem = ""
    for _ in range(3):  # a free port may be taken between choosing it and binding it
        http_port, sql_port = _free_port(), _free_port()
        if http_port == sql_port:
            continue
        changes: dict[str, dict[str, str]] = {
            name: {key: str(folder / file) for key, file in files.items()}
            for name, files in _FILES.items()}
        changes.setdefault("Parameters", {})["ServerPort"] = f"127.0.0.1:{sql_port}"
        changes.setdefault("HTTPServer", {})["ServerPort"] = f"127.0.0.1:{http_port}"
        changes.setdefault("URIQA", {})["DefaultHost"] = f"127.0.0.1:{http_port}"
        for name, keys in (settings or {}).items():
            changes.setdefault(name, {}).update(keys)
        ini = folder / "virtuoso.ini"
        ini.write_text(configure(source, changes), encoding="utf-8")
        with open(folder / "output.log", "wb") as output:
            process = subprocess.Popen(
                [binary, "+foreground", "+configfile", str(ini)], cwd=folder,
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True)
        server = VirtuosoServer(process, folder, http_port, sql_port)
        try:
            if _wait_ready(server, timeout):
                return server
        except BaseException:
            server.stop()
            raise
        problem = server.log()
        server.stop()
        if "port" not in problem.lower() and "address" not in problem.lower():
            break
        for name in folder.iterdir():  # the next try starts from a fresh database
            if name.name.startswith("virtuoso") and name.is_file():
                name.unlink()
    raise RuntimeError(f"Virtuoso did not start; its log ends: {problem[-2000:]}")


def _wait_ready(server: VirtuosoServer, timeout: float) -> bool:
    """True once the log says the server is online and /sparql answers; False if it exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        if "Server online at" in server.log():
            # http.client, not urllib: no proxy from the environment gets in the way
            conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=5)
            try:
                conn.request("GET", "/sparql?query=ASK%7B%7D")
                if conn.getresponse().status == 200:
                    return True
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"Virtuoso did not answer within {timeout:g} s; its log ends: "
                       f"{server.log()[-2000:]}")
