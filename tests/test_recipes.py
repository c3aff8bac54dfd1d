"""The README's recipes for joining the tables into panels, run exactly as printed.

Each recipe block of the README's "Tables for R, Stata and pandas" section follows an HTML
comment ``<!-- recipe: NAME -->``. The pandas and R blocks run, unchanged, in a folder that
holds ``tables/`` (written by :func:`trilat_kg.tables.write_tables`) and two made-up panels a
researcher would bring: ``my_state_year.csv`` (ccode, year) and ``my_dyad_year.csv`` (ccode1,
ccode2, year), both wider than the graph's coverage and with a state the graph does not know.
What is checked: the panels keep their row counts; the crosswalk's codes keep their leading
zeros (M49 ``"036"``) where the codebook types them as strings; (740, 732, 2017) carries the
GSOMIA in force; years outside the coverage are NA, never 0. The recipes' own guards bite:
with the agreement-level table in place of dyad_year.csv, each recipe stops.

The peacesciencer block cannot run here (peacesciencer is not packaged for Debian); its join
lines are checked to be the R recipe's, and its years the graph's coverage. The Stata block
is checked against the files and key it names (Stata is not installed). The .dta files are
also read in R with haven when haven is installed (not required: CI does not install it).

Without Rscript or the R packages readr and dplyr the R tests are skipped, unless the
environment sets TRILAT_REQUIRE_ENGINES=1 (CI does, and installs r-base-core, r-cran-readr
and r-cran-dplyr): then a missing engine is a failure.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

from trilat_kg import tables

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SECTION = "## Tables for R, Stata and pandas"
#: Made-up panels: four states of the graph and Germany (255), which it does not know.
STATES = (2, 255, 732, 740, 900)
YEARS = range(2005, 2027)
GSOMIA = "https://w3id.org/trilat-kg/id/agreements/japan-rok-gsomia"


def _missing(reason: str) -> NoReturn:
    if os.environ.get("TRILAT_REQUIRE_ENGINES") == "1":
        pytest.fail(f"{reason} (TRILAT_REQUIRE_ENGINES=1)")
    pytest.skip(reason)


def recipes() -> dict[str, tuple[str, str]]:
    """{name: (language, code)} of the README section's marked blocks."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ", 1)]
    found = re.findall(r"^<!-- recipe: ([a-z-]+) -->\n```(\w+)\n(.*?)^```$", section,
                       flags=re.MULTILINE | re.DOTALL)
    out = {name: (language, code) for name, language, code in found}
    assert len(out) == len(found), "recipe names are unique"
    return out


def _write_panels(folder: Path) -> tuple[int, int]:
    with (folder / "my_state_year.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["ccode", "year", "milex"])
        states = [(c, y) for c in STATES for y in YEARS]
        writer.writerows([c, y, round(c / 7 + y % 100, 2)] for c, y in states)
    with (folder / "my_dyad_year.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["ccode1", "ccode2", "year", "trade"])
        dyads = [(a, b, y) for a in STATES for b in STATES if a != b for y in YEARS]
        writer.writerows([a, b, y, a + b + y % 100] for a, b, y in dyads)
    return len(states), len(dyads)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("recipes")
    tables.write_tables(folder / "tables", dta=False)
    _write_panels(folder)
    return folder


@pytest.fixture()
def inflating(workdir: Path, tmp_path: Path) -> Path:
    """The same folder with the agreement-level rows where dyad_year.csv belongs."""
    folder = tmp_path / "inflating"
    shutil.copytree(workdir, folder)
    shutil.copyfile(folder / "tables" / "dyad_year_agreement.csv",
                    folder / "tables" / "dyad_year.csv")
    return folder


def _coverage() -> tuple[int, int]:
    first, last = tables.coverage_years()
    assert first is not None and last is not None
    return first, last


def test_the_readme_marks_its_recipes() -> None:
    found = recipes()
    assert {name: language for name, (language, _) in found.items()} == {
        "pandas": "python", "r": "r", "r-peacesciencer": "r", "stata": "stata"}


def test_the_readme_lists_every_table() -> None:
    """Each table the export writes has its row in the section's table of files."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ", 1)]
    listed = re.findall(r"^\| `([a-z_]+\.csv)` \|", section, flags=re.MULTILINE)
    assert listed == [t.path for t in tables.TABLES]


# --------------------------------------------------------------------------- pandas


def _run_pandas(folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    pytest.importorskip("pandas")
    code = recipes()["pandas"][1]
    monkeypatch.chdir(folder)
    namespace: dict[str, object] = {"__name__": "__recipe__"}
    exec(compile(code, "README.md (pandas recipe)", "exec"), namespace)
    return namespace


def test_pandas_recipe_keeps_the_panels_and_the_codes(workdir: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    n_states, n_dyads = _write_panels(workdir)
    ns = _run_pandas(workdir, monkeypatch)
    dyad_merged, state_merged = ns["dyad_merged"], ns["state_merged"]
    assert len(dyad_merged) == n_dyads and len(state_merged) == n_states  # type: ignore[arg-type]
    _, last = _coverage()
    row = dyad_merged[(dyad_merged.ccode1 == 740) & (dyad_merged.ccode2 == 732)  # type: ignore
                      & (dyad_merged.year == 2017)]
    assert len(row) == 1
    assert row["n_in_force"].item() >= 1 and row["has_gsomia"].item() == 1
    assert GSOMIA in row["agreement_iris"].item().split(";")
    after = dyad_merged[dyad_merged.year > last]  # type: ignore[union-attr]
    assert len(after) and after["n_agreements"].isna().all()  # NA outside coverage, never 0
    australia = state_merged[state_merged.ccode == 900]  # type: ignore[union-attr]
    assert set(australia["un_m49"]) == {"036"}  # a string: the leading zero stays
    assert set(australia["iso3166_alpha3"]) == {"AUS"}
    germany = state_merged[state_merged.ccode == 255]  # type: ignore[union-attr]
    assert germany["n_partners"].isna().all() and germany["un_m49"].isna().all()
    rok = state_merged[(state_merged.ccode == 732) & (state_merged.year == 2017)]  # type: ignore
    assert (rok["n_partners"].item(), rok["n_partners_in_force"].item()) == (2, 1)


def test_pandas_recipe_stops_a_join_that_would_add_rows(
        inflating: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pd = pytest.importorskip("pandas")
    with pytest.raises(pd.errors.MergeError, match="many-to-one"):
        _run_pandas(inflating, monkeypatch)


# --------------------------------------------------------------------------- R


@pytest.fixture(scope="module")
def rscript() -> str:
    path = shutil.which("Rscript")
    if path is None:
        _missing("Rscript is not installed (Debian: r-base-core)")
    return path


def _has_r_packages(rscript: str, *packages: str) -> bool:
    wanted = ", ".join(f'"{p}"' for p in packages)
    check = subprocess.run(
        [rscript, "-e", f"quit(status = if (all(sapply(c({wanted}), requireNamespace, "
                        "quietly = TRUE))) 0 else 1)"],
        capture_output=True, timeout=120, check=False)
    return check.returncode == 0


@pytest.fixture(scope="module")
def r_ready(rscript: str) -> str:
    if not _has_r_packages(rscript, "readr", "dplyr"):
        _missing("the R packages readr and dplyr are not installed "
                 "(Debian: r-cran-readr, r-cran-dplyr)")
    return rscript


#: Appended after the printed recipe: what the test reads back (not part of the recipe).
R_REPORT = """
write_csv(dyad_merged, "r_dyad_merged.csv", na = "")
write_csv(state_merged, "r_state_merged.csv", na = "")
cat("un_m49 is", class(state_merged$un_m49), "\\n")
cat("ccode1 is", class(dyad_merged$ccode1), "\\n")
"""


def _run_r(rscript: str, folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    script = folder / "recipe.R"
    script.write_text(code, encoding="utf-8")
    return subprocess.run([rscript, "--vanilla", str(script)], cwd=folder, capture_output=True,
                          text=True, timeout=300, check=False)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_r_recipe_keeps_the_panels_and_the_codes(r_ready: str, workdir: Path) -> None:
    n_states, n_dyads = _write_panels(workdir)
    done = _run_r(r_ready, workdir, recipes()["r"][1] + R_REPORT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "un_m49 is character" in done.stdout
    assert "ccode1 is integer" in done.stdout
    dyads = _read(workdir / "r_dyad_merged.csv")
    states = _read(workdir / "r_state_merged.csv")
    assert len(dyads) == n_dyads and len(states) == n_states
    _, last = _coverage()
    row = [r for r in dyads if (r["ccode1"], r["ccode2"], r["year"]) == ("740", "732", "2017")]
    assert len(row) == 1
    assert int(row[0]["n_in_force"]) >= 1 and row[0]["has_gsomia"] == "1"
    assert GSOMIA in row[0]["agreement_iris"].split(";")
    after = [r for r in dyads if int(r["year"]) > last]
    assert after and all(r["n_agreements"] == "" for r in after)  # NA, never 0
    germany = [r for r in states if r["ccode"] == "255"]
    assert germany and all(r["n_partners"] == r["un_m49"] == "" for r in germany)
    australia = [r for r in states if r["ccode"] == "900"]
    assert {r["un_m49"] for r in australia} == {"036"}  # written from a character column
    rok = [r for r in states if (r["ccode"], r["year"]) == ("732", "2017")]
    assert (rok[0]["n_partners"], rok[0]["n_partners_in_force"]) == ("2", "1")


def test_r_recipe_stops_a_join_that_would_add_rows(r_ready: str, inflating: Path) -> None:
    done = _run_r(r_ready, inflating, recipes()["r"][1])
    assert done.returncode != 0
    assert "nrow(dyad_merged) == nrow(dyad_panel) is not TRUE" in done.stderr, done.stderr


def test_peacesciencer_recipe_is_the_r_recipes_join(r_ready: str, workdir: Path) -> None:
    """Its first line builds the panel with peacesciencer, for the years the graph covers;
    the rest are lines of the R recipe, run here on the made-up panel."""
    lines = recipes()["r-peacesciencer"][1].splitlines()
    first, last = _coverage()
    assert lines[0] == ("dyad_panel <- peacesciencer::create_dyadyears(directed = TRUE, "
                        f"subset_years = {first}:{last})")
    r_lines = recipes()["r"][1].splitlines()
    assert all(line in r_lines for line in lines[1:])
    assert any(line.startswith("dyad_panel <- ") for line in r_lines)
    code = "\n".join([*(line for line in r_lines if line.startswith(
        ("library(", "dyads <- ", "dyad_panel <- "))), *lines[1:]]) + "\n"
    done = _run_r(r_ready, workdir, code)
    assert done.returncode == 0, done.stdout + done.stderr


def test_stata_recipe_names_the_files_and_the_key(workdir: Path) -> None:
    code = recipes()["stata"][1]
    assert "merge m:1 ccode1 ccode2 year using tables/dyad_year.dta" in code
    header = _read(workdir / "tables" / "dyad_year.csv")[0].keys()
    for name in re.findall(r"\b(n_in_force|ccode[12]|year)\b", code):
        assert name in header
    assert [t.dta_path for t in tables.TABLES if t.name == "dyad_year"] == ["dyad_year.dta"]


def test_dta_files_read_in_r_with_haven(rscript: str, tmp_path: Path) -> None:
    """A second reader of the .dta files (ReadStat, through haven): labels and types."""
    pytest.importorskip("pandas")
    if not _has_r_packages(rscript, "haven"):
        pytest.skip("the R package haven is not installed (Debian: r-cran-haven)")
    tables.write_tables(tmp_path / "tables")
    code = """
suppressMessages(library(haven))
d <- read_dta("tables/dyad_year.dta")
a <- read_dta("tables/actors.dta")
r <- d[d$ccode1 == 740 & d$ccode2 == 732 & d$year == 2017, ]
stopifnot(nrow(r) == 1, r$n_in_force >= 1, r$has_gsomia == 1)
stopifnot(identical(attr(d$ccode1, "label"), "COW code of the first state"))
stopifnot(identical(unname(attr(d$has_gsomia, "labels")), c(0, 1)))
labels <- attr(d$has_gsomia, "labels")
stopifnot(identical(names(labels), c("none in effect", "at least one in effect")))
stopifnot(is.character(a$un_m49), a$un_m49[a$iso3166_alpha3 == "AUS"] == "036")
stopifnot(a$label_ko[a$iso3166_alpha3 == "KOR"] == "\\ub300\\ud55c\\ubbfc\\uad6d")
cat("ok\\n")
"""
    done = _run_r(rscript, tmp_path, code)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout + done.stderr
