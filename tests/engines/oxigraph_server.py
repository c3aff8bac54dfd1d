"""Oxigraph server (the ``oxigraph`` program from PyPI) on 127.0.0.1, loaded from files.

``load(location, files)`` runs ``oxigraph load --location DIR --file FILE`` for each file
(N-Quads keep their named graphs; quads without a graph, and N-Triples, go to the default
graph); ``start(location, union=...)`` runs ``oxigraph serve --location DIR --bind
127.0.0.1:PORT`` on a free port, with ``--union-default-graph`` when ``union`` is true, and
returns a :class:`Server` whose ``query_url`` answers the SPARQL 1.1 Protocol. ``stop()``
ends the process (and only it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

__all__ = ["Server", "binary", "load", "start"]

#: Requests to 127.0.0.1 go straight there, whatever proxy the environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def binary() -> str | None:
    """Path of the ``oxigraph`` program (next to this Python first), or None."""
    return shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or \
        shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load(location: Path, files: Sequence[Path], program: str | None = None) -> None:
    """Load ``files`` into the store at ``location`` (created when missing), one by one."""
    program = program or binary()
    if program is None:
        raise FileNotFoundError("oxigraph (pip install oxigraph)")
    location.parent.mkdir(parents=True, exist_ok=True)
    for path in files:
        done = subprocess.run([program, "load", "--location", str(location), "--file", str(path)],
                              capture_output=True, text=True, timeout=300, check=False)
        if done.returncode:
            raise RuntimeError(f"oxigraph load {path.name} failed: {done.stderr.strip()}")


class Server:
    """A running ``oxigraph serve``; ``query_url`` is its SPARQL endpoint."""

    def __init__(self, process: subprocess.Popen[bytes], base: str, union: bool) -> None:
        self.process = process
        self.base = base
        self.query_url = base + "/query"
        self.union = union

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self.process.kill()
                self.process.wait()


def start(location: Path, *, union: bool = False, program: str | None = None,
          read_only: bool = False, wait: float = 30.0) -> Server:
    """Serve the store at ``location`` on 127.0.0.1 (a free port) until ``stop()``.

    ``read_only`` runs ``serve-read-only``, which answers queries as ``serve`` does and lets
    two servers share one store folder.
    """
    program = program or binary()
    if program is None:
        raise FileNotFoundError("oxigraph (pip install oxigraph)")
    port = free_port()
    command = [program, "serve-read-only" if read_only else "serve",
               "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    if union:
        command.append("--union-default-graph")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Server(process, f"http://127.0.0.1:{port}", union)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode("utf-8", "replace")  # type: ignore[union-attr]
            raise RuntimeError(f"oxigraph serve exited: {error.strip()}")
        try:
            with _OPENER.open(server.query_url + "?query=ASK%7B%7D", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"oxigraph serve did not answer within {wait:g} s")
