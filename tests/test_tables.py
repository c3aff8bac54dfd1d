"""The IR tables (actors, agreements, dyad-years, stances, positions), their Stata files and
codebook.

What is checked: every table re-derives from the graph (a state added in a user file
appears; cells equal the graph's values read independently with rdflib, positions.csv the
graph's positions read with a SPARQL query of rdflib); the author takes no negative position
toward the 2015 legislation in positions.csv (he rejects the objection to it); a claim coded
with positions only gets the deprecated stances.csv columns derived as the ontology derives
them; the dyad-year
tables have one row per dyad-year, the aggregate of the agreement-level rows recomputed
here, and (740, 732, 2017) counts the GSOMIA in force because the graph dates its entry into
force; directed tables are symmetric and undirected ones are the half with ccode1 < ccode2;
Japanese and Korean labels survive a CSV round trip; a join on COW codes against a made-up
state-year frame keeps its rows with the csv module and with pandas; no 0 stands for
unknown, and nothing lies outside the coverage years; datapackage.json agrees with the CSV
headers, keys, enums and patterns, and frictionless validates it; each .dta file reads back
in pandas with the codebook's variable and value labels and types; the CLI writes the folder,
refuses ``-o -`` (exit 2) and a missing parent (exit 4); a failed run leaves the files of an
earlier run unchanged; the committed copy of the codebook under docs/ is current
(regenerate with ``TRILAT_REGENERATE=1``).

frictionless is a test extra; without it the validation test is skipped, unless
TRILAT_REQUIRE_ENGINES=1 (CI), where a missing validator is a failure.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from trilat_kg import tables
from trilat_kg.cli import cli
from trilat_kg.errors import DataError, LocalIOError, UsageError
from trilat_kg.resources import GRAPHS, files_for
from trilat_kg.stata import stata_type
from trilat_kg.store import load_store

TRILAT = Namespace("https://w3id.org/trilat-kg/ontology#")
STATE = Namespace("https://w3id.org/trilat-kg/id/states/")
AGREEMENT = Namespace("https://w3id.org/trilat-kg/id/agreements/")
OA = Namespace("http://www.w3.org/ns/oa#")
REGENERATE = os.environ.get("TRILAT_REGENERATE") == "1"
REQUIRE_ENGINES = os.environ.get("TRILAT_REQUIRE_ENGINES") == "1"
#: A Stata variable name, and the words pandas' .dta writer refuses as names.
STATA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
STATA_RESERVED = frozenset({
    "aggregate", "array", "boolean", "break", "byte", "case", "catch", "class", "colvector",
    "complex", "const", "continue", "default", "delegate", "delete", "do", "double", "else",
    "eltypedef", "end", "enum", "explicit", "export", "external", "float", "for", "friend",
    "function", "global", "goto", "if", "inline", "int", "local", "long", "NULL", "pragma",
    "protected", "quad", "rowvector", "short", "typedef", "typename", "virtual", "_all",
    "_N", "_skip", "_b", "_pi", "str#", "in", "_pred", "strL", "_coef", "_rc", "using",
    "_cons", "_se", "with", "_n"})
DOCS_CODEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tables-codebook.md"

CSV_FILES = ("actors.csv", "agreements.csv", "dyad_year.csv", "dyad_year_undirected.csv",
             "dyad_year_agreement.csv", "stances.csv", "positions.csv")
DTA_FILES = tuple(name.replace(".csv", ".dta") for name in CSV_FILES)
ALL_FILES = (*CSV_FILES, "datapackage.json", "CODEBOOK.md", *DTA_FILES)
GSOMIA = str(AGREEMENT["japan-rok-gsomia"])

EXTRA_TTL = """\
@prefix trilat: <https://w3id.org/trilat-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix state: <https://w3id.org/trilat-kg/id/states/> .
@prefix agreement: <https://w3id.org/trilat-kg/id/agreements/> .
@prefix lstep: <https://w3id.org/trilat-kg/id/lifecycle-steps/> .
@prefix akind: <https://w3id.org/trilat-kg/id/agreement-kinds/> .
@prefix step: <https://w3id.org/trilat-kg/id/step-types/> .

state:testland a trilat:State ;
    rdfs:label "Testland"@en, "テストランド"@ja, "테스트랜드"@ko ;
    owl:sameAs <http://www.wikidata.org/entity/Q999999991> ;
    trilat:unM49 "007" ; trilat:cowCode "999" ; trilat:cowAbbreviation "TST" .

agreement:testland-japan-statement a trilat:Agreement ;
    rdfs:label "Testland-Japan statement"@en ;
    trilat:agreementKind akind:joint-statement ;
    trilat:party state:testland, state:japan ;
    trilat:hasStep lstep:testland-japan-statement-signed-2020-05 .

lstep:testland-japan-statement-signed-2020-05 a trilat:LifecycleStep ;
    trilat:stepOf agreement:testland-japan-statement ;
    trilat:stepType step:signed ;
    trilat:date "2020-05"^^xsd:gYearMonth ; trilat:datePrecision time:unitMonth ;
    trilat:ordinal "1"^^xsd:positiveInteger .
"""


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def store():
    return load_store()


@pytest.fixture(scope="module")
def built(store) -> dict[str, tuple[list[str], list[list[str]]]]:
    return tables.build_tables(store)


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tables") / "out"
    written = tables.write_tables(out)
    assert sorted(p.name for p in written) == sorted(ALL_FILES)
    return out


@pytest.fixture(scope="module")
def rdf() -> Graph:
    """The union of the published files, read independently with rdflib (not via the tables)."""
    graph = Graph()
    for name in GRAPHS:
        for path in files_for(name):
            graph.parse(path, format="turtle")
    return graph


def earlier_run(out_dir: Path, tmp_path: Path) -> Path:
    """A folder holding what an earlier ``write_tables`` left: a copy of the module's run
    (the output is deterministic: test_output_is_deterministic)."""
    out = tmp_path / "out"
    shutil.copytree(out_dir, out)
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def as_dicts(table: tuple[list[str], list[list[str]]]) -> list[dict[str, str]]:
    header, rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


# --------------------------------------------------------------------------- re-derivation


def test_every_actor_and_agreement_of_the_graph_has_one_row(built, rdf) -> None:
    actor_classes = set(rdf.transitive_subjects(RDFS.subClassOf, TRILAT.Actor))
    actors = {str(s) for c in actor_classes for s in rdf.subjects(RDF.type, c)}
    rows = as_dicts(built["actors"])
    assert actors, "the graph has no actors"
    assert [r["iri"] for r in rows] == sorted(actors)
    agreements = {str(s) for s in rdf.subjects(RDF.type, TRILAT.Agreement)}
    assert agreements
    assert [r["iri"] for r in as_dicts(built["agreements"])] == sorted(agreements)


def test_crosswalk_cells_equal_the_graph(built, rdf) -> None:
    rows = {r["iri"]: r for r in as_dicts(built["actors"])}
    columns = {"iso3166_alpha2": TRILAT.iso3166Alpha2, "iso3166_alpha3": TRILAT.iso3166Alpha3,
               "un_m49": TRILAT.unM49, "cow_code": TRILAT.cowCode,
               "cow_abbreviation": TRILAT.cowAbbreviation, "gw_code": TRILAT.gwCode}
    states = set(rdf.subjects(RDF.type, TRILAT.State))
    assert len(states) >= 7
    for state in states:
        row = rows[str(state)]
        assert row["actor_type"] == "State"
        for column, prop in columns.items():
            assert row[column] == ";".join(sorted({str(v) for v in rdf.objects(state, prop)}))
        qids = {str(v).rsplit("/", 1)[-1] for v in rdf.objects(state, OWL.sameAs)
                if "wikidata.org/entity/Q" in str(v)}
        assert row["wikidata_qid"] == ";".join(sorted(qids))
        for lang in ("en", "ja", "ko", "zh"):
            labels = {str(v) for v in rdf.objects(state, RDFS.label)
                      if isinstance(v, Literal) and v.language == lang}
            assert row[f"label_{lang}"] == ";".join(sorted(labels))
    australia = rows[str(STATE.australia)]
    assert australia["un_m49"] == "036"  # leading zero kept
    assert australia["wikidata_qid"] == "Q408"
    assert rows[str(STATE["republic-of-korea"])]["cow_code"] == "732"


def test_agreement_cells_equal_the_graph(built, rdf) -> None:
    rows = {r["iri"]: r for r in as_dicts(built["agreements"])}
    for agreement in rdf.subjects(RDF.type, TRILAT.Agreement):
        row = rows[str(agreement)]
        parties = sorted({str(p) for p in rdf.objects(agreement, TRILAT.party)})
        assert row["parties"] == ";".join(parties)
        codes = sorted({int(str(c)) for p in parties
                        for c in rdf.objects(URIRef(p), TRILAT.cowCode)})
        assert row["party_ccodes"] == ";".join(map(str, codes))
        kinds = {str(k).rsplit("/", 1)[-1] for k in rdf.objects(agreement, TRILAT.agreementKind)}
        assert row["kind"] == ";".join(sorted(kinds))
        steps = set(rdf.subjects(TRILAT.stepOf, agreement)) | set(
            rdf.objects(agreement, TRILAT.hasStep))
        assert row["n_steps"] == str(len(steps))
        signed = sorted(str(rdf.value(s, TRILAT.date)) for s in steps
                        if str(rdf.value(s, TRILAT.stepType)).endswith("/signed")
                        and rdf.value(s, TRILAT.date) is not None)
        if not signed:
            assert row["signed_date"] == ""
        else:
            assert row["signed_date"] in signed
    gsomia = rows[str(AGREEMENT["japan-rok-gsomia"])]
    assert (gsomia["signed_date"], gsomia["signed_precision"]) == ("2016-11-23", "day")
    assert gsomia["entered_into_force_date"] == "2016-11-23"
    # The essay dates the Australia-ROK statement to "2009", an external source to the day:
    # the precise date is reported.
    aus_rok = rows[str(AGREEMENT["australia-rok-joint-statement-2009"])]
    assert (aus_rok["signed_date"], aus_rok["signed_precision"]) == ("2009-03-05", "day")


def test_stance_cells_equal_the_graph(built, rdf) -> None:
    rows = as_dicts(built["stances"])
    claim_classes = set(rdf.transitive_subjects(RDFS.subClassOf, TRILAT.Claim))
    claims = {s for c in claim_classes for s in rdf.subjects(RDF.type, c)}
    assert claims
    pairs = {(str(c), str(p)) for c in claims for p in rdf.objects(c, TRILAT.passage)}
    assert {(r["claim_iri"], r["passage_iri"]) for r in rows} == pairs
    assert len(rows) == len(pairs)
    for row in rows[:25]:
        claim, passage = URIRef(row["claim_iri"]), URIRef(row["passage_iri"])
        exact = {str(rdf.value(sel, OA.exact)) for sel in rdf.objects(passage, OA.hasSelector)
                 if rdf.value(sel, OA.exact) is not None}
        assert row["quote"] in exact
        starts = {str(rdf.value(sel, OA.start)) for sel in rdf.objects(passage, OA.hasSelector)
                  if rdf.value(sel, OA.start) is not None}
        assert row["quote_start"] in starts
        assert int(row["quote_end"]) - int(row["quote_start"]) == len(row["quote"])
    for row in rows:
        claim = URIRef(row["claim_iri"])
        # The deprecated polarity: absent (the claim takes no position) reads as "".
        assert row["polarity"] == _slugs(rdf.objects(claim, TRILAT.polarity))
        assert row["modality"] == _slugs(rdf.objects(claim, TRILAT.modality))
        assert row["as_of"] == str(rdf.value(claim, TRILAT.asOf))
        for column, prop in (("holders", TRILAT.holder), ("targets", TRILAT.target),
                             ("mentions", TRILAT.mentions), ("qualifies", TRILAT.qualifies),
                             ("concedes", TRILAT.concedes), ("supports", TRILAT.supports),
                             ("attacks", TRILAT.attacks),
                             ("held_from_event", TRILAT.heldFromEvent),
                             ("held_until_event", TRILAT.heldUntilEvent)):
            assert row[column] == _iris(rdf.objects(claim, prop)), (column, row["claim_iri"])
        targets = {t for pos in rdf.objects(claim, TRILAT.position)
                   for t in rdf.objects(pos, TRILAT.positionTarget)}
        assert row["position_targets"] == _iris(targets)
        for bound in ("From", "Until"):
            name = f"held_{bound.lower()}"
            assert row[name] == _iris(rdf.objects(claim, TRILAT["held" + bound]))
            units = {str(u).rsplit("#unit", 1)[-1].lower()
                     for u in rdf.objects(claim, TRILAT[f"held{bound}Precision"])}
            assert row[f"{name}_precision"] == ";".join(sorted(units))
    by_claim = {r["claim_iri"]: r for r in rows}
    no_position = [c for c in claims if (c, TRILAT.position, None) not in rdf]
    assert no_position and all(by_claim[str(c)]["polarity"] == "" for c in no_position)
    assert all(by_claim[str(c)]["position_targets"] == "" for c in no_position)
    assert {r["polarity"] for r in rows} == {"", "positive", "negative", "mixed"}
    assert any(r["held_until_event"] for r in rows) and any(r["qualifies"] for r in rows)
    assert any(r["concedes"] for r in rows)


def _iris(nodes) -> str:  # type: ignore[no-untyped-def]
    return ";".join(sorted({str(n) for n in nodes}))


def _slugs(nodes) -> str:  # type: ignore[no-untyped-def]
    return ";".join(sorted({str(n).rsplit("/", 1)[-1] for n in nodes}))


POSITIONS_QUERY = """
PREFIX trilat: <https://w3id.org/trilat-kg/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?position ?claim ?holder ?target ?polarity ?modality ?asOf ?passage ?start ?exact
WHERE {
  ?claim trilat:position ?position ; trilat:holder ?holder ; trilat:modality ?modality ;
         trilat:asOf ?asOf .
  ?position a trilat:Position ; trilat:positionTarget ?target ;
            trilat:positionPolarity ?polarity ; trilat:passage ?passage .
  ?passage oa:hasSelector ?ps , ?qs .
  ?ps oa:start ?start . ?qs oa:exact ?exact .
}"""


def test_positions_rows_equal_the_graphs_positions(built, rdf) -> None:
    """positions.csv, cell by cell, against the graph's positions read with rdflib SPARQL."""
    expected: dict[str, dict[str, set[str]]] = {}
    first_passage: dict[str, tuple[int, str, str]] = {}
    for s in rdf.query(POSITIONS_QUERY):
        cells = expected.setdefault(str(s.position), {})
        for name in ("claim", "holder", "target", "polarity", "modality", "asOf", "passage"):
            cells.setdefault(name, set()).add(str(s[name]))
        here = (int(s.start), str(s.passage), str(s.exact))
        first_passage[str(s.position)] = min(first_passage.get(str(s.position), here), here)
    rows = as_dicts(built["positions"])
    assert len(expected) == len({str(p) for p in rdf.subjects(RDF.type, TRILAT.Position)})
    assert [r["position_iri"] for r in rows] == sorted(expected)
    labels = {str(s): str(o) for s, o in rdf.subject_objects(RDFS.label)
              if isinstance(o, Literal) and o.language == "en"}
    for row in rows:
        cells = expected[row["position_iri"]]
        assert row["claim_iri"] == ";".join(sorted(cells["claim"]))
        assert row["holders"] == ";".join(sorted(cells["holder"]))
        assert row["holder_labels"] == ";".join(labels[h] for h in sorted(cells["holder"]))
        assert row["target_iri"] == ";".join(sorted(cells["target"]))
        assert row["target_label"] == labels[row["target_iri"]]
        assert row["polarity"] == _slugs(cells["polarity"])
        assert row["modality"] == _slugs(cells["modality"])
        assert row["as_of"] == ";".join(sorted(cells["asOf"]))
        assert row["passage_iris"] == ";".join(sorted(cells["passage"]))
        start, passage, exact = first_passage[row["position_iri"]]
        assert (row["passage_iri"], row["quote"], row["quote_start"]) == (
            passage, exact, str(start))
        assert int(row["quote_end"]) - start == len(exact)
    stances = {(r["claim_iri"], r["passage_iri"]) for r in as_dicts(built["stances"])}
    assert all((r["claim_iri"], p) in stances for r in rows
               for p in r["passage_iris"].split(";")), "each passage joins stances.csv"
    assert any(";" in r["passage_iris"] for r in rows)  # several passages, one row
    by_claim: dict[str, set[str]] = {}
    for row in rows:
        by_claim.setdefault(row["claim_iri"], set()).add(row["polarity"])
    for row in as_dicts(built["stances"]):  # the deprecated polarity is the derived one
        polarities = by_claim.get(row["claim_iri"], set())
        assert row["polarity"] == ("mixed" if len(polarities) > 1 else "".join(polarities))


LPS = "https://w3id.org/trilat-kg/id/laws/legislation-for-peace-and-security-2015"


def test_the_author_takes_no_negative_position_toward_the_2015_legislation(built,
                                                                           rdf) -> None:
    """He rejects the "war-making law" objection; the law is only mentioned there."""
    essay = URIRef("https://w3id.org/trilat-kg/id/works/soeya-2016")
    author = str(rdf.value(essay, URIRef("http://purl.org/dc/terms/creator")))
    assert author.endswith("/persons/yoshihide-soeya")
    rows = as_dicts(built["positions"])
    toward = [r for r in rows if r["target_iri"] == LPS]
    assert toward and all(r["polarity"] == "negative" for r in toward)
    assert not [r for r in toward if author in r["holders"].split(";")]
    assert not [r for r in rows if author in r["holders"].split(";")
                and r["target_iri"] == LPS and r["polarity"] == "negative"]
    rebuttal = {r["claim_iri"]: r for r in as_dicts(built["stances"])}[
        "https://w3id.org/trilat-kg/id/claims/war-making-law-argument-misplaced"]
    assert LPS in rebuttal["mentions"].split(";")
    assert LPS not in rebuttal["position_targets"].split(";")
    assert LPS in rebuttal["targets"].split(";")  # the deprecated column, kept as it was


POSITIONS_ONLY_TTL = """\
@prefix trilat: <https://w3id.org/trilat-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix pol: <https://w3id.org/trilat-kg/id/polarities/> .
@prefix mod: <https://w3id.org/trilat-kg/id/modalities/> .
@prefix claim: <https://w3id.org/trilat-kg/id/claims/> .
@prefix position: <https://w3id.org/trilat-kg/id/positions/> .

claim:test-user-claim a trilat:Claim ;
    rdfs:label "A user's claim coded with positions only"@en ;
    trilat:holder <https://w3id.org/trilat-kg/id/states/japan> ;
    trilat:modality mod:assessment ; trilat:asOf "2016-03-25"^^xsd:date ;
    trilat:heldFrom "2014-07"^^xsd:gYearMonth ; trilat:heldFromPrecision time:unitMonth ;
    trilat:heldUntil "2015"^^xsd:gYear ;
    trilat:mentions <https://w3id.org/trilat-kg/id/states/china> ;
    trilat:passage <https://w3id.org/trilat-kg/id/passages/cl-survival-strategy> ;
    trilat:position position:test-user-claim--a, position:test-user-claim--b .
position:test-user-claim--a a trilat:Position ;
    trilat:positionTarget <https://w3id.org/trilat-kg/id/concepts/middle-power> ;
    trilat:positionPolarity pol:positive ;
    trilat:passage <https://w3id.org/trilat-kg/id/passages/cl-survival-strategy> .
position:test-user-claim--b a trilat:Position ;
    trilat:positionTarget <https://w3id.org/trilat-kg/id/agreements/japan-rok-gsomia> ;
    trilat:positionPolarity pol:negative ;
    trilat:passage <https://w3id.org/trilat-kg/id/passages/cl-survival-strategy> .
"""


def test_a_claim_coded_with_positions_only_gets_the_deprecated_columns_derived(
        tmp_path: Path) -> None:
    extra = tmp_path / "positions-only.ttl"
    extra.write_text(POSITIONS_ONLY_TTL, encoding="utf-8")
    built = tables.build_tables(load_store([extra]))
    row = {r["claim_iri"]: r for r in as_dicts(built["stances"])}[
        "https://w3id.org/trilat-kg/id/claims/test-user-claim"]
    gsomia, middle_power = GSOMIA, "https://w3id.org/trilat-kg/id/concepts/middle-power"
    china = str(STATE.china)
    assert row["polarity"] == "mixed"
    assert row["targets"] == ";".join(sorted([gsomia, middle_power, china]))
    assert row["position_targets"] == ";".join(sorted([gsomia, middle_power]))
    assert row["mentions"] == china
    assert (row["held_from"], row["held_from_precision"]) == ("2014-07", "month")
    assert (row["held_until"], row["held_until_precision"]) == ("2015", "year")  # datatype
    positions = [r for r in as_dicts(built["positions"])
                 if r["claim_iri"] == row["claim_iri"]]
    assert [(r["target_iri"], r["polarity"], r["held_from"]) for r in positions] == [
        (middle_power, "positive", "2014-07"), (gsomia, "negative", "2014-07")]


def test_a_state_added_in_a_user_file_appears_in_every_table(tmp_path: Path) -> None:
    extra = tmp_path / "testland.ttl"
    extra.write_text(EXTRA_TTL, encoding="utf-8")
    out = tmp_path / "out"
    tables.write_tables(out, extra=[extra])
    actors = {r["iri"]: r for r in read_csv(out / "actors.csv")}
    testland = actors[str(STATE.testland)]
    assert (testland["cow_code"], testland["un_m49"], testland["label_ja"]) == (
        "999", "007", "テストランド")
    assert testland["wikidata_qid"] == "Q999999991"
    agreements = {r["iri"]: r for r in read_csv(out / "agreements.csv")}
    row = agreements[str(AGREEMENT["testland-japan-statement"])]
    assert (row["party_ccodes"], row["signed_date"], row["signed_precision"]) == (
        "740;999", "2020-05", "month")
    dyads = [r for r in read_csv(out / "dyad_year_agreement.csv")
             if r["agreement_iri"] == str(AGREEMENT["testland-japan-statement"])]
    years = sorted({int(r["year"]) for r in dyads})
    last = tables.coverage_years()[1]
    assert years == list(range(2020, last + 1))
    assert {(r["ccode1"], r["ccode2"]) for r in dyads} == {("740", "999"), ("999", "740")}
    panel = [r for r in read_csv(out / "dyad_year.csv") if r["ccode1"] == "999"]
    assert [(r["ccode2"], r["year"]) for r in panel] == [("740", str(y))
                                                         for y in range(2020, last + 1)]
    assert {(r["n_agreements"], r["has_joint_statement"], r["n_stage_concluded"])
            for r in panel} == {("1", "1", "1")}
    # ... and the published tables do not have it.
    assert str(STATE.testland) not in {r["iri"] for r in read_csv(
        tables_dir_without_extra(tmp_path) / "actors.csv")}


def tables_dir_without_extra(tmp_path: Path) -> Path:
    out = tmp_path / "plain"
    tables.write_tables(out)
    return out


# --------------------------------------------------------------------------- dyad-years

DYAD_KEY = ("ccode1", "ccode2", "year")


def _twins_agree(rows: list[dict[str, str]], key: tuple[str, ...]) -> None:
    keys = [tuple(r[k] for k in key) for r in rows]
    assert len(keys) == len(set(keys)), f"duplicate {key} rows"
    by_key = dict(zip(keys, rows, strict=True))
    for k, row in by_key.items():
        a, b, *rest = k
        assert a != b
        twin = by_key[(b, a, *rest)]
        assert {c: v for c, v in twin.items() if c not in ("ccode1", "ccode2")} == {
            c: v for c, v in row.items() if c not in ("ccode1", "ccode2")}


def test_directed_tables_are_symmetric(built) -> None:
    _twins_agree(as_dicts(built["dyad_year"]), DYAD_KEY)
    _twins_agree(as_dicts(built["dyad_year_agreement"]), (*DYAD_KEY, "agreement_iri"))


def test_undirected_is_the_directed_half(built) -> None:
    directed = as_dicts(built["dyad_year"])
    undirected = as_dicts(built["dyad_year_undirected"])
    assert all(int(r["ccode1"]) < int(r["ccode2"]) for r in undirected)
    assert undirected == [r for r in directed if int(r["ccode1"]) < int(r["ccode2"])]
    assert len(directed) == 2 * len(undirected)


def test_one_row_per_dyad_year_aggregating_the_agreement_rows(built) -> None:
    """dyad_year.csv is the agreement-level table aggregated, recomputed here."""
    groups: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for row in as_dicts(built["dyad_year_agreement"]):
        groups.setdefault(tuple(row[k] for k in DYAD_KEY), []).append(row)
    rows = as_dicts(built["dyad_year"])
    assert [tuple(r[k] for k in DYAD_KEY) for r in rows] == sorted(
        groups, key=lambda k: tuple(map(int, k)))
    several = 0
    for row in rows:
        group = groups[tuple(row[k] for k in DYAD_KEY)]
        several += len(group) > 1
        stages = [g["stage"] for g in group]
        assert row["n_agreements"] == str(len(group))
        assert row["n_in_force"] == str(sum(g["in_force"] == "1" for g in group))
        assert row["n_in_force_unknown"] == str(sum(g["in_force"] == "" for g in group))
        assert row["n_stage_not_concluded"] == str(stages.count("not-concluded"))
        assert row["n_stage_concluded"] == str(stages.count("concluded"))
        assert row["n_stage_superseded"] == str(stages.count("superseded"))
        assert (int(row["n_stage_not_concluded"]) + int(row["n_stage_concluded"])
                + int(row["n_in_force"]) + int(row["n_stage_superseded"])
                == int(row["n_agreements"]))
        for kind, flag in tables.KIND_FLAGS.items():
            in_effect = any(g["kind"] == kind and g["stage"] in ("concluded", "in-force")
                            for g in group)
            assert row[flag] == str(int(in_effect)), (row, flag)
        assert row["n_carried_forward"] == str(sum(g["carried_forward"] == "1"
                                                   for g in group))
        assert row["agreement_iris"] == ";".join(sorted(g["agreement_iri"] for g in group))
        assert row["atop_outside_definition"] == "1"
    assert several, "the graph has dyad-years with several agreements: they must be one row"


def test_japan_rok_2017_is_one_row_with_the_gsomia_in_force(built, rdf) -> None:
    """(740, 732, 2017): one row; the GSOMIA counts as in force because the graph dates its
    entry into force in or before 2017 and no ending step by then (read here with rdflib)."""
    step_year: dict[str, list[int]] = {}
    for step in set(rdf.subjects(TRILAT.stepOf, AGREEMENT["japan-rok-gsomia"])) | set(
            rdf.objects(AGREEMENT["japan-rok-gsomia"], TRILAT.hasStep)):
        kind = str(rdf.value(step, TRILAT.stepType)).rsplit("/", 1)[-1]
        when = rdf.value(step, TRILAT.date)
        if when is not None:
            step_year.setdefault(kind, []).append(int(str(when)[:4]))
    assert min(step_year["entered-into-force"]) <= 2017
    assert not [y for y in step_year.get("superseded", []) if y <= 2017]
    rows = [r for r in as_dicts(built["dyad_year"])
            if (r["ccode1"], r["ccode2"], r["year"]) == ("740", "732", "2017")]
    assert len(rows) == 1
    row = rows[0]
    assert GSOMIA in row["agreement_iris"].split(";")
    assert int(row["n_in_force"]) >= 1 and row["has_gsomia"] == "1"
    long = [r for r in as_dicts(built["dyad_year_agreement"])
            if (r["ccode1"], r["ccode2"], r["year"]) == ("740", "732", "2017")]
    assert row["n_in_force"] == str(sum(r["in_force"] == "1" for r in long))
    gsomia = [r for r in long if r["agreement_iri"] == GSOMIA]
    assert [(g["stage"], g["in_force"]) for g in gsomia] == [("in-force", "1")]


def test_every_agreement_kind_has_a_flag_with_a_stata_name(rdf) -> None:
    scheme = URIRef("https://w3id.org/trilat-kg/id/concept-schemes/agreement-kinds")
    kinds = {str(c).rsplit("/", 1)[-1] for c in rdf.subjects(SKOS.inScheme, scheme)}
    assert kinds and kinds == set(tables.KIND_FLAGS)
    for table in tables.TABLES:
        for column in table.columns:
            assert STATA_NAME.fullmatch(column.name), (table.name, column.name)
            assert column.name not in STATA_RESERVED, (table.name, column.name)
            assert column.label and len(column.label) <= 80, (table.name, column.name)


def test_dyad_years_stay_inside_the_life_cycle_and_coverage(built) -> None:
    first, last = tables.coverage_years()
    assert first is not None and last is not None
    agreements = {r["iri"]: r for r in as_dicts(built["agreements"])}
    for row in as_dicts(built["dyad_year_agreement"]):
        year = int(row["year"])
        assert first <= year <= last
        ag = agreements[row["agreement_iri"]]
        assert int(ag["lifecycle_start_year"]) <= year <= int(ag["lifecycle_end_year"])
    assert all(first <= int(r["year"]) <= last for r in as_dicts(built["dyad_year"]))
    gsomia = {int(r["year"]): r for r in as_dicts(built["dyad_year_agreement"])
              if r["agreement_iri"] == GSOMIA and r["ccode1"] == "732"}
    assert (gsomia[2012]["stage"], gsomia[2012]["in_force"]) == ("not-concluded", "0")
    assert (gsomia[2019]["stage"], gsomia[2019]["in_force"]) == ("in-force", "1")
    assert "termination-notified" in gsomia[2019]["steps_in_year"].split(";")
    assert max(gsomia) == last


def test_no_zero_stands_for_unknown(built) -> None:
    for row in as_dicts(built["agreements"]):
        for obligation in tables.ATOP_OBLIGATIONS:
            assert row[f"atop_{obligation}"] == "", "ATOP obligations are NA, never 0"
        assert row["atop_outside_definition"] == "1"
        assert row["atop_outside_reason"]
    long = as_dicts(built["dyad_year_agreement"])
    # The 1996 ACSA has no dated entry into force: in_force is unknown, not 0.
    acsa = [r for r in long if r["agreement_iri"] == str(AGREEMENT["us-japan-acsa-1996"])]
    assert acsa and all(r["in_force"] == "" for r in acsa)
    # Guidelines never enter into force: NA, not 0.
    guidelines = [r for r in long if r["kind"] == "defense-cooperation-guidelines"]
    assert guidelines and all(r["in_force"] == "" for r in guidelines)
    # ... and the dyad-year counts say so instead of counting them as not in force.
    us_japan = {r["year"]: r for r in as_dicts(built["dyad_year"])
                if (r["ccode1"], r["ccode2"]) == ("2", "740")}
    assert (us_japan["2000"]["n_in_force"], us_japan["2000"]["n_in_force_unknown"]) == (
        "0", "2")


def test_coverage_end_can_be_set_and_rows_stop_there(store) -> None:
    for table in (tables.dyad_year_table(store, coverage_end=2010),
                  tables.dyad_year_agreement_table(store, coverage_end=2010)):
        header, rows = table
        years = [int(r[header.index("year")]) for r in rows]
        assert years and max(years) == 2010


# --------------------------------------------------------------------------- round trip, joins


def test_japanese_and_korean_labels_survive_a_csv_round_trip(out_dir: Path) -> None:
    raw = (out_dir / "actors.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    rows = {r["iri"]: r for r in read_csv(out_dir / "actors.csv")}
    korea = rows[str(STATE["republic-of-korea"])]
    assert (korea["label_ja"], korea["label_ko"], korea["label_zh"]) == (
        "韓国", "대한민국", "韩国")
    japan = rows[str(STATE.japan)]
    assert (japan["label_ja"], japan["label_ko"]) == ("日本", "일본")
    persons = [r for r in rows.values() if r["label_ko"] == "한민구"]
    assert len(persons) == 1 and persons[0]["actor_type"] == "Person"


def _state_year_frame() -> list[dict[str, int | float]]:
    """A small made-up state-year frame, as a researcher would bring one: ccode, year, x."""
    frame = []
    for ccode in (2, 732, 740, 900):
        for year in range(2014, 2027):
            frame.append({"ccode": ccode, "year": year, "x": ccode / 1000 + year % 100})
    return frame


def test_join_on_cow_codes_with_the_csv_module(out_dir: Path) -> None:
    last = tables.coverage_years()[1]
    assert last is not None
    crosswalk = {int(r["cow_code"]): r for r in read_csv(out_dir / "actors.csv")
                 if r["cow_code"]}
    dyads = {(int(r["ccode1"]), int(r["ccode2"]), int(r["year"])): r
             for r in read_csv(out_dir / "dyad_year.csv")}
    by_state: dict[tuple[int, int], list[dict[str, str]]] = {}
    for (a, _, year), row in dyads.items():
        by_state.setdefault((a, year), []).append(row)
    frame = _state_year_frame()
    joined = []
    for obs in frame:
        rows = by_state.get((int(obs["ccode"]), int(obs["year"])))
        gsomia = dyads.get((int(obs["ccode"]), 740, int(obs["year"])))
        joined.append({**obs, "iso3": crosswalk[int(obs["ccode"])]["iso3166_alpha3"],
                       "m49": crosswalk[int(obs["ccode"])]["un_m49"],
                       "n_partners": len(rows) if rows else None,
                       "gsomia_with_japan": gsomia["has_gsomia"] if gsomia else None})
    assert len(joined) == len(frame)
    by = {(j["ccode"], j["year"]): j for j in joined}
    assert (by[(740, 2016)]["iso3"], by[(900, 2016)]["m49"]) == ("JPN", "036")
    assert by[(732, 2019)]["gsomia_with_japan"] == "1"
    assert by[(732, 2016)]["n_partners"] == 2  # Japan (GSOMIA) and Australia (statement)
    for (_, year), j in by.items():
        if year > last:  # outside coverage: missing, never 0
            assert j["n_partners"] is None and j["gsomia_with_japan"] is None


def test_join_on_cow_codes_with_pandas(out_dir: Path) -> None:
    pd = pytest.importorskip("pandas")
    last = tables.coverage_years()[1]
    frame = pd.DataFrame(_state_year_frame())
    dyads = pd.read_csv(out_dir / "dyad_year.csv")
    assert dyads["ccode1"].dtype.kind == "i" and dyads["year"].dtype.kind == "i"
    actors = pd.read_csv(out_dir / "actors.csv", dtype=str, keep_default_na=False)
    assert actors.loc[actors["iso3166_alpha3"] == "AUS", "un_m49"].item() == "036"
    with_japan = dyads[dyads["ccode2"] == 740]
    joined = frame.merge(with_japan, how="left", left_on=["ccode", "year"],
                         right_on=["ccode1", "year"], validate="m:1")
    assert len(joined) == len(frame)
    rok = joined[joined["ccode"] == 732].set_index("year")
    assert rok.loc[2019, "n_in_force"] == 1 and rok.loc[2019, "has_gsomia"] == 1
    assert rok.loc[last + 1:, "n_in_force"].isna().all()  # NA, never 0, after coverage
    assert not (rok.loc[last + 1:, "n_in_force"] == 0).any()
    states = actors[actors["cow_code"] != ""]
    codes = frame.merge(states.assign(ccode=states["cow_code"].astype(int)), on="ccode",
                        how="left", validate="m:1")
    assert len(codes) == len(frame)
    assert set(codes.loc[codes["ccode"] == 740, "label_ja"]) == {"日本"}


# --------------------------------------------------------------------------- codebook


def test_datapackage_matches_the_csv_files(out_dir: Path) -> None:
    package = json.loads((out_dir / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    assert package["licenses"], "licence read from the dataset description"
    resources = {r["path"]: r for r in package["resources"]}
    assert sorted(resources) == sorted(CSV_FILES)
    assert resources["dyad_year.csv"]["schema"]["primaryKey"] == list(DYAD_KEY)
    assert resources["dyad_year.csv"]["unitOfAnalysis"] == "directed dyad-year"
    assert resources["dyad_year_agreement.csv"]["schema"]["primaryKey"] == [
        *DYAD_KEY, "agreement_iri"]
    for path, resource in resources.items():
        schema = resource["schema"]
        assert resource["unitOfAnalysis"]
        assert schema["missingValues"] == [""]
        with (out_dir / path).open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            rows = list(reader)
        assert [f["name"] for f in schema["fields"]] == header, path
        assert set(schema["primaryKey"]) <= set(header)
        keys = [tuple(r[header.index(k)] for k in schema["primaryKey"]) for r in rows]
        assert len(keys) == len(set(keys)), f"{path}: primary key not unique"
        for i, field in enumerate(schema["fields"]):
            assert field["description"], f"{path}:{field['name']} has no description"
            assert field["title"] and len(field["title"]) <= 80, (path, field["name"])
            constraints = field.get("constraints", {})
            for row in rows:
                cell = row[i]
                if cell == "":
                    assert not constraints.get("required"), f"{path}:{field['name']} empty"
                    continue
                if field["type"] == "integer":
                    assert re.fullmatch(r"-?[0-9]+", cell), (path, field["name"], cell)
                    value: object = int(cell)
                else:
                    value = cell
                if "enum" in constraints:
                    assert value in constraints["enum"], (path, field["name"], cell)
                if "pattern" in constraints:
                    assert re.fullmatch(constraints["pattern"], cell), (path, field["name"])


def test_codebook_is_generated_from_the_ontology_and_vocabularies(out_dir: Path,
                                                                   rdf) -> None:
    text = (out_dir / "CODEBOOK.md").read_text(encoding="utf-8")
    for path in CSV_FILES:
        assert f"## {path}" in text
    # rdfs:comment of a property behind a column, read from the ontology
    comment = str(rdf.value(TRILAT.unM49, RDFS.comment))
    assert comment in text
    # allowed values of a SKOS scheme
    for concept in ("legal-possibility", "political-feasibility", "military-information-agreement"):
        assert f"`{concept}`" in text
    # a pattern of the SHACL shapes
    assert "^[0-9]{3}$" in text
    assert ("| variable | label | type | allowed values | missing | source | Stata "
            "| description |") in text
    # units of analysis, keys, value labels and Stata types
    assert "- Unit of analysis: directed dyad-year" in text
    assert "- Key (unique): `ccode1`, `ccode2`, `year`\n" in text
    assert "`0` = not in force, `1` = in force" in text
    assert "| `un_m49` | UN M49 code (string, leading zeros kept) | string |" in text


def test_frictionless_validates_the_package(out_dir: Path) -> None:
    """The package as frictionless reads it: schemas, types, constraints, primary keys."""
    try:
        import frictionless
    except ImportError:
        if REQUIRE_ENGINES:
            pytest.fail("frictionless is not installed (TRILAT_REQUIRE_ENGINES=1)")
        pytest.skip("frictionless is not installed (a test extra)")
    report = frictionless.validate(out_dir / "datapackage.json")
    assert report.valid, report.flatten(["taskNumber", "rowNumber", "fieldName", "type",
                                         "note"])
    assert len(report.tasks) == len(CSV_FILES)
    rows = {Path(task.place).name: task.stats["rows"] for task in report.tasks}
    for name in CSV_FILES:
        assert rows[name] == len(read_csv(out_dir / name)), name


def test_frictionless_sees_a_duplicate_key(out_dir: Path, tmp_path: Path) -> None:
    """The primary key bites: a dyad-year written twice fails validation."""
    frictionless = pytest.importorskip("frictionless")
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in (*CSV_FILES, "datapackage.json"):
        (copy / name).write_bytes((out_dir / name).read_bytes())
    lines = (copy / "dyad_year.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (copy / "dyad_year.csv").write_text("".join([*lines, lines[1]]), encoding="utf-8")
    report = frictionless.validate(copy / "datapackage.json")
    assert not report.valid
    assert "primary-key" in {error[0] for error in report.flatten(["type"])}


def test_docs_copy_of_the_codebook_is_current(out_dir: Path) -> None:
    generated = (out_dir / "CODEBOOK.md").read_text(encoding="utf-8")
    if REGENERATE:
        DOCS_CODEBOOK.write_text(generated, encoding="utf-8")
    assert DOCS_CODEBOOK.is_file(), f"run TRILAT_REGENERATE=1 pytest {__file__}"
    assert DOCS_CODEBOOK.read_text(encoding="utf-8") == generated, (
        f"{DOCS_CODEBOOK.name} is stale: run TRILAT_REGENERATE=1 pytest {__file__}")


def test_output_is_deterministic(out_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    tables.write_tables(again)
    for name in ALL_FILES:
        assert (again / name).read_bytes() == (out_dir / name).read_bytes(), name


# --------------------------------------------------------------------------- Stata


def _dta(path: Path):  # type: ignore[no-untyped-def]
    """(coded frame, decoded frame, variable labels, value labels, data label, types)."""
    pd = pytest.importorskip("pandas")
    with pd.io.stata.StataReader(path) as reader:
        coded = reader.read(convert_categoricals=False)
        info = (reader.variable_labels(), reader.value_labels(), reader.data_label,
                dict(zip(coded.columns, reader._typlist, strict=True)),
                dict(zip(coded.columns, reader._fmtlist, strict=True)))
    decoded = pd.read_stata(path)
    return coded, decoded, *info


@pytest.mark.parametrize("table", [t.name for t in tables.TABLES])
def test_dta_reads_back_in_pandas_with_the_codebooks_labels(out_dir: Path, table: str) -> None:
    t = tables._table(table)
    package = json.loads((out_dir / "datapackage.json").read_text(encoding="utf-8"))
    fields = {f["name"]: f for r in package["resources"] if r["name"] == table
              for f in r["schema"]["fields"]}
    coded, decoded, variable_labels, value_labels, data_label, types, formats = _dta(
        out_dir / t.dta_path)
    rows = read_csv(out_dir / t.path)
    assert list(coded.columns) == t.header
    assert len(coded) == len(rows)
    assert data_label == t.title
    assert variable_labels == {c.name: c.label for c in t.columns}
    assert variable_labels == {name: f["title"] for name, f in fields.items()}
    for column in t.columns:
        name, cells = column.name, [r[column.name] for r in rows]
        enum = fields[name].get("constraints", {}).get("enum")
        if column.type == "integer":
            storage = {"b": "byte", "h": "int", "l": "long"}[types[name]]
            assert storage == column.storage == stata_type(column, enum), (table, name)
            assert [None if v != v else int(v) for v in coded[name]] == [
                int(c) if c else None for c in cells], (table, name)
            if column.value_labels:
                assert value_labels[name] == column.value_labels, (table, name)
                assert {int(k): v for k, v in fields[name]["valueLabels"].items()} == (
                    column.value_labels)
        elif column.type == "date":
            assert (types[name], formats[name]) == ("d", "%td")
            assert [v.strftime("%Y-%m-%d") if v == v else "" for v in decoded[name]] == cells
        elif enum and not column.multi:
            # a vocabulary: codes 1.. in the codebook's order, labelled with the values
            assert value_labels[name] == {i: str(v) for i, v in enumerate(enum, 1)}, name
            assert types[name] == "b"
            assert [str(v) if v == v else "" for v in decoded[name]] == cells, (table, name)
        else:
            assert isinstance(types[name], int), (table, name)  # str# or strL
            assert list(coded[name]) == cells, (table, name)


def test_dta_keeps_codes_and_unicode_as_the_codebook_types_them(out_dir: Path) -> None:
    actors = _dta(out_dir / "actors.dta")[0].set_index("iso3166_alpha3")
    assert actors.loc["AUS", "un_m49"] == "036"  # a string, leading zero kept
    assert actors.loc["AUS", "cow_code"] == "900"
    assert (actors.loc["KOR", "label_ja"], actors.loc["KOR", "label_ko"]) == (
        "韓国", "대한민국")
    coded, decoded, *_ = _dta(out_dir / "dyad_year.dta")
    row = decoded[(decoded["ccode1"] == 740) & (decoded["ccode2"] == 732)
                  & (decoded["year"] == 2017)]
    assert len(row) == 1
    assert row["n_in_force"].item() >= 1
    assert row["has_gsomia"].item() == "at least one in effect"
    assert coded["ccode1"].dtype.kind == "i" and coded["year"].dtype.kind == "i"


def test_without_pandas_the_csv_files_are_written_and_stale_dta_removed(
        out_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = earlier_run(out_dir, tmp_path)
    assert (out / "dyad_year.dta").is_file()
    monkeypatch.setattr(tables.stata, "available", lambda: False)
    written = tables.write_tables(out)
    assert sorted(p.name for p in written) == sorted(
        [*CSV_FILES, "datapackage.json", "CODEBOOK.md"])
    assert not list(out.glob("*.dta")), "no .dta of an earlier graph is left"
    with pytest.raises(UsageError, match="pandas"):
        tables.render_files(dta=True)
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1] == (
        "trilat-kg: no Stata files: writing the Stata files needs pandas: "
        "pip install 'trilat-kg[pandas]'")


# --------------------------------------------------------------------------- writing, CLI


def test_cli_export_csv_writes_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "tables"
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    for name in ALL_FILES:
        assert (out / name).is_file(), name
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no staging left"


def test_cli_export_csv_to_stdout_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "-o", "-"])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["export", "--format", "csv"])
    assert result.exit_code == 2


def test_cli_export_csv_missing_parent_is_exit_4(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "tables"
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "-o", str(target)])
    assert result.exit_code == 4
    assert not target.parent.exists()


def test_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("keep", encoding="utf-8")
    with pytest.raises(LocalIOError):
        tables.write_tables(target)
    assert target.read_text(encoding="utf-8") == "keep"


def test_a_failed_run_leaves_the_earlier_files_unchanged(out_dir: Path, tmp_path: Path) -> None:
    out = earlier_run(out_dir, tmp_path)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle .", encoding="utf-8")
    with pytest.raises(DataError):
        tables.write_tables(out, extra=[broken])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_failure_while_writing_leaves_the_earlier_files_unchanged(
        out_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = earlier_run(out_dir, tmp_path)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = []

    def failing_write(path: Path, data: bytes, **kwargs: object) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise LocalIOError(f"no space left on device: {path}")
        path.write_bytes(data)

    monkeypatch.setattr(tables, "write_atomic", failing_write)
    with pytest.raises(LocalIOError):
        tables.write_tables(out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_symlink_at_a_target_name_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("keep", encoding="utf-8")
    (out / "actors.csv").symlink_to(elsewhere)
    with pytest.raises(LocalIOError):
        tables.write_tables(out)
    assert elsewhere.read_text(encoding="utf-8") == "keep"
