"""Loading the dataset into pyoxigraph, and the bad inputs of bad-inputs.md rows 1-10."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pyoxigraph as ox
import pytest

from trilat_kg.errors import DataError, LocalIOError, UsageError
from trilat_kg.resources import GRAPHS
from trilat_kg.store import USER_GRAPH, load_store

EX = "@prefix ex: <http://example.org/> .\n"
JAPAN = ox.NamedNode("https://w3id.org/trilat-kg/id/states/japan")
STATE = ox.NamedNode("https://w3id.org/trilat-kg/ontology#State")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def graph_names(store: ox.Store) -> set[str]:
    return {g.value for g in store.named_graphs()}


def test_dataset_has_one_named_graph_per_part() -> None:
    store = load_store()
    names = graph_names(store)
    assert {GRAPHS["ontology"], GRAPHS["essay"], GRAPHS["external"]} <= names
    assert USER_GRAPH not in names
    # Japan is typed in the essay graph (the essay names it) and in the external graph; the
    # default graph is the RDF merge, a set: the triple is there once.
    assert ox.Quad(JAPAN, RDF_TYPE, STATE, ox.NamedNode(GRAPHS["essay"])) in store
    assert ox.Quad(JAPAN, RDF_TYPE, STATE, ox.NamedNode(GRAPHS["external"])) in store
    default = list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    named = {(q.subject, q.predicate, q.object) for q in store
             if not isinstance(q.graph_name, ox.DefaultGraph)}
    assert {(q.subject, q.predicate, q.object) for q in default} == named
    assert len(default) == len(named)


def test_user_files_go_to_the_user_graph(tmp_path: Path) -> None:
    ttl = write(tmp_path, "mine.ttl", EX + "ex:a ex:b ex:c .\n")
    trig = write(tmp_path, "mine.trig", EX + "ex:g { ex:d ex:e ex:f . }\nex:h ex:i ex:j .\n")
    store = load_store([ttl, trig])
    user = list(store.quads_for_pattern(None, None, None, ox.NamedNode(USER_GRAPH)))
    assert sorted(q.subject.value for q in user) == [
        "http://example.org/a", "http://example.org/d", "http://example.org/h"]
    assert "http://example.org/g" not in graph_names(store)


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.ttl",
                 b"\xef\xbb\xbf<http://example.org/a> <http://example.org/b> 1 .\n")
    store = load_store([path])
    assert len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(USER_GRAPH)))) == 1


def test_inline_jsonld_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jsonld",
                 '{"@context": {"name": "http://example.org/name"}, '
                 '"@id": "http://example.org/a", "name": "x"}')
    store = load_store([path])
    [quad] = store.quads_for_pattern(None, None, None, ox.NamedNode(USER_GRAPH))
    assert quad.object == ox.Literal("x")


# ---------------------------------------------------------------- rows 1-3, 5, 7: DataError


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad_unterminated.ttl", EX + 'ex:a ex:b "unterminated .\nex:c ex:d ex:e .\n',
         "bad_unterminated.ttl:2: "),
        ("bad_missing_dot.ttl", EX + "ex:a ex:b ex:c\nex:d ex:e ex:f .\n",
         "bad_missing_dot.ttl:3: "),
        ("bad_prefix.ttl", "ex:a ex:b ex:c .\n", "bad_prefix.ttl:1: The prefix ex: has not been"),
        ("bad_iri.ttl", "<http://example.org/a b> <http://example.org/p> 1 .\n",
         "bad_iri.ttl:1: Invalid IRI code point ' '"),
        ("bad_braces.nt", "<http://example.org/d{e}> <http://example.org/p> \"x\" .\n",
         "bad_braces.nt:1: "),
        ("empty.ttl", "", "empty.ttl: no triples"),
        ("comments_only.ttl", EX + "# nothing here\n", "comments_only.ttl: no triples"),
        ("empty.nq", "", "empty.nq: no triples"),
    ],
)
def test_bad_syntax_names_file_and_line(tmp_path: Path, name: str, content: str,
                                        expected: str) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(DataError) as info:
        load_store([path])
    message = str(info.value)
    assert message.startswith(str(path)[: -len(name)])
    assert expected in message
    assert "\n" not in message


def test_latin1_is_not_utf8_at_byte(tmp_path: Path) -> None:
    content = (EX + 'ex:a ex:b "José" .\n').encode("latin-1")
    path = write(tmp_path, "latin1.ttl", content)
    offset = content.index("é".encode("latin-1"))
    assert offset == 50
    with pytest.raises(DataError, match=rf"latin1\.ttl: not UTF-8 at byte {offset}$"):
        load_store([path])


# ---------------------------------------------------------------- row 6: LocalIOError


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LocalIOError, match=r"nope\.ttl: no such file"):
        load_store([tmp_path / "nope.ttl"])


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "folder.ttl"
    folder.mkdir()
    with pytest.raises(LocalIOError, match="is a directory"):
        load_store([folder])


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_permission_denied(tmp_path: Path) -> None:
    path = write(tmp_path, "locked.ttl", EX + "ex:a ex:b ex:c .\n")
    path.chmod(0)
    try:
        with pytest.raises(LocalIOError, match="permission denied"):
            load_store([path])
    finally:
        path.chmod(0o600)


def test_symlink_loop(tmp_path: Path) -> None:
    loop = tmp_path / "loop.ttl"
    os.symlink(loop, loop)
    with pytest.raises(LocalIOError, match=r"loop\.ttl"):
        load_store([loop])


# ---------------------------------------------------------------- rows 8-10


@pytest.mark.parametrize("depth", [200, 5000])
def test_deep_nesting_loads_without_recursion_error(tmp_path: Path, depth: int) -> None:
    bnodes = EX + "ex:a ex:b " + "[ ex:c " * depth + "ex:d" + " ]" * depth + " .\n"
    lists = EX + "ex:a ex:b " + "( " * depth + ")" * depth + " .\n"
    store = load_store([write(tmp_path, "bnodes.ttl", bnodes), write(tmp_path, "lists.ttl", lists)])
    user = list(store.quads_for_pattern(None, None, None, ox.NamedNode(USER_GRAPH)))
    # depth + 1 triples for the nested blank nodes; ex:a ex:b plus rdf:first and rdf:rest
    # for each of the depth - 1 inner lists.
    assert len(user) == (depth + 1) + 1 + 2 * (depth - 1)


def test_max_bytes_refuses_before_parsing(tmp_path: Path) -> None:
    lines = "".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n'
                    for i in range(1000))
    path = write(tmp_path, "big.nt", lines)
    with pytest.raises(DataError, match=r"big\.nt: \d+ bytes is above the limit of 1000 bytes"):
        load_store([path], max_bytes=1000)
    assert len(list(load_store([path], max_bytes=10**6).quads_for_pattern(
        None, None, None, ox.NamedNode(USER_GRAPH)))) == 1000


def test_rdf_xml_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.rdf", '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]>'
                 '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    with pytest.raises(DataError, match="RDF/XML with a DOCTYPE or entity declarations refused"):
        load_store([path])


def test_unknown_suffix_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path, "table.csv", "a,b\n")
    with pytest.raises(UsageError, match=r"unknown RDF format '\.csv'"):
        load_store([path])


class _Logger(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:  # pragma: no cover - only reached if a fetch happens
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.end_headers()
        self.wfile.write(b'{"@context": {"name": "http://example.org/name"}}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def logging_server() -> Iterator[tuple[str, list[str]]]:
    _Logger.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Logger)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", _Logger.requests
    finally:
        server.shutdown()
        server.server_close()


def test_remote_jsonld_context_is_refused_without_a_request(
        tmp_path: Path, logging_server: tuple[str, list[str]]) -> None:
    url, requests = logging_server
    path = write(tmp_path, "remote.jsonld",
                 f'{{"@context": "{url}ctx.jsonld", "@id": "http://example.org/a", "name": "x"}}')
    with pytest.raises(DataError, match="refused"):
        load_store([path])
    assert requests == []
