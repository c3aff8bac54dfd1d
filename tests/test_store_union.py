"""A user's --data file is held once (graph ``user``), and every query still sees the merge.

The merge is a set whatever path asks: a triple the file shares with the dataset counts
once, ``FROM`` and ``FROM NAMED`` keep their meaning, and ``GRAPH`` reaches ``user``.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from trilat_kg.loader import USER_GRAPH, load_quads
from trilat_kg.store import DatasetStore, load_store, names_dataset

JAPAN = "https://w3id.org/trilat-kg/id/states/japan"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
STATE = "https://w3id.org/trilat-kg/ontology#State"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def mine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("union") / "mine.nt"
    path.write_text(
        f'<{JAPAN}> <{LABEL}> "Japan"@en .\n'  # the dataset has it too
        f"<{JAPAN}> <{RDF_TYPE}> <{STATE}> .\n"  # and this
        f'<http://example.org/x> <{RDF_TYPE}> <{STATE}> .\n'  # a new state
        f'<http://example.org/x> <{LABEL}> "X" .\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def store(mine: Path) -> DatasetStore:
    return load_store([mine])


def _merge(extra: list[Path]) -> set[tuple[object, object, object]]:
    return {(q.subject, q.predicate, q.object) for q in load_quads(extra)}


def _count(store: DatasetStore, text: str) -> int:
    return int(next(iter(store.query(text)))["n"].value)


def test_the_default_graph_is_the_merge_a_set(store: DatasetStore, mine: Path) -> None:
    merge = _merge([mine])
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == len(merge)
    states = {t[0] for t in merge if t[1] == ox.NamedNode(RDF_TYPE)
              and t[2] == ox.NamedNode(STATE)}
    assert _count(store, f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s a <{STATE}> }}") == len(states)
    assert ox.NamedNode("http://example.org/x") in states


def test_the_file_is_held_once(store: DatasetStore, mine: Path) -> None:
    user = ox.NamedNode(USER_GRAPH)
    assert len(list(store.store.quads_for_pattern(None, None, None, user))) == 4
    shipped = len(load_store())
    # the shipped store plus the file's four quads, less the two the default graph gave up
    assert len(store) == shipped + 4 - 2


def test_graph_from_and_from_named_keep_their_meaning(mine: Path) -> None:
    store = load_store([mine])
    in_user = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{USER_GRAPH}> {{ ?s ?p ?o }} }}"
    assert _count(store, in_user) == 4
    before = _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert names_dataset(f"SELECT (COUNT(*) AS ?n) FROM <{USER_GRAPH}> WHERE {{ ?s ?p ?o }}")
    assert _count(store, f"SELECT (COUNT(*) AS ?n) FROM <{USER_GRAPH}> "
                         "WHERE { ?s ?p ?o }") == 4
    named = (f"SELECT (COUNT(*) AS ?n) FROM NAMED <{USER_GRAPH}> "
             "WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert _count(store, named) == 4
    assert _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == before


def test_quads_for_pattern_reads_the_merge(store: DatasetStore) -> None:
    found = {q.object for q in store.quads_for_pattern(
        ox.NamedNode("http://example.org/x"), None, None, ox.DefaultGraph())}
    assert ox.Literal("X") in found


def test_the_cli_counts_the_same(mine: Path) -> None:
    from click.testing import CliRunner

    from trilat_kg.cli import cli

    text = f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s a <{STATE}> }}"
    result = CliRunner().invoke(cli, ["sparql", "-", "--data", str(mine), "--format", "csv"],
                                input=text)
    assert result.exit_code == 0, result.output
    expected = _count(load_store([mine]), text)
    assert result.output.split()[-1] == str(expected)


@pytest.mark.parametrize(("text", "names"), [
    ("SELECT * FROM <x> WHERE {}", True),
    ("select * from named <g> {}", True),
    ("SELECT * FROM<g> {}", True),
    ("SELECT (?a<?b AS ?c) FROM <g> WHERE {}", True),
    ("# read from the essay\nSELECT * {}", False),
    ('SELECT ?from { ?from ?p "from" }', False),
    ("SELECT * { <http://x/FROM> ?p ?o }", False),
    ("PREFIX ex: <http://e/> SELECT * { ?s ex:from ?o }", False),
    ("SELECT * { ?s ?p '''a\nFROM''' }", False),
    ('SELECT * { ?s ?p "a\\"FROM" }', False),
])
def test_names_dataset(text: str, names: bool) -> None:
    assert names_dataset(text) is names
