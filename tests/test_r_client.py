"""R clients of `trilat-kg serve`: the SPARQL package (Debian r-cran-sparql) in its default
(XML), CSV and TSV modes, base R's read.csv, and the R example of the README.

One `trilat-kg serve --port 0` runs for the module on 127.0.0.1 and is stopped (Ctrl-C) at
the end; one Rscript run of tests/r/sparql_client.R asks it in every mode, and each check
(seven states, Japan among them) happens in R, which exits non-zero when one fails.

Without Rscript or the SPARQL package these tests are skipped, unless the environment sets
TRILAT_REQUIRE_ENGINES=1 (CI does, and installs r-base-core and r-cran-sparql): then a
missing engine is a failure.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

pytestmark = pytest.mark.slow  # starts a real engine (Debian package)

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "r" / "sparql_client.R"
README = ROOT / "README.md"
SPARQL_MODES = ("xml", "csv", "tsv")
#: The endpoint the README's R example names; the test points it at the test's server.
README_ENDPOINT = "http://127.0.0.1:7879/sparql"


def _missing(reason: str) -> NoReturn:
    if os.environ.get("TRILAT_REQUIRE_ENGINES") == "1":
        pytest.fail(f"{reason} (TRILAT_REQUIRE_ENGINES=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def rscript() -> str:
    path = shutil.which("Rscript")
    if path is None:
        _missing("Rscript is not installed (Debian: r-base-core)")
    return path


@pytest.fixture(scope="module")
def has_sparql_package(rscript: str) -> bool:
    check = subprocess.run(
        [rscript, "-e", 'quit(status = if (requireNamespace("SPARQL", quietly = TRUE)) 0 else 1)'],
        capture_output=True, timeout=60, check=False)
    return check.returncode == 0


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A real `trilat-kg serve` on 127.0.0.1 (a free port), stopped with Ctrl-C afterwards."""
    proc = subprocess.Popen([sys.executable, "-m", "trilat_kg.cli", "serve", "--port", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:  # keeps reading, so the request log never fills the pipe
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)

    threading.Thread(target=drain, daemon=True).start()
    try:
        try:
            first = lines.get(timeout=120)
        except queue.Empty:
            pytest.fail("trilat-kg serve did not start within 120 s")
        assert first.startswith("trilat-kg: serving http://127.0.0.1:"), first
        yield first.split()[2]
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _run_script(rscript: str, endpoint: str, expected: int,
                modes: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([rscript, str(SCRIPT), endpoint, str(expected), *modes],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def r_answers(rscript: str, has_sparql_package: bool,
              endpoint: str) -> subprocess.CompletedProcess[str]:
    """One Rscript run over every mode the installed packages allow."""
    modes = (*SPARQL_MODES, "read.csv") if has_sparql_package else ("read.csv",)
    return _run_script(rscript, endpoint, 7, modes)


def _outcome(answers: subprocess.CompletedProcess[str], mode: str) -> str:
    for line in answers.stdout.splitlines():
        if line.startswith((f"ok {mode} ", f"FAIL {mode}:")):
            return line.strip()
    return f"no line for {mode}; stdout: {answers.stdout!r}; stderr: {answers.stderr!r}"


@pytest.mark.parametrize("mode", SPARQL_MODES)
def test_r_sparql_package(r_answers: subprocess.CompletedProcess[str],
                          has_sparql_package: bool, mode: str) -> None:
    """SPARQL() by default (SPARQL XML) and with format="csv" / "tsv" plus the matching
    extra = list(format = ...): seven rows, one per state."""
    if not has_sparql_package:
        _missing("the R package SPARQL is not installed (Debian: r-cran-sparql)")
    assert _outcome(r_answers, mode) == f"ok {mode} 7"


def test_r_read_csv(r_answers: subprocess.CompletedProcess[str]) -> None:
    """Base R: read.csv(url(..., headers = c(Accept = "text/csv")))."""
    assert _outcome(r_answers, "read.csv") == "ok read.csv 7"
    assert r_answers.returncode == 0, r_answers.stdout + r_answers.stderr


def test_r_script_fails_on_a_wrong_answer(rscript: str, endpoint: str) -> None:
    """The checks bite: the same answer against a wrong row count exits non-zero."""
    answers = _run_script(rscript, endpoint, 8, ("read.csv",))
    assert answers.returncode == 1
    assert _outcome(answers, "read.csv") == "FAIL read.csv: 7 rows, not 8"


def _readme_r_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Serving the graph"):]
    section = section[:section.index("\n## ", 1)]
    blocks = re.findall(r"^```r\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, "the serve section of the README has one R example"
    return blocks[0]


def test_readme_r_example(rscript: str, has_sparql_package: bool, endpoint: str) -> None:
    """The README's R example, as printed, with the test server's port in its endpoint."""
    if not has_sparql_package:
        _missing("the R package SPARQL is not installed (Debian: r-cran-sparql)")
    example = _readme_r_example()
    assert README_ENDPOINT in example
    answers = subprocess.run([rscript, "-e", example.replace(README_ENDPOINT, endpoint)],
                             capture_output=True, text=True, timeout=120, check=False)
    assert answers.returncode == 0, answers.stdout + answers.stderr
    assert answers.stdout.splitlines()[-1] == "[1] 7", answers.stdout
