"""Packaging: one version everywhere, and a wheel that works away from the source tree.

An editable install reads ontology/, data/, shapes/ and queries/ from the checkout, which
hides a wheel that forgot them. So the slow test builds the wheel, looks inside it, installs
it into a fresh virtual environment in a temporary folder and answers a canned query from
there, with the current directory outside the source tree.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL

import trilat_kg
from trilat_kg.namespaces import ONTOLOGY

REPO = Path(__file__).resolve().parents[1]

# The seven states of the dataset and their Correlates of War codes.
COW_CODES = {
    "Australia": "900",
    "Canada": "20",
    "China": "710",
    "Japan": "740",
    "North Korea": "731",
    "Republic of Korea": "732",
    "United States": "2",
}


def _pyproject_version() -> str:
    # A regex, not tomllib: tomllib needs Python 3.11 and the package supports 3.10.
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    project = text.split("[project]", 1)[1].split("\n[", 1)[0]
    match = re.search(r'^version\s*=\s*"([^"]+)"', project, re.MULTILINE)
    assert match, "pyproject.toml has no [project] version"
    return match.group(1)


def test_version_is_the_same_everywhere() -> None:
    version = _pyproject_version()
    assert trilat_kg.__version__ == version, "reinstall the package: its metadata is stale"
    onto = Graph().parse(REPO / "ontology" / "trilat.ttl", format="turtle")
    subject = URIRef(ONTOLOGY)
    info = [str(v) for v in onto.objects(subject, OWL.versionInfo)]
    iris = [str(v) for v in onto.objects(subject, OWL.versionIRI)]
    assert info == [version], f"owl:versionInfo {info} != pyproject version {version}"
    assert len(iris) == 1 and iris[0] == f"{ONTOLOGY}/{version}"
    assert iris[0].rsplit("/", 1)[1] == version


def test_version_is_written_in_one_place() -> None:
    """Only pyproject.toml states it; the package reads its own metadata at run time."""
    init = (REPO / "src" / "trilat_kg" / "__init__.py").read_text(encoding="utf-8")
    assert _pyproject_version() not in init
    assert "importlib.metadata" in init


def _run(cmd: list[str], *, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _build_wheel(outdir: Path) -> Path:
    """Build without isolation: the build backend is already installed, and no index is needed."""
    outdir.mkdir(parents=True, exist_ok=True)
    proc = _run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(outdir)],
        cwd=REPO,
    )
    if proc.returncode != 0:
        proc = _run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "-w",
                str(outdir),
                str(REPO),
            ],
            cwd=outdir,
        )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    wheels = sorted(outdir.glob("trilat_kg-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _install(wheel: Path, venv: Path, cwd: Path) -> Path:
    """Install the wheel into a fresh venv; return its python.

    Dependencies come from whatever index pip is configured with (a local mirror in CI).
    Without one, they are borrowed from the running interpreter through a ``.pth`` file,
    but the package itself is always the wheel's (``--no-deps`` install into the venv).
    """
    proc = _run([sys.executable, "-m", "venv", str(venv)], cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    python = venv / "bin" / "python"
    proc = _run([str(python), "-m", "pip", "install", "-q", str(wheel)], cwd=cwd)
    if proc.returncode != 0:
        site = _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=cwd,
        ).stdout.strip()
        here = [p for p in sys.path if p.endswith("site-packages")]
        Path(site, "borrowed-deps.pth").write_text("\n".join(here) + "\n", encoding="utf-8")
        proc = _run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], cwd=cwd)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return python


@pytest.mark.slow
def test_wheel_carries_the_data_and_answers_a_query(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    for folder, suffix in (
        ("ontology", ".ttl"),
        ("data", ".ttl"),
        ("shapes", ".ttl"),
        ("queries", ".rq"),
    ):
        inside = [n for n in names if n.startswith(f"trilat_kg/_data/{folder}/")]
        assert any(n.endswith(suffix) for n in inside), f"{folder}/ missing from {wheel.name}"
        source = {p.relative_to(REPO).as_posix() for p in (REPO / folder).rglob(f"*{suffix}")}
        packed = {n[len("trilat_kg/_data/") :] for n in inside if n.endswith(suffix)}
        assert source <= packed, f"not in the wheel: {sorted(source - packed)}"
    assert "trilat_kg/context.jsonld" in names
    assert "trilat_kg/py.typed" in names

    work = tmp_path / "elsewhere"
    work.mkdir()
    python = _install(wheel, tmp_path / "venv", work)
    venv = (tmp_path / "venv").resolve()

    probe = _run(
        [
            str(python),
            "-c",
            "import trilat_kg, trilat_kg.resources as r; print(trilat_kg.__file__); "
            "print(r.data_root()); print(trilat_kg.__version__)",
        ],
        cwd=work,
    )
    assert probe.returncode == 0, probe.stderr
    module_file, data_root, version = probe.stdout.split("\n")[:3]
    assert Path(module_file).resolve().is_relative_to(venv), module_file
    assert Path(data_root).resolve().is_relative_to(venv), data_root
    assert version == _pyproject_version()

    cli = venv / "bin" / "trilat-kg"
    proc = _run([str(cli), "query", "state-identifier-crosswalk", "--format", "csv"], cwd=work)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == len(COW_CODES), proc.stdout
    by_label = {row.get("label"): row for row in rows}
    for label, cow in COW_CODES.items():
        assert label in by_label, f"{label} missing from the crosswalk:\n{proc.stdout}"
        assert cow in by_label[label].values(), f"{label}: COW code {cow} missing"
    assert by_label["Japan"].get("cowCode", "740") == "740"
