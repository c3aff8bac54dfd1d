"""Search: labels, alternative labels, notations, codes and QIDs, folded and ranked."""

from __future__ import annotations

import pytest

from trilat_kg.search import SearchIndex, build_index, normalize, search
from trilat_kg.store import load_store

TRILAT = "https://w3id.org/trilat-kg/ontology#"
ID = "https://w3id.org/trilat-kg/id/"


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return build_index()


def test_normalize_folds_case_width_accents_and_dashes() -> None:
    assert normalize("  ＡＲＴＩＣＬＥ　９ ") == "article 9"
    assert normalize("Japan–ROK") == normalize("japan-rok")
    assert normalize("Côte d’Ivoire") == normalize("cote d’ivoire")
    assert normalize("e\u0301") == normalize("\u00e9") == "e"  # NFD and NFC alike
    assert normalize("が") != normalize("か")  # kana voicing marks are kept
    assert normalize("대한민국") == "대한민국"


def test_gsomia_finds_the_agreement_first(index: SearchIndex) -> None:
    hits = index.search("GSOMIA")
    assert hits[0].iri == ID + "agreements/japan-rok-gsomia"
    assert (hits[0].match, hits[0].field, hits[0].matched) == ("exact", "altLabel", "GSOMIA")
    assert hits[0].type == TRILAT + "Agreement"
    assert hits[0].curie == "agreement:japan-rok-gsomia"
    # the agreement kind has the same alternative label: an exact match, after the agreement
    assert hits[1].iri == ID + "agreement-kinds/military-information-agreement"
    assert [h.match for h in hits] == sorted((h.match for h in hits),
                                             key=("exact", "prefix", "word",
                                                  "substring").index)


def test_article_9_finds_the_provision(index: SearchIndex) -> None:
    hits = index.search("article 9")
    assert hits[0].iri == ID + "provisions/constitution-of-japan-article-9"
    assert hits[0].match == "prefix"
    assert {h.match for h in hits[1:]} <= {"word", "substring"}


@pytest.mark.parametrize("text", ["australia", "Australia", "AUSTRALIA", "オーストラリア",
                                  "오스트레일리아", "澳大利亚", "AUS", "AU", "036", "900",
                                  "Q408"])
def test_state_by_label_code_or_qid(index: SearchIndex, text: str) -> None:
    hit = index.search(text)[0]
    assert hit.iri == ID + "states/australia"
    assert hit.match == "exact"


def test_codes_match_only_whole(index: SearchIndex) -> None:
    assert all(h.field not in ("cowCode", "unM49") for h in index.search("74"))
    assert index.search("740")[0].field == "cowCode"


def test_one_hit_per_resource_and_limit(index: SearchIndex) -> None:
    hits = index.search("japan", limit=None)
    iris = [h.iri for h in hits]
    assert len(iris) == len(set(iris))
    assert iris[0] == ID + "states/japan"
    assert len(index.search("japan", limit=3)) == 3


def test_lang_chooses_the_label_shown(index: SearchIndex) -> None:
    assert index.search("japan", lang="ja")[0].label == "日本"
    assert index.search("japan", lang="ko")[0].label == "일본"
    assert index.search("日本")[0].label == "Japan"


def test_no_hits_and_empty_text(index: SearchIndex) -> None:
    assert index.search("qzxv no such thing") == []
    assert index.search("   ") == []


def test_library_function_and_user_data(tmp_path) -> None:  # type: ignore[no-untyped-def]
    mine = tmp_path / "mine.ttl"
    mine.write_text('<http://example.org/atlantis> '
                    '<http://www.w3.org/2000/01/rdf-schema#label> "Atlantis"@en .\n',
                    encoding="utf-8")
    hits = search("atlantis", extra=[mine])
    assert [h.iri for h in hits] == ["http://example.org/atlantis"]
    assert hits[0].curie is None
    assert search("atlantis", store=load_store()) == []


def test_cli_search(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io

    from click.testing import CliRunner

    from trilat_kg.cli import cli

    result = CliRunner().invoke(cli, ["search", "GSOMIA", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["match", "type", "curie", "label", "field", "matched", "iri"]
    assert rows[1][:3] == ["exact", TRILAT + "Agreement", "agreement:japan-rok-gsomia"]
    table = CliRunner().invoke(cli, ["search", "australia", "--format", "table"])
    assert table.stdout.splitlines()[2].split()[:3] == ["exact", "trilat:State",
                                                        "state:australia"]
    none = CliRunner().invoke(cli, ["search", "qzxv"])
    assert none.exit_code == 1
    assert none.stdout == ""
    assert none.stderr == "trilat-kg: no match for 'qzxv'\n"
    ja = CliRunner().invoke(cli, ["search", "japan", "--lang", "ja", "--limit", "1",
                                  "--format", "tsv"])
    assert ja.stdout.splitlines()[1].split("\t")[3] == "日本"


def test_package_calls() -> None:
    import trilat_kg

    assert trilat_kg.search("GSOMIA", limit=1)[0].curie == "agreement:japan-rok-gsomia"
    import trilat_kg.search as module  # importing the submodule keeps the call working

    assert trilat_kg.search is module
    assert trilat_kg.search("Q17", limit=1)[0].iri.endswith("/states/japan")
    assert trilat_kg.resolve("state:japan").endswith("/states/japan")
