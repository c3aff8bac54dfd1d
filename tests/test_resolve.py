"""Parameter values: a full IRI, a CURIE, an unambiguous label, a slug or a code."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from trilat_kg.cli import cli
from trilat_kg.errors import UsageError
from trilat_kg.queries import get_query, run_query
from trilat_kg.resolve import Resolver, expand_curie, label_map, resolve
from trilat_kg.store import load_store

JAPAN = "https://w3id.org/trilat-kg/id/states/japan"


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(load_store())


@pytest.mark.parametrize("value", [JAPAN, f"<{JAPAN}>", "state:japan", "Japan", "japan",
                                   "JAPAN", "日本", "일본", "JPN", "JP", "740", "Q17"])
def test_every_way_of_naming_japan(resolver: Resolver, value: str) -> None:
    assert resolver.resolve(value) == JAPAN


def test_curies_use_the_printed_prefixes() -> None:
    assert expand_curie("state:japan") == JAPAN
    assert expand_curie("trilat:State") == "https://w3id.org/trilat-kg/ontology#State"
    assert expand_curie("wd:Q17") == "http://www.wikidata.org/entity/Q17"
    assert expand_curie("http://example.org/x") is None
    assert expand_curie("nosuch:x") is None


def test_iri_not_in_the_graph_names_the_closest(resolver: Resolver) -> None:
    with pytest.raises(UsageError) as info:
        resolver.resolve("state:atlantis", "parameter 'actor'")
    message = str(info.value)
    assert message.startswith("parameter 'actor': state:atlantis is not in the graph; "
                              "closest: state:")
    assert "\n" not in message
    with pytest.raises(UsageError, match="closest: state:japan"):
        resolver.resolve("state:japn")


def test_ambiguous_label_lists_the_candidates(resolver: Resolver) -> None:
    with pytest.raises(UsageError) as info:
        resolver.resolve("GSOMIA")
    message = str(info.value)
    assert "'GSOMIA' is ambiguous" in message
    assert "agreement:japan-rok-gsomia" in message
    assert "akind:military-information-agreement" in message


def test_unknown_label_and_invalid_iri(resolver: Resolver) -> None:
    with pytest.raises(UsageError, match="no resource is called 'Atlantis'"):
        resolver.resolve("Atlantis")
    with pytest.raises(UsageError, match="invalid IRI"):
        resolver.resolve('http://example.org/a"b')
    with pytest.raises(UsageError, match="empty value"):
        resolver.resolve("  ")


def test_library_run_query_takes_a_curie_or_label() -> None:
    store = load_store()
    by_iri = run_query("agreements-of-actor", {"actor": JAPAN}, store=store)
    assert by_iri.rows
    assert run_query("agreements-of-actor", {"actor": "state:japan"}, store=store) == by_iri
    assert run_query("agreements-of-actor", {"actor": "Japan"}, store=store) == by_iri
    assert resolve("state:japan") == JAPAN
    with pytest.raises(UsageError, match="not in the graph"):
        run_query("agreements-of-actor", {"actor": "state:atlantis"}, store=store)


def test_syntax_only_binding_without_a_resolver() -> None:
    from trilat_kg.queries import bind

    query = get_query("agreements-of-actor")
    assert bind(query, {"actor": "state:japan"})["_actor_iri"].value == JAPAN
    with pytest.raises(UsageError, match="invalid IRI"):
        bind(query, {"actor": "Japan"})


def test_label_map_prefers_the_language(resolver: Resolver) -> None:
    store = resolver.store
    assert label_map(store, [JAPAN]) == {JAPAN: "Japan"}
    assert label_map(store, [JAPAN], "ko") == {JAPAN: "일본"}
    assert label_map(store, ["http://example.org/none"]) == {}


def test_cli_param_curie_and_suggestions() -> None:
    ok = CliRunner().invoke(cli, ["query", "agreements-of-actor", "--param", "actor=state:japan",
                                  "--format", "csv"])
    assert ok.exit_code == 0, ok.stderr
    assert "https://w3id.org/trilat-kg/id/agreements/japan-rok-gsomia" in ok.stdout
    assert not ok.stdout.startswith("_actor_iri")  # the parameter echo is hidden
    bad = CliRunner().invoke(cli, ["query", "agreements-of-actor", "--param",
                                   "actor=state:atlantis"])
    assert bad.exit_code == 2
    assert bad.stdout == ""
    assert bad.stderr.startswith("trilat-kg: error: parameter 'actor' of "
                                 "'agreements-of-actor': state:atlantis is not in the graph; "
                                 "closest: ")
    assert bad.stderr.count("\n") == 1
