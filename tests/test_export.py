"""Export: every format round-trips, Turtle is stable, and a failed export changes nothing.

The failure tests follow reference/bad-inputs.md rows 23-29: each compares the target's bytes
before and after, and checks that no temporary file is left beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import BinaryIO

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from trilat_kg import export as export_mod
from trilat_kg.atomic import STALE_AFTER, write_atomic
from trilat_kg.errors import DataError, LocalIOError, UsageError
from trilat_kg.export import (
    CONTEXT_IRI,
    FORMATS,
    context_path,
    export_dataset,
    load_jsonld,
    local_context,
    serialize_dataset,
)
from trilat_kg.graph import load_dataset
from trilat_kg.namespaces import TRILAT

OLD = b"# the previous export, which a failed export must leave alone\n"
BAD_IRI = "http://ex/d{e}"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds = load_dataset()
    assert len(list(ds.quads((None, None, None, None)))) > 100, "the dataset should not be empty"
    return ds


def _union(ds: Dataset) -> Graph:
    g = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def _named_graphs(ds: Dataset) -> dict[str, Graph]:
    out: dict[str, Graph] = {}
    for s, p, o, ctx in ds.quads((None, None, None, None)):
        name = str(getattr(ctx, "identifier", ctx))
        out.setdefault(name, Graph()).add((s, p, o))
    return out


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def target(tmp_path: Path) -> Path:
    out = tmp_path / "out.nt"
    out.write_bytes(OLD)
    return out


@pytest.fixture
def bad_iri_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad-iri.ttl"
    path.write_text(f'<{BAD_IRI}> <http://ex/p> "accepted by the parser" .\n', encoding="utf-8")
    return path


# ------------------------------------------------------------------------- round trips


@pytest.fixture(scope="module")
def sources() -> dict[str, Graph]:
    """Each named graph as its source files say, read by rdflib (not by the package)."""
    from trilat_kg.resources import GRAPHS, files_for

    out: dict[str, Graph] = {}
    for name, iri in GRAPHS.items():
        graph = Graph()
        for path in files_for(name):
            graph.parse(path, format="turtle")
        out[iri] = graph
    assert len(out) >= 4 and all(len(g) > 50 for g in out.values())
    return out


def test_language_tags_are_written_in_lower_case(sources: dict[str, Graph]) -> None:
    """Tags are case-insensitive (RDF 1.1 Concepts §3.3) and Oxigraph and pyld lowercase
    them; written in lower case, a literal is the same term in every tool, rdflib included."""
    from rdflib import Literal

    tags = {o.language for g in sources.values() for o in g.objects()
            if isinstance(o, Literal) and o.language}
    assert {"en", "ja", "ko"} <= tags
    assert {tag for tag in tags if tag != tag.lower()} == set()


def _merge(graphs: dict[str, Graph]) -> Graph:
    union = Graph()
    for graph in graphs.values():
        for triple in graph:
            union.add(triple)
    return union


def _literals(graph: Graph) -> set[tuple[str, str | None]]:
    """Every literal's lexical form and datatype (what a value-keeping store would change)."""
    from rdflib import Literal

    return {(str(o), str(o.datatype) if o.datatype else None)
            for o in graph.objects() if isinstance(o, Literal)}


def _read_back(data: bytes, fmt: str) -> Dataset | Graph:
    """Parse an export with plain rdflib (no package code, no network)."""
    if fmt in ("nq", "trig"):
        back = Dataset()
        back.parse(data=data, format={"nq": "nquads", "trig": "trig"}[fmt])
        return back
    return Graph().parse(data=data, format={"turtle": "turtle", "nt": "nt",
                                            "json-ld": "json-ld"}[fmt])


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_round_trips_to_the_source_files(sources: dict[str, Graph],
                                                      fmt: str) -> None:
    """Isomorphic to the files as written: datatypes and lexical forms unchanged."""
    back = _read_back(serialize_dataset(fmt), fmt)
    union = _merge(sources)
    if isinstance(back, Dataset):
        got = _named_graphs(back)
        default = got.pop("urn:x-rdflib:default")
        assert set(got) == set(sources)
        for name, graph in sources.items():
            assert isomorphic(graph, got[name]), f"named graph {name} differs"
        # The unnamed default graph holds the RDF merge, each triple once.
        assert isomorphic(default, union)
        assert len(default) == len(union)
        merged = Graph()
        for graph in got.values():
            for triple in graph:
                merged.add(triple)
        assert _literals(merged) == _literals(union)
    else:
        assert isomorphic(back, union)
        assert _literals(back) == _literals(union)


def test_positive_integers_keep_their_datatype() -> None:
    """The case of a value-keeping store: 99 xsd:positiveInteger became xsd:integer."""
    data = serialize_dataset("nt")
    assert data.count(b"XMLSchema#positiveInteger>") >= 99


def test_lexical_forms_of_a_users_file_survive_every_format(tmp_path: Path) -> None:
    mine = tmp_path / "forms.ttl"
    mine.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<http://ex/a> <http://ex/p> "01"^^xsd:integer, "1"^^xsd:int, "5"^^xsd:positiveInteger, '
        '"1.50"^^xsd:decimal, "x"@ko-Hani .\n', encoding="utf-8")
    import pyoxigraph as ox

    # Read back with a parser that keeps lexical forms (rdflib's Turtle parser itself turns the
    # shorthand integer 01, which is "01"^^xsd:integer, into "1").
    syntax = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
              "nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
              "json-ld": ox.RdfFormat.JSON_LD}
    for fmt in FORMATS:
        back = ox.parse(serialize_dataset(fmt, extra=[mine], graphs=["user"]),
                        format=syntax[fmt])
        forms = {(q.object.value, q.object.language or q.object.datatype.value)
                 for q in back if q.subject == ox.NamedNode("http://ex/a")}
        xsd = "http://www.w3.org/2001/XMLSchema#"
        assert forms == {("01", xsd + "integer"), ("1", xsd + "int"),
                         ("5", xsd + "positiveInteger"), ("1.50", xsd + "decimal"),
                         ("x", "ko-hani")}, fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_byte_identical_on_two_runs(tmp_path: Path, fmt: str) -> None:
    """Across processes whose hash seeds differ, the way two releases are built."""
    mine = tmp_path / "blank.ttl"  # blank nodes need canonical labels to be stable
    mine.write_text('[] <http://ex/p> [ <http://ex/q> "x" ] .\n_:a <http://ex/p> _:b .\n',
                    encoding="utf-8")
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"run{seed}.{fmt}"
        code = (
            f"from pathlib import Path; from trilat_kg.export import export_dataset; "
            f"export_dataset({fmt!r}, Path({str(out)!r}), extra=[Path({str(mine)!r})])"
        )
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert b"_:c14n" in outs[0] or (fmt == "json-ld" and b'"_:c14n' in outs[0])


def test_jsonld_is_self_contained_and_reads_offline_like_turtle() -> None:
    """Inline context: rdflib and pyld read it with no network, with the Turtle triples."""
    data = serialize_dataset("json-ld")
    doc = json.loads(data)
    assert isinstance(doc["@context"], dict) and doc["@context"]["trilat"].endswith("ontology#")
    turtle = Graph().parse(data=serialize_dataset("turtle"), format="turtle")
    assert isomorphic(Graph().parse(data=data, format="json-ld"), turtle)
    pyld = pytest.importorskip("pyld")
    nquads = pyld.jsonld.to_rdf(doc, {"format": "application/n-quads"})
    assert isomorphic(Graph().parse(data=nquads, format="nt"), turtle)


def test_jsonld_can_keep_the_named_graphs(sources: dict[str, Graph]) -> None:
    data = serialize_dataset("json-ld", jsonld_graphs=True)
    back = Dataset()
    back.parse(data=data, format="json-ld")
    got = _named_graphs(back)
    got.pop("urn:x-rdflib:default", None)
    assert set(got) == set(sources)
    for name, graph in sources.items():
        assert isomorphic(graph, got[name]), name


def test_jsonld_can_name_the_published_context() -> None:
    doc = json.loads(serialize_dataset("json-ld", jsonld_context="reference"))
    assert doc["@context"] == CONTEXT_IRI
    # The package reads it back by mapping the IRI to its own copy: nothing is fetched.
    turtle = Graph().parse(data=serialize_dataset("turtle"), format="turtle")
    assert isomorphic(load_jsonld(json.dumps(doc)), turtle)


def test_context_file_ships_in_package_and_covers_the_ontology(dataset: Dataset) -> None:
    path = context_path()
    assert path.parent.name == "trilat_kg" and path.is_file()
    ctx = local_context()["@context"]
    from trilat_kg.namespaces import PREFIXES

    for prefix, iri in PREFIXES.items():
        assert ctx[prefix] == iri
    from rdflib import OWL, RDF

    props = {
        p
        for cls in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for p in dataset.subjects(RDF.type, cls)
        if str(p).startswith(str(TRILAT))
    }
    assert props, "the ontology should declare trilat: properties"
    for prop in props:
        term = ctx.get(str(prop)[len(str(TRILAT)) :])
        assert term and term["@id"] == "trilat:" + str(prop)[len(str(TRILAT)) :], prop
        if (prop, RDF.type, OWL.ObjectProperty) in dataset:
            assert term.get("@type") == "@id", prop


def test_load_jsonld_refuses_other_context_references() -> None:
    for ref in ("http://127.0.0.1:9/ctx.jsonld", "file:///etc/passwd", "ctx.jsonld"):
        doc = {"@context": ref, "@id": "http://ex/a", "http://ex/p": "x"}
        with pytest.raises(DataError, match="refused"):
            load_jsonld(json.dumps(doc))
    scoped = {"@context": {"p": {"@id": "http://ex/p", "@context": "http://ex/ctx"}}}
    with pytest.raises(DataError, match="refused"):
        load_jsonld(json.dumps(scoped))
    imported = {"@context": {"@import": "http://ex/ctx"}}
    with pytest.raises(DataError, match="refused"):
        load_jsonld(json.dumps(imported))
    inline = {"@context": {"p": "http://ex/p"}, "@id": "http://ex/a", "p": "x"}
    assert len(load_jsonld(json.dumps(inline))) == 1


def test_export_to_stdout(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    export_dataset("nt", None)
    out = capsysbinary.readouterr().out
    assert len(Graph().parse(data=out, format="nt")) > 100


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        export_dataset("rdfxml", tmp_path / "x.rdf")
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------------- failures


def test_writer_failing_mid_write_leaves_target_unchanged(target: Path) -> None:
    before = _digest(target)

    def writer(fh: BinaryIO) -> None:
        fh.write(b"<http://ex/a> <http://ex/b> <http://ex/c> .\n" * 1000)
        raise RuntimeError("serialiser crashed half-way")

    with pytest.raises(RuntimeError):
        write_atomic(target, writer)
    assert _digest(target) == before
    assert _leftovers(target.parent) == []


def test_keyboard_interrupt_mid_write_leaves_target_unchanged(target: Path) -> None:
    before = _digest(target)

    def writer(fh: BinaryIO) -> None:
        fh.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, writer)
    assert _digest(target) == before
    assert _leftovers(target.parent) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_unserialisable_iri_is_a_data_error_and_target_unchanged(
    target: Path, bad_iri_file: Path, fmt: str
) -> None:
    before = _digest(target)
    with pytest.raises(DataError, match=r"bad-iri.ttl:1: Invalid IRI code point '\{'"):
        export_dataset(fmt, target, extra=[bad_iri_file])
    assert _digest(target) == before
    assert _leftovers(target.parent) == []


def test_symlinked_target_is_refused_and_victim_unchanged(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n")
    link = tmp_path / "out.nt"
    link.symlink_to(victim)
    with pytest.raises(LocalIOError, match="symbolic link"):
        export_dataset("nt", link)
    assert victim.read_bytes() == b"precious\n"
    assert link.is_symlink()
    assert _leftovers(tmp_path) == []


def test_follow_symlinks_writes_the_link_target(tmp_path: Path) -> None:
    real = tmp_path / "real.nt"
    real.write_bytes(OLD)
    link = tmp_path / "out.nt"
    link.symlink_to(real)
    write_atomic(link, b"new\n", follow_symlinks=True)
    assert link.is_symlink() and real.read_bytes() == b"new\n"


def test_missing_folder_fails_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_run(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the dataset was loaded although the target is unusable")

    monkeypatch.setattr(export_mod, "write_dataset", must_not_run)
    missing = tmp_path / "missing" / "out.nt"
    with pytest.raises(LocalIOError, match="missing"):
        export_dataset("nt", missing)
    assert not missing.parent.exists()


def test_target_that_is_a_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_mod, "write_dataset", lambda *a, **k: None)
    folder = tmp_path / "out.nt"
    folder.mkdir()
    with pytest.raises(LocalIOError, match="directory"):
        export_dataset("nt", folder)
    assert folder.is_dir() and not list(folder.iterdir())
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(LocalIOError, match="not writable"):
            write_atomic(folder / "out.nt", b"x")
    finally:
        folder.chmod(0o755)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_disk_dev_full() -> None:
    with pytest.raises(LocalIOError, match="no space left on device: /dev/full"):
        write_atomic(Path("/dev/full"), b"x" * 200_000)
    with pytest.raises(LocalIOError, match="no space left on device"):
        export_dataset("nt", Path("/dev/full"))
    # The device itself must never be replaced by a rename (this runs as root in CI).
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert not [p for p in Path("/dev").glob(".full.*.tmp")]


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_file_size_limit_efbig_leaves_target_unchanged(target: Path) -> None:
    before = _digest(target)
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        from pathlib import Path
        from trilat_kg.atomic import write_atomic
        from trilat_kg.errors import LocalIOError
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100 * 1024, 100 * 1024))
        try:
            write_atomic(Path({str(target)!r}), b"x" * (1024 * 1024))
        except LocalIOError as exc:
            print(exc)
            sys.exit(4)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 4, proc.stderr
    assert "no space left on device" in proc.stdout
    assert _digest(target) == before
    assert _leftovers(target.parent) == []


def test_stale_temps_of_killed_runs_are_cleaned(target: Path) -> None:
    stale = target.parent / f".{target.name}.killed1.tmp"
    fresh = target.parent / f".{target.name}.running.tmp"
    for p in (stale, fresh):
        p.write_bytes(b"partial")
    old = time.time() - STALE_AFTER - 60
    os.utime(stale, (old, old))
    write_atomic(target, b"new\n")
    assert not stale.exists()
    assert fresh.exists(), "a temp file another run may still be writing must be left alone"
    assert target.read_bytes() == b"new\n"


def test_new_file_mode_follows_umask_and_existing_mode_is_kept(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    new = tmp_path / "new.ttl"
    write_atomic(new, b"x")
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~mask
    kept = tmp_path / "kept.ttl"
    kept.write_bytes(b"old")
    kept.chmod(0o640)
    write_atomic(kept, b"new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640


def _interrupt(script: str, target: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the child says when it is half-way through writing
    assert line.strip() == "writing", proc.stderr.read() if proc.stderr else ""
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_sigint_during_write_leaves_target_unchanged(target: Path) -> None:
    before = _digest(target)
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from trilat_kg.atomic import write_atomic
        def slow(fh):
            for i in range(10_000):
                fh.write(b"<http://ex/a> <http://ex/b> <http://ex/c> .\\n" * 100)
                if i == 5:
                    fh.flush()
                    print("writing", flush=True)
                time.sleep(0.01)
        write_atomic(Path({str(target)!r}), slow)
        """
    )
    result = _interrupt(script, target)
    assert result.returncode != 0
    assert _digest(target) == before
    assert _leftovers(target.parent) == []


def test_sigint_during_export_leaves_target_unchanged(target: Path) -> None:
    before = _digest(target)
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        import trilat_kg.export as ex
        real_write = ex.write_atomic
        def slow_write(path, data, **kw):
            class Slow:
                def __init__(self, fh):
                    self.fh, self.pieces = fh, 0
                def write(self, chunk):
                    for i in range(0, len(chunk), 2048):
                        self.fh.write(chunk[i:i + 2048])
                        self.pieces += 1
                        if self.pieces == 4:
                            print("writing", flush=True)
                        time.sleep(0.005)
                    return len(chunk)
                def flush(self):
                    self.fh.flush()
            real_write(path, lambda fh: data(Slow(fh)), **kw)
        ex.write_atomic = slow_write
        ex.export_dataset("nt", Path({str(target)!r}))
        """
    )
    result = _interrupt(script, target)
    assert result.returncode != 0
    assert _digest(target) == before
    assert _leftovers(target.parent) == []


def test_four_concurrent_exports_give_one_complete_file(tmp_path: Path) -> None:
    out = tmp_path / "shared.nt"
    procs = []
    for n in range(4):
        extra = tmp_path / f"writer{n}.ttl"
        extra.write_text(f'<http://ex/writer{n}> <http://ex/p> "{n}" .\n', encoding="utf-8")
        code = (
            "from pathlib import Path; from trilat_kg.export import export_dataset; "
            f"export_dataset('nt', Path({str(out)!r}), extra=[Path({str(extra)!r})])"
        )
        procs.append(subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE))
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    graph = Graph().parse(out, format="nt")
    writers = [n for n in range(4) if (URIRef(f"http://ex/writer{n}"), None, None) in graph]
    assert len(writers) == 1, f"expected exactly one writer's output, found {writers}"
    expected = Graph().parse(
        data=serialize_dataset("nt", extra=[tmp_path / f"writer{writers[0]}.ttl"]), format="nt"
    )
    assert isomorphic(graph, expected)
    assert _leftovers(tmp_path) == []


# ------------------------------------------------------------------------- through the CLI


def _cli() -> object:
    cli_mod = pytest.importorskip("trilat_kg.cli", reason="the CLI is not written yet")
    return cli_mod.cli


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_export_every_format(tmp_path: Path, fmt: str) -> None:
    from click.testing import CliRunner

    out = tmp_path / ("out" + export_mod.SUFFIXES[fmt])
    result = CliRunner().invoke(_cli(), ["export", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 1000
    if fmt == "turtle":  # stable output: the CLI writes what the library serialises
        assert out.read_bytes() == serialize_dataset(fmt)


def test_cli_export_exit_codes_and_target_unchanged(
    target: Path, bad_iri_file: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    cli = _cli()
    runner = CliRunner()
    before = _digest(target)
    bad = runner.invoke(
        cli, ["export", "--format", "nt", "-o", str(target), "--data", str(bad_iri_file)]
    )
    assert bad.exit_code == 1, bad.output
    assert _digest(target) == before
    link = tmp_path / "link.nt"
    link.symlink_to(target)
    refused = runner.invoke(cli, ["export", "--format", "nt", "-o", str(link)])
    assert refused.exit_code == 4, refused.output
    assert _digest(target) == before
    missing = runner.invoke(
        cli, ["export", "--format", "nt", "-o", str(tmp_path / "missing" / "out.nt")]
    )
    assert missing.exit_code == 4, missing.output
    assert _leftovers(tmp_path) == []


def test_cli_export_data_in_quad_and_jsonld_formats(tmp_path: Path) -> None:
    """A user's --data file in N-Quads, TriG or JSON-LD (local context) is merged and exported."""
    from click.testing import CliRunner

    files = {
        "user.nq": '<http://ex/nq> <http://ex/p> "1" <http://ex/g> .\n',
        "user.trig": '<http://ex/g> { <http://ex/trig> <http://ex/p> "2" . }\n',
        "user.jsonld": json.dumps(
            {"@context": CONTEXT_IRI, "@id": "http://ex/jsonld", "label": "3"}
        ),
    }
    args = ["export", "--format", "nq", "-o", str(tmp_path / "out.nq")]
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        args += ["--data", str(tmp_path / name)]
    result = CliRunner().invoke(_cli(), args)
    assert result.exit_code == 0, result.output
    back = Dataset()
    back.parse(tmp_path / "out.nq", format="nquads")
    user = back.graph(URIRef("https://w3id.org/trilat-kg/graphs/user"))
    for name in ("nq", "trig", "jsonld"):
        assert (URIRef(f"http://ex/{name}"), None, None) in user, name


# ------------------------------------------------------------------------- one named graph

GRAPH_NAMES = ("ontology", "essay", "external", "metadata")


def _reparse(data: bytes, fmt: str) -> Dataset | Graph:
    if fmt in ("nq", "trig"):
        back = Dataset()
        back.parse(data=data, format={"nq": "nquads", "trig": "trig"}[fmt])
        return back
    if fmt == "json-ld":
        return load_jsonld(data)
    return Graph().parse(data=data, format=fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_each_graph_alone_reparses_isomorphic_with_that_graph(
    dataset: Dataset, name: str, fmt: str
) -> None:
    iri = f"https://w3id.org/trilat-kg/graphs/{name}"
    want = _named_graphs(dataset)[iri]
    assert len(want) > 10, f"the graph {name} should not be empty"
    back = _reparse(serialize_dataset(fmt, graphs=[name]), fmt)
    if isinstance(back, Dataset):  # the quads keep the graph's name, and only it is there
        got = _named_graphs(back)
        assert set(got) - {"urn:x-rdflib:default"} == {iri}
        assert isomorphic(got[iri], want)
        assert isomorphic(got["urn:x-rdflib:default"], want)  # the merge of what is exported
    else:
        assert isomorphic(back, want)


def test_several_graphs_go_out_together(dataset: Dataset) -> None:
    back = Dataset()
    back.parse(data=serialize_dataset("nq", graphs=["essay", "metadata"],
                                      default_graph=False), format="nquads")
    got, want = _named_graphs(back), _named_graphs(dataset)
    assert set(got) == {f"https://w3id.org/trilat-kg/graphs/{n}" for n in ("essay", "metadata")}
    for iri, graph in got.items():
        assert isomorphic(graph, want[iri])


def test_unknown_graph_is_a_usage_error_naming_the_choices(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="ontology, essay, external, metadata"):
        export_dataset("nt", tmp_path / "x.nt", graphs=["essays"])
    with pytest.raises(UsageError, match="none were given"):
        serialize_dataset("nt", graphs=["user"])
    assert not list(tmp_path.iterdir())


def test_cli_export_one_graph(tmp_path: Path, dataset: Dataset) -> None:
    from click.testing import CliRunner

    out = tmp_path / "essay.trig"
    result = CliRunner().invoke(_cli(), ["export", "--graph", "essay", "--format", "trig",
                                         "--no-default-graph", "-o", str(out)])
    assert result.exit_code == 0, result.output
    back = Dataset()
    back.parse(out, format="trig")
    iri = "https://w3id.org/trilat-kg/graphs/essay"
    assert set(_named_graphs(back)) == {iri}
    assert isomorphic(_named_graphs(back)[iri], _named_graphs(dataset)[iri])


def test_cli_export_graph_with_data_needs_the_user_graph(tmp_path: Path) -> None:
    from click.testing import CliRunner

    mine = tmp_path / "mine.ttl"
    mine.write_text('<http://ex/a> <http://ex/p> "x" .\n', encoding="utf-8")
    runner = CliRunner()
    left_out = runner.invoke(_cli(), ["export", "--graph", "essay", "--data", str(mine),
                                      "--format", "nt"])
    assert left_out.exit_code == 2
    assert "add it to the graphs exported" in left_out.stderr
    kept = runner.invoke(_cli(), ["export", "--graph", "user", "--data", str(mine),
                                  "--format", "nt"])
    assert kept.exit_code == 0, kept.output
    assert kept.stdout == '<http://ex/a> <http://ex/p> "x" .\n'


@pytest.mark.parametrize("args", [
    ["--graph", "essays", "--format", "nt"],
    ["--graph", "essay", "--format", "csv", "-o", "{tables}"],
])
def test_cli_export_graph_usage_errors(tmp_path: Path, args: list[str]) -> None:
    from click.testing import CliRunner

    tables = tmp_path / "tables"
    args = [a.format(tables=tables) for a in args]
    result = CliRunner().invoke(_cli(), ["export", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("trilat-kg: error: ")
    assert not tables.exists()
    if "csv" not in args:
        assert "choose from ontology, essay, external, metadata, user" in result.stderr
    else:
        assert "--format csv" in result.stderr
