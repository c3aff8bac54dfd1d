"""Load `trilat-kg serve` and `oxigraph serve-read-only` side by side on the same data.

Run from the repository with the package installed (``pip install -e .[test]`` brings the
``oxigraph`` server program)::

    python bench/serve_load.py                 # 5 s per step
    python bench/serve_load.py --duration 2    # a quicker look

The dataset is exported as N-Quads (the named graphs and their merge as the default graph)
and loaded into an Oxigraph store in ``bench/out/serve-load/`` (git-ignored); then both
servers are started on 127.0.0.1 with the same query deadline. One canned query,
``state-identifier-crosswalk``, is asked by 4, 16 and 50 concurrent clients, each sending
its next request as soon as the last is answered, for a fixed time per step (and at most a
fixed number of requests):

* Oxigraph at ``/query``, the query text as ``query=``;
* ``trilat-kg serve`` at ``/sparql``, the same text;
* ``trilat-kg serve`` at ``/queries/state-identifier-crosswalk``, the canned route.

Every step runs twice: on an idle server, and while two other clients keep asking an
expensive query (a cross join of every triple with every triple, three times over), which
runs until the server's deadline stops it (Oxigraph has sent its 200 and the start of the
answer by then, and cuts the body short; ``serve`` answers 503). Each client opens a new
connection per request, as curl, SPARQLWrapper and R's SPARQL package do, and asks for
SPARQL JSON. The figures are requests answered 200 per second and the median and 99th
percentile of their latency (connect to last byte); the ratios compare each ``serve`` route
with Oxigraph in the same run. The clients (asyncio, one process) share the machine with
the servers.

This is not a test: nothing here fails a build. Every server started is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out" / "serve-load"
QUERY = "state-identifier-crosswalk"
#: Every triple with every triple with every triple: never finishes before a deadline.
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ACCEPT = "application/sparql-results+json"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def script(name: str) -> str:
    """A console script of this interpreter's environment (bin/ is not always on PATH)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        sys.exit(f"bench: {name} not found; install the package (pip install -e .[test])")
    return found


def default_sigint() -> None:
    """In the server's process: SIGINT stops it, even when this script runs in the background
    (a shell without job control starts background commands with SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------ servers


@dataclass
class Target:
    """One route of one server: what is measured in a step."""

    label: str
    port: int
    path: str  # with the query string
    expensive_path: str

    def request(self, path: str) -> bytes:
        return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAccept: {ACCEPT}\r\n"
                "Connection: close\r\n\r\n").encode("ascii")


@dataclass
class Servers:
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, command: Sequence[str], url: str, name: str) -> None:
        proc = subprocess.Popen(list(command), cwd=REPO, env=ENV, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, preexec_fn=default_sigint)
        self.processes.append(proc)
        for _ in range(1200):  # wait until it answers, at most about 2 minutes
            if proc.poll() is not None:
                sys.exit(f"bench: {name} exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=2) as reply:
                    reply.read()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        sys.exit(f"bench: {name} did not answer in time")

    def stop(self) -> None:
        """SIGINT (``serve`` exits 130 and kills its workers), then kill what is left."""
        for proc in self.processes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def prepare_store(oxigraph: str) -> Path:
    """Export the dataset as N-Quads and load it into a fresh Oxigraph store directory."""
    OUT.mkdir(parents=True, exist_ok=True)
    data = OUT / "data.nq"
    subprocess.run([script("trilat-kg"), "export", "--format", "nq", "-o", str(data)],
                   cwd=REPO, env=ENV, check=True)
    location = OUT / "oxigraph-db"
    shutil.rmtree(location, ignore_errors=True)
    subprocess.run([oxigraph, "load", "--location", str(location), "--file", str(data)],
                   cwd=REPO, env=ENV, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return location


def query_text() -> str:
    from trilat_kg.queries import get_query

    return get_query(QUERY).text


def answer_rows(port: int, path: str) -> list[tuple[tuple[str, str, str], ...]]:
    """The solutions of one answer, as sorted (variable, type, value) tuples, for checking."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     headers={"Accept": ACCEPT})
    with urllib.request.urlopen(request, timeout=30) as reply:
        body = json.loads(reply.read())
    return [tuple(sorted((k, v["type"], v["value"]) for k, v in row.items()))
            for row in body["results"]["bindings"]]


# ------------------------------------------------------------------ clients


async def fetch(port: int, request: bytes, limit: float) -> tuple[int, float]:
    """One request on a new connection: (status, seconds from connect to the last byte).

    Status 0 is a failure to connect or read within ``limit`` seconds.
    """
    started = time.perf_counter()
    writer = None
    try:
        async with asyncio.timeout(limit):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            data = await reader.read()
        status = int(data[9:12]) if data.startswith(b"HTTP/1.") else 0
    except (OSError, TimeoutError, ValueError):
        status = 0
    finally:
        if writer is not None:
            writer.close()
    return status, time.perf_counter() - started


@dataclass
class Figures:
    ok: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def run_step(target: Target, clients: int, duration: float, cap: int,
                   limit: float) -> Figures:
    """``clients`` clients ask the canned query back to back for ``duration`` seconds."""
    request = target.request(target.path)
    latencies: list[float] = []
    errors = 0
    sent = 0
    started = time.perf_counter()
    stop_at = started + duration

    async def client() -> None:
        nonlocal errors, sent
        while time.perf_counter() < stop_at and sent < cap:
            sent += 1
            status, seconds = await fetch(target.port, request, limit)
            if status == 200:
                latencies.append(seconds)
            else:
                errors += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    return Figures(len(latencies), errors, time.perf_counter() - started, latencies)


async def expensive_client(target: Target, stop: asyncio.Event, limit: float,
                           answers: list[tuple[int, float]]) -> None:
    """Ask the expensive query again and again until ``stop`` is set."""
    request = target.request(target.expensive_path)
    while not stop.is_set():
        answers.append(await fetch(target.port, request, limit))


async def measure(targets: Sequence[Target], clients: Sequence[int], duration: float,
                  cap: int, deadline: float, warmup: int) -> dict[tuple[str, str, int], Figures]:
    """Every step, Oxigraph's first in each group so that the ratios can be printed.

    On idle servers the three routes take turns at each number of clients, so the steps a
    ratio compares ran next to each other. With the expensive queries the steps of one
    route run together, while its server alone has them to run.
    """
    results: dict[tuple[str, str, int], Figures] = {}
    limit = deadline + 30  # a cheap request that takes longer than this counts as failed

    async def step(load: str, target: Target, n: int) -> None:
        figures = await run_step(target, n, duration, cap, limit)
        results[(load, target.label, n)] = figures
        print_row(load, target.label, n, figures, results)

    for target in targets:  # warm caches, code paths and workers
        await run_step(target, 2, 60, warmup, limit)
    for n in clients:
        for target in targets:
            await step("none", target, n)
    for target in targets:
        stop = asyncio.Event()
        answers: list[tuple[int, float]] = []
        background = [asyncio.ensure_future(expensive_client(target, stop, limit, answers))
                      for _ in range(2)]
        await asyncio.sleep(1.0)  # both are running before the clock starts
        for n in clients:
            await step("2 expensive", target, n)
        stop.set()
        await asyncio.gather(*background)  # bounded: each ends by the deadline (or limit)
        summary = ", ".join(
            f"{sum(s == status for s, _ in answers)} x {status or 'no answer'} after "
            f"{statistics.median(t for s, t in answers if s == status):.1f} s"
            for status in sorted({status for status, _ in answers}))
        print(f"{'':21}expensive queries on {target.label}: {summary}", flush=True)
    return results


# ------------------------------------------------------------------ report


HEADER = (f"{'load':<12} {'clients':>7}  {'route':<40} {'req/s':>7} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'errors':>6}   {'req/s ratio':>11} {'p99 ratio':>9}")


def print_row(load: str, label: str, n: int, figures: Figures,
              results: dict[tuple[str, str, int], Figures]) -> None:
    base = results.get((load, "oxigraph /query", n))
    ratios = ""
    if base is not None and label != "oxigraph /query":
        rps = figures.rps / base.rps if base.rps else float("nan")
        p99 = figures.percentile(99) / base.percentile(99)
        ratios = f"   {rps:10.2f}x {p99:8.2f}x"
    print(f"{load:<12} {n:>7}  {label:<40} {figures.rps:7.0f} "
          f"{figures.percentile(50) * 1000:8.1f} {figures.percentile(99) * 1000:8.1f} "
          f"{figures.errors:>6}{ratios}", flush=True)


def start_both(servers: Servers, oxigraph: str, location: Path,
               deadline: float) -> tuple[int, int]:
    """Start ``oxigraph serve-read-only`` on ``location`` and ``trilat-kg serve``, both on
    127.0.0.1 with the same query deadline; return their ports."""
    ox_port, serve_port = free_port(), free_port()
    servers.start([oxigraph, "serve-read-only", "--location", str(location),
                   "--bind", f"127.0.0.1:{ox_port}", "--timeout-s", f"{deadline:g}"],
                  f"http://127.0.0.1:{ox_port}/query?query=ASK%7B%7D", "oxigraph")
    servers.start([script("trilat-kg"), "serve", "--port", str(serve_port),
                   "--timeout", f"{deadline:g}"],
                  f"http://127.0.0.1:{serve_port}/", "trilat-kg serve")
    return ox_port, serve_port


def target_step(clients: int = 16, duration: float = 5.0, deadline: float = 10.0,
                warmup: int = 50, cap: int = 20_000) -> dict[str, Figures]:
    """The issue's serve target in one run: ``clients`` clients on idle servers, Oxigraph's
    ``/query`` and serve's ``/sparql`` and canned route side by side (the same data, query
    and deadline, 127.0.0.1 only); both servers are stopped before it returns. Raises
    RuntimeError when the routes do not give the same answer."""
    oxigraph = script("oxigraph")
    location = prepare_store(oxigraph)
    text = query_text()
    servers = Servers()
    try:
        ox_port, serve_port = start_both(servers, oxigraph, location, deadline)
        encoded = quote(text)
        targets = [Target("oxigraph /query", ox_port, f"/query?query={encoded}", ""),
                   Target("serve /sparql", serve_port, f"/sparql?query={encoded}", ""),
                   Target(f"serve /queries/{QUERY}", serve_port, f"/queries/{QUERY}", "")]
        answers = [answer_rows(t.port, t.path) for t in targets]
        if not answers[0] or any(a != answers[0] for a in answers[1:]):
            raise RuntimeError("the routes do not give the same answer")

        async def steps() -> dict[str, Figures]:
            limit = deadline + 30
            for target in targets:
                await run_step(target, 2, 60, warmup, limit)
            return {t.label: await run_step(t, clients, duration, cap, limit)
                    for t in targets}

        return asyncio.run(steps())
    finally:
        servers.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=float, default=5.0,
                        help="seconds per step (default 5)")
    parser.add_argument("--max-requests", type=int, default=20_000,
                        help="at most this many requests per step (default 20,000)")
    parser.add_argument("--clients", default="4,16,50",
                        help="concurrent clients per step, comma-separated (default 4,16,50)")
    parser.add_argument("--deadline", type=float, default=10.0,
                        help="query deadline of both servers, in seconds (default 10, "
                             "serve's default)")
    parser.add_argument("--warmup", type=int, default=50,
                        help="requests per route before measuring (default 50)")
    args = parser.parse_args(argv)
    clients = [int(n) for n in args.clients.split(",") if n.strip()]
    oxigraph = script("oxigraph")
    version = subprocess.run([oxigraph, "--version"], capture_output=True, text=True).stdout
    location = prepare_store(oxigraph)
    text = query_text()
    servers = Servers()
    try:
        ox_port, serve_port = start_both(servers, oxigraph, location, args.deadline)
        encoded, expensive = quote(text), quote(EXPENSIVE)
        targets = [
            Target("oxigraph /query", ox_port, f"/query?query={encoded}",
                   f"/query?query={expensive}"),
            Target("serve /sparql", serve_port, f"/sparql?query={encoded}",
                   f"/sparql?query={expensive}"),
            Target(f"serve /queries/{QUERY}", serve_port, f"/queries/{QUERY}",
                   f"/sparql?query={expensive}"),
        ]
        answers = [answer_rows(t.port, t.path) for t in targets]
        if not answers[0] or any(a != answers[0] for a in answers[1:]):
            print("bench: the routes do not give the same answer", file=sys.stderr)
            return 1
        print(f"trilat-kg serve load: python {sys.version.split()[0]}, "
              f"{version.strip()}, {os.cpu_count()} cores; {args.duration:g} s per step "
              f"(at most {args.max_requests:,} requests), deadline {args.deadline:g} s")
        print(f"query: {QUERY} ({len(answers[0])} rows, SPARQL JSON), a new connection per "
              f"request; expensive: {EXPENSIVE}")
        print()
        print(HEADER)
        asyncio.run(measure(targets, clients, args.duration, args.max_requests,
                            args.deadline, args.warmup))
    finally:
        servers.stop()
    print()
    command = "python bench/serve_load.py" + "".join(
        f" {flag} {value}" for flag, value, default in [
            ("--duration", f"{args.duration:g}", "5"),
            ("--clients", args.clients, "4,16,50"),
            ("--deadline", f"{args.deadline:g}", "10"),
        ] if value != default)
    print(f"Command: {command}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
