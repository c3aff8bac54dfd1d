"""Large --data files are streamed through export, and give what the careful path gives.

The careful path (every file read whole, statements sorted) is the reference: for each
format, an export that streams a plain file must read back as the same RDF dataset as one
that reads it whole. Streaming is proven by behaviour (the whole-file reader is never
called for a plain file), not by timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

import trilat_kg.export as export_mod
import trilat_kg.loader as loader_mod
from trilat_kg.errors import DataError
from trilat_kg.export import FORMATS, export_dataset, serialize_dataset
from trilat_kg.loader import USER_GRAPH, plain_format, stream_triples

SYNTAX = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
          "nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
          "json-ld": ox.RdfFormat.JSON_LD}
TRILAT = "https://w3id.org/trilat-kg/"
JPN = f"<{TRILAT}id/states/japan>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"


def _plain_file(tmp_path: Path, n: int = 3000) -> Path:
    """An N-Triples file with IRIs of several project namespaces, awkward literals, and a
    triple the shipped dataset holds (Japan's English label)."""
    lines = [f'{JPN} {LABEL} "Japan"@en .',  # also in the dataset
             f'{JPN} {LABEL} "Japan"@en .']  # and repeated by the file
    for i in range(n):
        lines.append(f"<{TRILAT}id/bench/s{i}> <{TRILAT}ontology#p{i % 5}> "
                     f"<{TRILAT}id/states/X{i % 7}> .")
    lines += [
        # literals that start with or quote a namespace stay literals
        f'<{TRILAT}id/bench/lit> <{TRILAT}ontology#note> "{TRILAT}ontology#x" .',
        f'<{TRILAT}id/bench/lit> <{TRILAT}ontology#note> "say \\"{TRILAT}ontology#y\\"" .',
        # an IRI equal to a namespace, and one whose suffix starts with //
        f"<{TRILAT}id/bench/edge> <{TRILAT}ontology#see> <{TRILAT}id/states/> .",
        f"<{TRILAT}id/bench/edge> <{TRILAT}ontology#see> <{TRILAT}ontology#//x> .",
        f'<{TRILAT}id/bench/edge> <{TRILAT}ontology#text> "line\\nbreak . and \\" quote" .',
        f'<{TRILAT}id/bench/edge> <{TRILAT}ontology#text> "日本"@ja .',
    ]
    path = tmp_path / "big.nt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _dataset(data: bytes, fmt: str) -> set[ox.Quad]:
    return set(ox.Dataset(ox.parse(data, format=SYNTAX[fmt])))


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _plain_file(tmp_path_factory.mktemp("stream"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_streamed_export_reads_back_as_the_careful_one(
    fmt: str, plain: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stream_triples(plain) is not None
    streamed = serialize_dataset(fmt, extra=[plain])
    monkeypatch.setattr(export_mod, "stream_triples", lambda *a, **k: None)
    careful = serialize_dataset(fmt, extra=[plain])
    assert _dataset(streamed, fmt) == _dataset(careful, fmt)


@pytest.mark.parametrize("fmt", ["nq", "json-ld"])
def test_streamed_named_graphs_read_back_as_the_careful_ones(
    fmt: str, plain: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = {"default_graph": False} if fmt == "nq" else {"jsonld_graphs": True}
    streamed = serialize_dataset(fmt, extra=[plain], **options)
    monkeypatch.setattr(export_mod, "stream_triples", lambda *a, **k: None)
    careful = serialize_dataset(fmt, extra=[plain], **options)
    got = _dataset(streamed, fmt)
    assert got == _dataset(careful, fmt)
    assert {q.graph_name for q in got} >= {ox.NamedNode(USER_GRAPH)}


def test_a_plain_file_is_never_read_whole(plain: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = loader_mod.read_triples

    def whole(path: Path, **kw: Any) -> Any:
        assert Path(path) != plain, f"{path} was read whole"
        return real(path, **kw)

    monkeypatch.setattr(loader_mod, "read_triples", whole)
    for fmt in FORMATS:
        assert serialize_dataset(fmt, extra=[plain])


def test_the_merge_holds_a_triple_once_the_user_graph_as_written(plain: Path) -> None:
    label = f'{JPN} {LABEL} "Japan"@en .'.encode()
    nt = serialize_dataset("nt", extra=[plain]).split(b"\n")
    assert nt.count(label) == 1, "the dataset's own triple is not repeated by the merge"
    nq = serialize_dataset("nq", extra=[plain]).split(b"\n")
    assert nq.count(label) == 1
    in_user = label[:-2] + f" <{USER_GRAPH}> .".encode()
    assert nq.count(in_user) == 2, "the user graph keeps the file as written"


def test_streamed_exports_are_byte_stable(plain: Path) -> None:
    for fmt in FORMATS:
        assert serialize_dataset(fmt, extra=[plain]) == serialize_dataset(fmt, extra=[plain])


def test_jsonld_compaction_keeps_literals_and_odd_iris(plain: Path) -> None:
    doc = serialize_dataset("json-ld", extra=[plain])
    assert b'"id:bench/s0"' in doc and b'"trilat:p0"' in doc, "IRIs are compacted"
    back = _dataset(doc, "json-ld")
    literal = ox.Literal(f"{TRILAT}ontology#x")
    assert any(q.object == literal for q in back)
    assert any(q.object == ox.NamedNode(f"{TRILAT}id/states/") for q in back)
    assert any(q.object == ox.NamedNode(f"{TRILAT}ontology#//x") for q in back)
    assert any(q.object == ox.Literal(f'say "{TRILAT}ontology#y"') for q in back)
    # and rdflib reads it offline as pyoxigraph does
    from rdflib import Graph

    graph = Graph().parse(data=doc, format="json-ld")
    assert len(graph) == len(back)


def test_an_iri_whose_scheme_is_a_prefix_name_is_not_misread(tmp_path: Path) -> None:
    odd = tmp_path / "odd.nt"
    odd.write_text('<wd:Q17> <http://example.org/p> "x" .\n'
                   f'<{TRILAT}id/bench/a> <http://example.org/p> <trilat:x> .\n',
                   encoding="utf-8")
    found = stream_triples(odd)
    assert found is not None and not found.http_iris_only
    doc = serialize_dataset("json-ld", extra=[odd])
    context = json.loads(doc)["@context"]
    assert "wd" not in context and "trilat" not in context
    back = _dataset(doc, "json-ld")
    assert ox.NamedNode("wd:Q17") in {q.subject for q in back}
    assert ox.NamedNode("trilat:x") in {q.object for q in back}
    with pytest.raises(DataError, match="published JSON-LD context"):
        serialize_dataset("json-ld", extra=[odd], jsonld_context="reference")


def test_plain_format_says_which_files_may_stream(tmp_path: Path) -> None:
    cases = {
        "plain.ttl": ("@prefix ex: <http://example.org/> .\nex:a ex:p 5, true .\n", "TURTLE"),
        "blank.ttl": ("<http://example.org/a> <http://example.org/p> [] .\n", None),
        "list.ttl": ("<http://example.org/a> <http://example.org/p> (1 2) .\n", None),
        "label.nt": ("_:x <http://example.org/p> <http://example.org/b> .\n", None),
        "typed.nt": ('<http://example.org/a> <http://example.org/p> '
                     '"1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n', None),
        "quads.nq": ("<http://example.org/a> <http://example.org/p> <http://example.org/b> "
                     "<http://example.org/g> .\n", None),
    }
    for name, (text, expected) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        found = plain_format(path)
        assert (found.format_name if found else None) == expected, name
    bom = tmp_path / "bom.nt"
    bom.write_bytes(b"\xef\xbb\xbf<http://example.org/a> <http://example.org/p> \"x\" .\n")
    assert plain_format(bom) is None
    latin = tmp_path / "latin.nt"
    latin.write_bytes(b'<http://example.org/a> <http://example.org/p> "caf\xe9" .\n')
    assert plain_format(latin) is None, "the careful path names the byte"


def test_a_blank_node_across_the_scan_pieces_is_seen(tmp_path: Path) -> None:
    line = b'<http://example.org/a> <http://example.org/p> "' + b"x" * 60 + b'" .\n'
    head = line * ((1 << 20) // len(line))
    path = tmp_path / "long.nt"
    # the blank node label starts a few bytes before the 1 MiB mark and ends after it
    filler = (1 << 20) - len(head) - 3
    path.write_bytes(head + b"#" * filler + b"\n" + b"_:b <http://example.org/p> \"y\" .\n")
    assert plain_format(path) is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_read_whole_not_streamed(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.nt"
    os.mkfifo(fifo)
    assert plain_format(fifo) is None


def test_empty_plain_file_is_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.nt"
    empty.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"empty\.nt: no triples"):
        serialize_dataset("turtle", extra=[empty])


@pytest.mark.parametrize("fmt", ["turtle", "nq", "json-ld"])
def test_a_late_syntax_error_names_the_line_and_leaves_nothing(tmp_path: Path, fmt: str) -> None:
    bad = _plain_file(tmp_path, n=5000)
    lines = bad.read_text(encoding="utf-8").splitlines()
    lines.insert(4000, "<http://example.org/a> <http://example.org/p> oops .")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / f"out.{fmt}"
    target.write_bytes(b"old\n")
    with pytest.raises(DataError, match=r"big\.nt:4001:"):
        export_dataset(fmt, target, extra=[bad])
    assert target.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.nt", f"out.{fmt}"]
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("trilat-kg")), "export", "--format", fmt,
         "--data", str(bad)],
        capture_output=True, timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stdout == b"", "nothing reaches stdout before the document is complete"
    assert proc.stderr.decode().count("\n") == 1 and b"big.nt:4001:" in proc.stderr
