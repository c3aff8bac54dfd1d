"""Print every speed target of trilat-kg, each a ratio measured in this run.

Run from the repository with the package installed (``pip install -e ".[test]"``)::

    python bench/run.py               # everything: about 10 minutes on 2 cores
    python bench/run.py --quick       # fewer runs per figure, no test-suite timing

Every figure is the median wall-clock time of fresh subprocesses (and their peak resident
memory, from ``wait4``), so imports and loading are counted as a user feels them. Each
target compares two figures of the same run, which keeps it meaningful on a slow or busy
machine:

* start-up: ``trilat-kg --help`` / ``--version`` import no RDF library (a cold canned
  query's time, and its ratio to ``python -c "import click"``, are printed as figures);
* export of a 10^6-triple ``--data`` file as Turtle, N-Quads and JSON-LD within 2x of
  pyoxigraph parsing and serialising it, in time and in peak memory;
* ``validate`` (the shipped graph, and with a 10^5-triple ``--data`` file) at most 1/10 of
  the bare ``pyshacl`` command's time on the same graphs;
* ``stats``, ``query`` and ``export --format csv`` with the 10^6-triple file within 1.5x of
  bare pyoxigraph loading it and running the same queries;
* ``serve`` under 16 concurrent clients: at least 0.8x the requests per second of
  ``oxigraph serve-read-only`` on the same data, p99 latency within 2x of its p99;
* the README's test command (``pytest``) in 3 minutes or less.

This is not a test: nothing here fails a build. Generated files go to ``bench/out/``
(git-ignored).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
QUERY = "state-identifier-crosswalk"
HEAVY = ("rdflib", "pyoxigraph", "pyshacl")
# Measure as a user runs Python: with its bytecode cache. PYTHONDONTWRITEBYTECODE (set in some
# containers) makes every run recompile every module and penalises the side importing more.
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


def median_time(cmd: Sequence[str], runs: int) -> tuple[float, int]:
    """Median wall-clock seconds of ``runs`` fresh runs (after one warm-up), and the exit code."""
    code = 0
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        code = proc.returncode
        if i:  # the first run warms the disk cache and writes .pyc files
            times.append(elapsed)
    return statistics.median(times), code


IMPORT_CHECK = textwrap.dedent(
    """
    import sys
    from trilat_kg.cli import main
    try:
        main([sys.argv[1]])
    except SystemExit:
        pass
    loaded = [m for m in {heavy!r} if m in sys.modules]
    print("LOADED=" + ",".join(loaded), file=sys.stderr)
    """
).format(heavy=HEAVY)


def imported_by(flag: str) -> list[str]:
    """Which heavy libraries ``trilat-kg FLAG`` imports (read from sys.modules in a subprocess)."""
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK, flag], cwd=REPO, capture_output=True, text=True
    )
    for line in proc.stderr.splitlines():
        if line.startswith("LOADED="):
            return [m for m in line[len("LOADED=") :].split(",") if m]
    return ["? (check failed: " + proc.stderr.strip()[-200:] + ")"]




Verdict = tuple[str, float, str, bool]  # (target, figure, its bound as text, met)


def startup(runs: int) -> list[Verdict]:
    """Start-up figures: imports, --help, --version, a cold canned query."""
    py, cli = sys.executable, script("trilat-kg")
    cases: list[tuple[str, list[str]]] = [
        ("python -c pass", [py, "-c", "pass"]),
        ('python -c "import click"', [py, "-c", "import click"]),
        ("import pyoxigraph", [py, "-c", "import pyoxigraph"]),
        ("trilat-kg --help", [cli, "--help"]),
        ("trilat-kg --version", [cli, "--version"]),
        (f"trilat-kg query {QUERY} (cold)", [cli, "query", QUERY, "--format", "csv"]),
    ]
    figures: dict[str, float] = {}
    width = max(len(name) for name, _ in cases)
    for name, cmd in cases:
        figures[name], code = median_time(cmd, runs)
        note = "" if code == 0 else f"  (exit {code})"
        print(f"  {name:<{width}}  {figures[name] * 1000:9.0f} ms{note}", flush=True)
    ratio = figures[f"trilat-kg query {QUERY} (cold)"] / figures['python -c "import click"']
    # A figure, not a target of this release: the cold query was 1.9x import click before
    # every file went through the one loader's checks (see the README's Speed section).
    print(f"  {'cold canned query / import click':<{width}}  {ratio:9.2f} x")
    verdicts: list[Verdict] = []
    for flag in ("--help", "--version"):
        loaded = imported_by(flag)
        verdicts.append((f"trilat-kg {flag} imports no RDF library", float(len(loaded)),
                         "0 libraries" + (f" ({', '.join(loaded)})" if loaded else ""),
                         not loaded))
    return verdicts


def serve_load(duration: float) -> list[Verdict]:
    """16 clients on idle servers: serve's /sparql and canned route against Oxigraph's."""
    sys.path.insert(0, str(HERE))
    import serve_load as load

    figures = load.target_step(clients=16, duration=duration)
    base = figures["oxigraph /query"]
    print(f"  {'route':<40} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for label, fig in figures.items():
        print(f"  {label:<40} {fig.rps:7.0f} {fig.percentile(50) * 1000:8.1f} "
              f"{fig.percentile(99) * 1000:8.1f} {fig.errors:>6}", flush=True)
    verdicts: list[Verdict] = []
    for label, fig in figures.items():
        if fig is base:
            continue
        rps, p99 = fig.rps / base.rps, fig.percentile(99) / base.percentile(99)
        verdicts.append((f"{label} req/s vs oxigraph", rps, ">= 0.8x",
                         rps >= 0.8 and fig.errors == 0))
        verdicts.append((f"{label} p99 vs oxigraph", p99, "<= 2x", p99 <= 2))
    return verdicts


def test_command() -> list[Verdict]:
    """The README's test command, once, as a new user runs it."""
    env = {k: v for k, v in ENV.items() if not k.startswith("PYTEST")}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    summary = (proc.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"  pytest (the README's command)  {elapsed:6.0f} s   {summary}", flush=True)
    return [("README test command, seconds", elapsed, "<= 180 s",
             elapsed <= 180 and proc.returncode == 0)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true",
                        help="1 run per large figure, 3 per start-up figure, no test suite")
    parser.add_argument("--runs", type=int, default=None,
                        help="runs per large figure (median; default 3)")
    parser.add_argument("--triples", type=int, default=1_000_000,
                        help="triples of the generated --data file (default 10^6)")
    parser.add_argument("--validate-triples", type=int, default=100_000,
                        help="triples of the --data file validate is given (default 10^5)")
    parser.add_argument("--no-tests", action="store_true",
                        help="leave out the timing of the test command")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    sys.path.insert(0, str(HERE))
    import scale

    scale.start_runner()  # first, while this process is small (see scale.RUNNER)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"trilat-kg bench: python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {load:.2f} at the start, {runs} run(s) per large figure (median)")
    verdicts: list[Verdict] = []
    print("\nStart-up (7 runs per figure)" if not args.quick else "\nStart-up (3 runs)")
    verdicts += startup(3 if args.quick else 7)
    print(f"\nResearch scale ({args.triples:,}-triple and {args.validate_triples:,}-triple "
          "--data files)")
    pairs = scale.build_pairs(args.triples, args.validate_triples)
    for name, kind, ratio, bound, ok in scale.measure(pairs, runs):
        verdicts.append((f"{name}: {kind}", ratio, f"<= {bound}x", ok))
    print("\nserve under load (16 clients, idle servers, 5 s per route)")
    verdicts += serve_load(5.0)
    if not (args.quick or args.no_tests):
        print("\nTest command")
        verdicts += test_command()

    print("\nTargets (ratios within this run):")
    width = max(len(v[0]) for v in verdicts)
    for name, figure, bound, ok in verdicts:
        print(f"  {name:<{width}}  {figure:8.2f}  {bound:<12} {'met' if ok else 'MISSED'}")
    missed = sum(not ok for *_, ok in verdicts)
    print(f"\n{len(verdicts) - missed} of {len(verdicts)} targets met"
          + (f", {missed} MISSED" if missed else ""))
    flags = " --quick" if args.quick else (" --no-tests" if args.no_tests else "")
    print(f"Command: python bench/run.py{flags}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
