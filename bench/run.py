"""Print start-up and throughput figures for trilat-kg, each against its baseline.

Run from the repository with the package installed::

    python bench/run.py            # 7 runs per figure (median)
    python bench/run.py --quick    # 3 runs, for a quick look

Every figure is the median wall-clock time of a fresh subprocess, so imports and loading
are counted as a user feels them. The targets are ratios measured in the same run, which
keeps them meaningful on a slow or busy machine:

* ``trilat-kg --help`` / ``--version`` import no RDF library (rdflib, pyoxigraph, pyshacl);
* a cold canned query is within 2x of ``python -c "import click"``;
* the same query with ``--data`` merging a generated 10^6-triple N-Triples file is within
  2x of a bare script that loads that file into pyoxigraph and runs the same query;
* ``trilat-kg validate`` is within 1.5x of the bare ``pyshacl`` command on the same files.

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


def generate_ntriples(path: Path, triples: int) -> None:
    """Write ``triples`` distinct N-Triples lines quickly (about a second per million)."""
    if path.exists() and path.stat().st_size > 0:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    base = "https://w3id.org/trilat-kg/id/bench/"
    preds = [f"<https://w3id.org/trilat-kg/ontology#benchProperty{k}>" for k in range(16)]
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        chunk = 100_000
        for start in range(0, triples, chunk):
            fh.write(
                "".join(
                    f'<{base}s{i // 4}> {preds[i % 16]} "value {i}" .\n'
                    for i in range(start, min(start + chunk, triples))
                )
            )
    tmp.replace(path)


def write_validation_inputs() -> tuple[Path, Path]:
    """The shapes merged into one file and the data union in another, as pyshacl takes them."""
    from rdflib import Graph

    from trilat_kg.graph import load_union
    from trilat_kg.resources import shape_files

    OUT.mkdir(parents=True, exist_ok=True)
    shapes = Graph()
    for path in shape_files():
        shapes.parse(path, format="turtle")
    shapes_file = OUT / "shapes.ttl"
    shapes.serialize(shapes_file, format="turtle")
    data_file = OUT / "data.ttl"
    load_union().serialize(data_file, format="turtle")
    return shapes_file, data_file


BARE_OXIGRAPH = textwrap.dedent(
    """
    import sys
    import pyoxigraph as ox
    store = ox.Store()
    store.load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES,
               to_graph=ox.NamedNode("https://w3id.org/trilat-kg/graphs/user"))
    text = open(sys.argv[2], encoding="utf-8").read()
    rows = store.query(text)
    for row in rows:
        print(",".join("" if v is None else v.value for v in row))
    """
)

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


JOIN = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a <urn:p:0> ?b . ?b <urn:p:1> ?c . ?c <urn:p:2> ?d }"
)


def engine_join(triples: int, runs: int) -> tuple[float, float]:
    """Median seconds of one three-pattern join over ``triples`` triples: rdflib, pyoxigraph.

    This is the measurement behind the choice of engine for queries: the same N-Triples,
    the same query, in process, after loading.
    """
    import pyoxigraph
    import rdflib

    lines = "".join(f"<urn:n:{i}> <urn:p:{i % 3}> <urn:n:{(i * 7 + 1) % (triples // 3)}> .\n"
                    for i in range(triples))
    graph = rdflib.Graph().parse(data=lines, format="nt")
    store = pyoxigraph.Store()
    store.load(lines.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)

    def timed(run: object) -> float:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            run()  # type: ignore[operator]
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    return (timed(lambda: list(graph.query(JOIN))),
            timed(lambda: list(store.query(JOIN))))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="3 runs per figure instead of 7")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (median)")
    parser.add_argument(
        "--triples",
        type=int,
        default=1_000_000,
        help="size of the generated --data file (default 10^6)",
    )
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 7)
    py = sys.executable
    cli = script("trilat-kg")
    pyshacl = script("pyshacl")

    big = OUT / f"bench-{args.triples}.nt"
    cached = big.exists()
    t0 = time.perf_counter()
    generate_ntriples(big, args.triples)
    gen = "reused" if cached else f"generated in {time.perf_counter() - t0:.1f} s"
    from trilat_kg.errors import TrilatError

    try:
        shapes_file, data_file = write_validation_inputs()
    except TrilatError as exc:
        print(f"bench: the dataset does not load, fix it first: {exc}", file=sys.stderr)
        return 1
    query_file = REPO / "queries" / f"{QUERY}.rq"
    if not query_file.exists():
        from trilat_kg.resources import data_root

        query_file = data_root() / "queries" / f"{QUERY}.rq"
    bare = OUT / "bare_oxigraph.py"
    bare.write_text(BARE_OXIGRAPH, encoding="utf-8")

    print(
        f"trilat-kg bench: python {sys.version.split()[0]}, {runs} runs per figure (median), "
        f"{args.triples:,}-triple file {gen}"
    )
    print()
    figures: dict[str, float] = {}
    codes: dict[str, int] = {}
    cases: list[tuple[str, list[str]]] = [
        ("python -c pass", [py, "-c", "pass"]),
        ('python -c "import click"', [py, "-c", "import click"]),
        ("import pyoxigraph", [py, "-c", "import pyoxigraph"]),
        ("import rdflib", [py, "-c", "import rdflib"]),
        ("import pyshacl", [py, "-c", "import pyshacl"]),
        ("trilat-kg --help", [cli, "--help"]),
        ("trilat-kg --version", [cli, "--version"]),
        (f"trilat-kg query {QUERY} (cold)", [cli, "query", QUERY, "--format", "csv"]),
        (
            f"trilat-kg query {QUERY} --data 1e6",
            [cli, "query", QUERY, "--data", str(big), "--format", "csv"],
        ),
        ("bare pyoxigraph load + query 1e6", [py, str(bare), str(big), str(query_file)]),
        ("trilat-kg validate", [cli, "validate"]),
        (
            "pyshacl (bare command)",
            [pyshacl, "-s", str(shapes_file), "-i", "none", "-w", "--allow-info", str(data_file)],
        ),
    ]
    width = max(len(name) for name, _ in cases)
    for name, cmd in cases:
        figures[name], codes[name] = median_time(cmd, runs)
        note = "" if codes[name] == 0 else f"  (exit {codes[name]})"
        print(f"  {name:<{width}}  {figures[name] * 1000:9.0f} ms{note}", flush=True)

    for n in (10_000, 100_000):
        if n > 10_000 and args.quick:
            break
        rdf, oxi = engine_join(n, 3)
        print(f"  {f'3-pattern join, {n:,} triples: rdflib':<{width}}  {rdf * 1000:9.0f} ms")
        print(f"  {f'3-pattern join, {n:,} triples: pyoxigraph':<{width}}  {oxi * 1000:9.1f} ms")

    print()
    print("Targets (ratios within this run):")
    ratios = [
        (
            "cold query / import click",
            f"trilat-kg query {QUERY} (cold)",
            'python -c "import click"',
            2.0,
        ),
        (
            "query --data 1e6 / bare pyoxigraph",
            f"trilat-kg query {QUERY} --data 1e6",
            "bare pyoxigraph load + query 1e6",
            2.0,
        ),
        ("validate / bare pyshacl", "trilat-kg validate", "pyshacl (bare command)", 1.5),
    ]
    for label, num, den, target in ratios:
        ratio = figures[num] / figures[den]
        verdict = "met" if ratio <= target else "MISSED"
        print(f"  {label:<36} {ratio:5.2f}x  (target <= {target}x: {verdict})")
    for flag in ("--help", "--version"):
        loaded = imported_by(flag)
        verdict = "met" if not loaded else "MISSED"
        print(
            f"  trilat-kg {flag:<26} imports {', '.join(loaded) or 'no RDF library'}  ({verdict})"
        )
    print()
    print(f"Command: python bench/run.py{' --quick' if args.quick else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
