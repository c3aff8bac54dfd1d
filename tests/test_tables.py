"""The IR tables (actors, agreements, dyad-years, stances) and their generated codebook.

What is checked: every table re-derives from the graph (a state added in a user file
appears; cells equal the graph's values read independently with rdflib); directed dyads are
symmetric and undirected ones are the half with ccode1 < ccode2; Japanese and Korean labels
survive a CSV round trip; a join on COW codes against a made-up state-year frame works with
the csv module (and with pandas when it is installed); no 0 stands for unknown, and nothing
lies outside the coverage years; datapackage.json agrees with the CSV headers, enums and
patterns; the CLI writes the folder, refuses ``-o -`` (exit 2) and a missing parent (exit 4);
a failed run leaves the files of an earlier run unchanged; the committed copy of the
codebook under docs/ is current (regenerate with ``TRILAT_REGENERATE=1``).
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from trilat_kg import tables
from trilat_kg.cli import cli
from trilat_kg.errors import DataError, LocalIOError
from trilat_kg.resources import GRAPHS, files_for
from trilat_kg.store import load_store

TRILAT = Namespace("https://w3id.org/trilat-kg/ontology#")
STATE = Namespace("https://w3id.org/trilat-kg/id/states/")
AGREEMENT = Namespace("https://w3id.org/trilat-kg/id/agreements/")
OA = Namespace("http://www.w3.org/ns/oa#")
REGENERATE = os.environ.get("TRILAT_REGENERATE") == "1"
DOCS_CODEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tables-codebook.md"

CSV_FILES = ("actors.csv", "agreements.csv", "dyad_year.csv", "dyad_year_undirected.csv",
             "stances.csv")

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
    assert sorted(p.name for p in written) == sorted(
        [*CSV_FILES, "datapackage.json", "CODEBOOK.md"])
    return out


@pytest.fixture(scope="module")
def rdf() -> Graph:
    """The union of the published files, read independently with rdflib (not via the tables)."""
    graph = Graph()
    for name in GRAPHS:
        for path in files_for(name):
            graph.parse(path, format="turtle")
    return graph


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
        assert row["start"] in starts
        assert int(row["end"]) - int(row["start"]) == len(row["quote"])
        assert row["polarity"] == str(rdf.value(claim, TRILAT.polarity)).rsplit("/", 1)[-1]
        assert row["modality"] == str(rdf.value(claim, TRILAT.modality)).rsplit("/", 1)[-1]
        assert row["as_of"] == str(rdf.value(claim, TRILAT.asOf))
        holders = sorted({str(h) for h in rdf.objects(claim, TRILAT.holder)})
        assert row["holders"] == ";".join(holders)


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
    dyads = [r for r in read_csv(out / "dyad_year.csv")
             if r["agreement_iri"] == str(AGREEMENT["testland-japan-statement"])]
    years = sorted({int(r["year"]) for r in dyads})
    last = tables.coverage_years()[1]
    assert years == list(range(2020, last + 1))
    assert {(r["ccode1"], r["ccode2"]) for r in dyads} == {("740", "999"), ("999", "740")}
    # ... and the published tables do not have it.
    assert str(STATE.testland) not in {r["iri"] for r in read_csv(
        tables_dir_without_extra(tmp_path) / "actors.csv")}


def tables_dir_without_extra(tmp_path: Path) -> Path:
    out = tmp_path / "plain"
    tables.write_tables(out)
    return out


# --------------------------------------------------------------------------- dyad-years


def test_directed_dyads_are_symmetric(built) -> None:
    rows = as_dicts(built["dyad_year"])
    assert rows
    keys = [(r["ccode1"], r["ccode2"], r["year"], r["agreement_iri"]) for r in rows]
    assert len(keys) == len(set(keys)), "duplicate dyad-year-agreement rows"
    by_key = {(r["ccode1"], r["ccode2"], r["year"], r["agreement_iri"]): r for r in rows}
    for (a, b, year, agreement), row in by_key.items():
        assert a != b
        twin = by_key[(b, a, year, agreement)]
        assert {k: v for k, v in twin.items() if k not in ("ccode1", "ccode2")} == {
            k: v for k, v in row.items() if k not in ("ccode1", "ccode2")}


def test_undirected_is_the_directed_half(built) -> None:
    directed = as_dicts(built["dyad_year"])
    undirected = as_dicts(built["dyad_year_undirected"])
    assert all(int(r["ccode1"]) < int(r["ccode2"]) for r in undirected)
    assert undirected == [r for r in directed if int(r["ccode1"]) < int(r["ccode2"])]
    assert len(directed) == 2 * len(undirected)


def test_dyad_years_stay_inside_the_life_cycle_and_coverage(built) -> None:
    first, last = tables.coverage_years()
    assert first is not None and last is not None
    agreements = {r["iri"]: r for r in as_dicts(built["agreements"])}
    for row in as_dicts(built["dyad_year"]):
        year = int(row["year"])
        assert first <= year <= last
        ag = agreements[row["agreement_iri"]]
        assert int(ag["lifecycle_start_year"]) <= year <= int(ag["lifecycle_end_year"])
    gsomia = {int(r["year"]): r for r in as_dicts(built["dyad_year_undirected"])
              if r["agreement_iri"] == str(AGREEMENT["japan-rok-gsomia"])}
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
    # The 1996 ACSA has no dated entry into force: in_force is unknown, not 0.
    acsa = [r for r in as_dicts(built["dyad_year"])
            if r["agreement_iri"] == str(AGREEMENT["us-japan-acsa-1996"])]
    assert acsa and all(r["in_force"] == "" for r in acsa)
    # Guidelines never enter into force: NA, not 0.
    guidelines = [r for r in as_dicts(built["dyad_year"])
                  if r["kind"] == "defense-cooperation-guidelines"]
    assert guidelines and all(r["in_force"] == "" for r in guidelines)


def test_coverage_end_can_be_set_and_rows_stop_there(store) -> None:
    header, rows = tables.dyad_year_table(store, coverage_end=2010)
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
    dyads: dict[tuple[int, int], list[dict[str, str]]] = {}
    for row in read_csv(out_dir / "dyad_year.csv"):
        dyads.setdefault((int(row["ccode1"]), int(row["year"])), []).append(row)
    joined = []
    for obs in _state_year_frame():
        rows = dyads.get((int(obs["ccode"]), int(obs["year"])), [])
        joined.append({**obs, "iso3": crosswalk[int(obs["ccode"])]["iso3166_alpha3"],
                       "n_agreements": len({r["agreement_iri"] for r in rows}) if rows else None,
                       "gsomia_in_force": next((r["in_force"] for r in rows
                                                if r["kind"] == "military-information-agreement"
                                                and r["ccode2"] == "740"), None)})
    by = {(j["ccode"], j["year"]): j for j in joined}
    assert by[(740, 2016)]["iso3"] == "JPN"
    assert by[(732, 2019)]["gsomia_in_force"] == "1"
    assert by[(732, 2016)]["n_agreements"] == 2  # GSOMIA and the Australia statement
    for (_, year), j in by.items():
        if year > last:  # outside coverage: missing, never 0
            assert j["n_agreements"] is None and j["gsomia_in_force"] is None


def test_join_on_cow_codes_with_pandas(out_dir: Path) -> None:
    pd = pytest.importorskip("pandas")
    last = tables.coverage_years()[1]
    frame = pd.DataFrame(_state_year_frame())
    dyads = pd.read_csv(out_dir / "dyad_year.csv")
    assert dyads["ccode1"].dtype.kind == "i" and dyads["year"].dtype.kind == "i"
    actors = pd.read_csv(out_dir / "actors.csv", dtype=str, keep_default_na=False)
    assert actors.loc[actors["iso3166_alpha3"] == "AUS", "un_m49"].item() == "036"
    gsomia = dyads[dyads["kind"] == "military-information-agreement"]
    joined = frame.merge(gsomia, how="left", left_on=["ccode", "year"],
                         right_on=["ccode1", "year"])
    rok = joined[joined["ccode"] == 732].set_index("year")
    assert rok.loc[2019, "in_force"] == 1
    assert rok.loc[last + 1:, "in_force"].isna().all()  # NA, never 0, after coverage
    assert not (rok.loc[last + 1:, "in_force"] == 0).any()
    codes = frame.merge(actors.assign(ccode=pd.to_numeric(actors["cow_code"],
                                                          errors="coerce")),
                        on="ccode", how="left")
    assert set(codes.loc[codes["ccode"] == 740, "label_ja"]) == {"日本"}


# --------------------------------------------------------------------------- codebook


def test_datapackage_matches_the_csv_files(out_dir: Path) -> None:
    package = json.loads((out_dir / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    assert package["licenses"], "licence read from the dataset description"
    resources = {r["path"]: r for r in package["resources"]}
    assert sorted(resources) == sorted(CSV_FILES)
    for path, resource in resources.items():
        schema = resource["schema"]
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
    for header_line in ("| variable | type | allowed values | missing | source | description |",):
        assert header_line in text


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
    for name in (*CSV_FILES, "datapackage.json", "CODEBOOK.md"):
        assert (again / name).read_bytes() == (out_dir / name).read_bytes(), name


# --------------------------------------------------------------------------- writing, CLI


def test_cli_export_csv_writes_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "tables"
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    for name in (*CSV_FILES, "datapackage.json", "CODEBOOK.md"):
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


def test_a_failed_run_leaves_the_earlier_files_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "out"
    tables.write_tables(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle .", encoding="utf-8")
    with pytest.raises(DataError):
        tables.write_tables(out, extra=[broken])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_failure_while_writing_leaves_the_earlier_files_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    tables.write_tables(out)
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
