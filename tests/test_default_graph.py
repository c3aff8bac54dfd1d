"""The default graph of every query is the RDF merge of the named graphs, a set (case A.1).

Each state is typed in the essay graph and in the external graph; a union that is a bag
counts it twice. ``query``, ``sparql``, the library and ``serve`` (tests/test_serve.py,
``test_states_are_counted_once``) must all say 7.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import trilat_kg
from trilat_kg.cli import cli

STATES = ("PREFIX trilat: <https://w3id.org/trilat-kg/ontology#>\n"
          "SELECT (COUNT(*) AS ?n) WHERE { ?s a trilat:State }\n")
PER_GRAPH = ("PREFIX trilat: <https://w3id.org/trilat-kg/ontology#>\n"
             "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s a trilat:State } }\n")


def test_the_library_counts_each_state_once() -> None:
    assert str(trilat_kg.run_sparql(STATES).rows[0][0]) == "7"
    # ... although the named graphs hold the typing twice, which GRAPH still shows.
    assert str(trilat_kg.run_sparql(PER_GRAPH).rows[0][0]) == "14"


def test_the_sparql_command_counts_each_state_once(tmp_path: Path) -> None:
    query = tmp_path / "states.rq"
    query.write_text(STATES, encoding="utf-8")
    result = CliRunner().invoke(cli, ["sparql", str(query), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["n", "7"]


def test_the_query_command_lists_each_state_once() -> None:
    result = CliRunner().invoke(cli, ["query", "state-identifier-crosswalk", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()[1:]
    assert len(rows) == len(set(rows)) == 7


def test_a_users_triple_already_in_the_data_is_counted_once(tmp_path: Path) -> None:
    mine = tmp_path / "japan.ttl"
    mine.write_text("<https://w3id.org/trilat-kg/id/states/japan> a "
                    "<https://w3id.org/trilat-kg/ontology#State> .\n", encoding="utf-8")
    store = trilat_kg.load_store([mine])
    assert str(trilat_kg.run_sparql(STATES, store=store).rows[0][0]) == "7"
