"""Research-scale figures: export, validate, stats, query and tables against their engines.

Each target is a ratio of two figures measured in this run (median wall-clock seconds of
fresh subprocesses, and their peak resident memory from ``wait4``), so it means the same on
a slow or busy machine. Run from the repository with the package installed::

    python bench/scale.py                 # 10^6 triples for export/query/stats/csv, 3 runs
    python bench/scale.py --triples 100000 --runs 1

The baselines are bare scripts doing the same work with the engine underneath:

* export: pyoxigraph parses the file and serialises it in the same format;
* validate: the bare ``pyshacl`` command on the same data and shapes;
* stats, query, csv: pyoxigraph loads the file (``Store.load``) beside the dataset's own
  files, then runs the same queries (for csv: the same table code on that store).

Nothing here is a test; nothing fails a build. Generated files go to ``bench/out/``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
QUERY = "state-identifier-crosswalk"

BARE_EXPORT = textwrap.dedent(
    """
    import sys
    import pyoxigraph as ox
    formats = {"turtle": ox.RdfFormat.TURTLE, "nq": ox.RdfFormat.N_QUADS,
               "json-ld": ox.RdfFormat.JSON_LD}
    quads = ox.parse(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)
    with open(sys.argv[3], "wb") as out:
        ox.serialize(quads, out, format=formats[sys.argv[2]])
    """
)

BARE_STORE = textwrap.dedent(
    """
    import sys
    import pyoxigraph as ox
    from trilat_kg.resources import GRAPHS, data_root, files_for
    store = ox.Store()
    for name, iri in GRAPHS.items():
        for path in files_for(name, data_root()):
            store.load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(iri))
    store.load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES,
               to_graph=ox.NamedNode("https://w3id.org/trilat-kg/graphs/user"))
    what = sys.argv[2]
    if what == "query":
        for row in store.query(open(sys.argv[3], encoding="utf-8").read(),
                               use_default_graph_as_union=True):
            print(",".join("" if v is None else v.value for v in row))
    elif what == "stats":
        from trilat_kg import stats
        for text in (stats._DATASET, stats._ENTITIES, stats._GRAPHS, stats._CLASSES,
                     stats._PROPERTIES):
            print(len(list(store.query(text, use_default_graph_as_union=True))))
    else:
        store.update("ADD GRAPH <https://w3id.org/trilat-kg/graphs/user> TO DEFAULT")
        from trilat_kg.tables import render_files
        print(len(render_files(store)))
    """
)


# Started first, while this process is small: every measured command is started by it. On
# Linux a child's peak resident memory (ru_maxrss) starts from that of the process that
# started it (fork and exec carry it over), so commands started by a bench that has grown
# would all report at least its size.
RUNNER = textwrap.dedent(
    """
    import json, os, subprocess, sys, tempfile, time
    for line in sys.stdin:
        cmd, cwd = json.loads(line)
        with tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - start
            err.seek(0)
            tail = err.read()[-300:].decode(errors="replace")
        print(json.dumps([seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status), tail]),
              flush=True)
    """
)


class Runner:
    """A small child process that runs each measured command and reports its wall-clock
    seconds, peak resident memory (KiB) and exit code (see :data:`RUNNER`)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", RUNNER], cwd=REPO, env=ENV,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def __call__(self, cmd: Sequence[str]) -> tuple[float, int, int, str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps([list(map(str, cmd)), str(REPO)]) + "\n")
        self.proc.stdin.flush()
        seconds, kib, code, tail = json.loads(self.proc.stdout.readline())
        return seconds, kib, code, tail


_runner: Runner | None = None


def start_runner() -> Runner:
    """The runner, started now if it is not running yet: call this before anything large
    is imported or loaded."""
    global _runner
    if _runner is None:
        _runner = Runner()
    return _runner


def run(cmd: Sequence[str], runs: int) -> tuple[float, float, int]:
    """Median seconds and median peak RSS (MiB) of ``runs`` fresh runs, and the last exit code."""
    runner = start_runner()
    times, peaks, code = [], [], 0
    for _ in range(runs):
        seconds, kib, code, tail = runner(cmd)
        times.append(seconds)
        peaks.append(kib / 1024)
        if code:
            print(f"    ({' '.join(map(str, cmd[:4]))} ... exit {code}: {tail.strip()})")
    return statistics.median(times), statistics.median(peaks), code


def generate(path: Path, triples: int) -> None:
    """``triples`` distinct N-Triples lines (16 properties, string literals)."""
    if path.exists() and path.stat().st_size:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    base = "https://w3id.org/trilat-kg/id/bench/"
    preds = [f"<https://w3id.org/trilat-kg/ontology#benchProperty{k}>" for k in range(16)]
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for start in range(0, triples, 100_000):
            fh.write("".join(f'<{base}s{i // 4}> {preds[i % 16]} "value {i}" .\n'
                             for i in range(start, min(start + 100_000, triples))))
    tmp.replace(path)


Pair = tuple[str, list[str], list[str], float, "float | None"]


def build_pairs(triples: int, validate_triples: int) -> list[Pair]:
    """Every measurement as (name, trilat-kg command, baseline command, time target, memory
    target), with their inputs written to ``bench/out/``."""
    py = sys.executable
    cli = str(Path(py).parent / "trilat-kg")
    pyshacl = str(Path(py).parent / "pyshacl")
    big = OUT / f"bench-{triples}.nt"
    mid = OUT / f"bench-{validate_triples}.nt"
    generate(big, triples)
    generate(mid, validate_triples)
    bare_export, bare_store = OUT / "bare_export.py", OUT / "bare_store.py"
    bare_export.write_text(BARE_EXPORT, encoding="utf-8")
    bare_store.write_text(BARE_STORE, encoding="utf-8")
    query_file = REPO / "queries" / f"{QUERY}.rq"

    # The inputs of the bare pyshacl command: shapes and data as files.
    from rdflib import Graph

    from trilat_kg.graph import load_union
    from trilat_kg.resources import shape_files

    shapes = Graph()
    for path in shape_files():
        shapes.parse(path, format="turtle")
    shapes_file, data_file = OUT / "shapes.ttl", OUT / "data.nt"
    data_mid = OUT / f"data-plus-{validate_triples}.nt"
    shapes.serialize(shapes_file, format="turtle")
    load_union().serialize(data_file, format="nt", encoding="utf-8")
    load_union(extra=[mid]).serialize(data_mid, format="nt", encoding="utf-8")

    n, m = f"{triples:.0e}".replace("+0", ""), f"{validate_triples:.0e}".replace("+0", "")
    pairs: list[Pair] = []
    for fmt in ("turtle", "nq", "json-ld"):
        pairs.append((f"export {fmt} --data {n}",
                      [cli, "export", "--format", fmt, "--data", str(big),
                       "-o", str(OUT / f"out.{fmt}")],
                      [py, str(bare_export), str(big), fmt, str(OUT / f"bare.{fmt}")],
                      2.0, 2.0))
    bare_shacl = [pyshacl, "-s", str(shapes_file), "-i", "none", "-w", "--allow-info"]
    pairs.append(("validate", [cli, "validate"], [*bare_shacl, str(data_file)], 0.1, None))
    pairs.append((f"validate --data {m}", [cli, "validate", "--data", str(mid)],
                  [*bare_shacl, str(data_mid)], 0.1, None))
    pairs.append((f"stats --data {n}", [cli, "stats", "--data", str(big), "--format", "csv"],
                  [py, str(bare_store), str(big), "stats"], 1.5, None))
    pairs.append((f"query {QUERY} --data {n}",
                  [cli, "query", QUERY, "--data", str(big), "--format", "csv"],
                  [py, str(bare_store), str(big), "query", str(query_file)], 1.5, None))
    pairs.append((f"export csv --data {n}",
                  [cli, "export", "--format", "csv", "--data", str(big), "-o",
                   str(OUT / "tables")],
                  [py, str(bare_store), str(big), "csv"], 1.5, None))
    return pairs


def measure(pairs: Sequence[Pair], runs: int) -> list[tuple[str, str, float, float, bool]]:
    """Run each pair (ours, then the baseline, ``runs`` times each), print a row per figure,
    and return (target name, "time" or "memory", ratio, target, met) per target."""
    verdicts = []
    print(f"  {'measurement':<34} {'trilat-kg':>10} {'baseline':>10} {'ratio':>7}  target")
    for name, ours, bare, target, mem_target in pairs:
        t_ours, m_ours, code_ours = run(ours, runs)
        t_bare, m_bare, code_bare = run(bare, runs)
        ratio = t_ours / t_bare
        ok = ratio <= target and code_ours == code_bare  # the same verdict, too
        codes = "" if code_ours == code_bare else f"  (exit {code_ours}, baseline {code_bare})"
        print(f"  {name:<34} {t_ours:9.2f}s {t_bare:9.2f}s {ratio:6.2f}x  <= {target}x "
              f"{'met' if ok else 'MISSED'}{codes}", flush=True)
        verdicts.append((name, "time", ratio, target, ok))
        if mem_target is not None:
            mem = m_ours / m_bare
            ok = mem <= mem_target
            print(f"  {'  peak memory':<34} {m_ours:8.0f}MB {m_bare:8.0f}MB {mem:6.2f}x  "
                  f"<= {mem_target}x {'met' if ok else 'MISSED'}", flush=True)
            verdicts.append((name, "peak memory", mem, mem_target, ok))
    return verdicts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--validate-triples", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    start_runner()
    sys.path.insert(0, str(REPO / "src"))
    pairs = build_pairs(args.triples, args.validate_triples)
    print(f"trilat-kg scale bench: python {sys.version.split()[0]}, {args.runs} runs per "
          f"figure (median), {os.cpu_count()} CPUs")
    measure(pairs, args.runs)
    print(f"\nCommand: python bench/scale.py --triples {args.triples} --runs {args.runs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
