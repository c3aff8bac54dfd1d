"""The JSON-LD export reads offline in Jena RIOT with the triples of the Turtle export (case B.7).

rdflib and pyld are checked in test_export.py; this module runs Apache Jena 4.5's RIOT from
Debian's jars (see tests/engines/jena.py) with no network access needed: the context is
inline, so nothing is fetched. Debian's Jena has no Jakarta JSON Processing provider for its
JSON-LD 1.1 reader (titanium fails every document with LOADING_DOCUMENT_FAILED), so RIOT
reads with its JSON-LD 1.0 reader (``--syntax=jsonld10``, jsonld-java, which needs
``httpclient-cache.jar`` on the class path); the export uses nothing beyond JSON-LD 1.0.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from engines import jena
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from trilat_kg.export import serialize_dataset

pytestmark = pytest.mark.slow  # starts a real engine (Debian package)


@pytest.fixture(scope="module")
def riot(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    why = jena.missing()
    if why:
        if os.environ.get("TRILAT_REQUIRE_ENGINES") == "1":
            pytest.fail(why)
        pytest.skip(why)
    work = tmp_path_factory.mktemp("riot")
    cp = jena.classpath(work).replace("slf4j-nop", "slf4j-simple") + \
        ":/usr/share/java/httpclient-cache.jar"

    def run(path: Path, output: str) -> str:
        done = subprocess.run([jena.java() or "java", "-cp", cp, "riotcmd.riot",
                               "--syntax=jsonld10", f"--output={output}", str(path)],
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "WARN" not in done.stderr and "ERROR" not in done.stderr, done.stderr[-2000:]
        return done.stdout

    return run


def test_riot_reads_the_default_jsonld_offline_like_turtle(riot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "trilat-kg.jsonld"
    path.write_bytes(serialize_dataset("json-ld"))
    read = Graph().parse(data=riot(path, "nt"), format="nt")
    turtle = Graph().parse(data=serialize_dataset("turtle"), format="turtle")
    assert len(read) == len(turtle) > 6000
    assert isomorphic(read, turtle)


def test_riot_reads_the_named_graphs_of_the_jsonld(riot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "graphs.jsonld"
    path.write_bytes(serialize_dataset("json-ld", jsonld_graphs=True))
    read, want = Dataset(), Dataset()
    read.parse(data=riot(path, "nq"), format="nquads")
    want.parse(data=serialize_dataset("nq", default_graph=False), format="nquads")
    names = {str(g.identifier) for g in want.graphs() if len(g)}
    assert {str(g.identifier) for g in read.graphs() if len(g)} == names
    for name in names:
        assert isomorphic(read.graph(name), want.graph(name)), name
