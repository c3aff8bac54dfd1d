"""Every canned query, file by file: it parses, uses only real terms, and gives its exact answer.

The expected answers are kept in ``tests/expected/<slug>.csv`` (SPARQL 1.1 CSV). When the
data changes on purpose, regenerate them with::

    TRILAT_REGENERATE=1 pytest tests/test_queries.py -k expected

and review the diff like any other change to the data.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from trilat_kg.errors import DataError, UsageError
from trilat_kg.queries import (
    CannedQuery,
    bind,
    catalogue,
    get_query,
    parse_header,
    parse_query_file,
    run_query,
)
from trilat_kg.resources import data_root
from trilat_kg.results import render
from trilat_kg.sparql import tokenize
from trilat_kg.store import load_store

ROOT = data_root()
QUERY_FILES = sorted((ROOT / "queries").glob("*.rq"))
EXPECTED = Path(__file__).parent / "expected"
TRILAT = "https://w3id.org/trilat-kg/ontology#"
REGENERATE = os.environ.get("TRILAT_REGENERATE") == "1"


def test_there_are_canned_queries() -> None:
    assert QUERY_FILES, "no queries/*.rq found: the tests below would prove nothing"
    assert "state-identifier-crosswalk" in {p.stem for p in QUERY_FILES}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return load_store()


@pytest.fixture(scope="module")
def ontology_terms() -> set[str]:
    onto = ox.Store()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        onto.load(path=path)
    return {q.subject.value for q in onto if isinstance(q.subject, ox.NamedNode)}


def prefixes_of(text: str) -> dict[str, str]:
    return dict(re.findall(r"(?im)^\s*PREFIX\s+([\w-]*):\s*<([^>]*)>", text))


def iris_used(text: str) -> set[str]:
    """Every IRI a query names, prefixed names expanded with the query's own prefixes."""
    prefixes = prefixes_of(text)
    out: set[str] = set()
    for token in tokenize(text):
        if token.kind == "iri":
            out.add(token.text[1:-1])
        elif token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            assert prefix in prefixes, f"prefix {prefix}: is not declared in the query"
            out.add(prefixes[prefix] + local)
    return {iri for iri in out if not any(iri == ns for ns in prefixes.values())}


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_parses_in_two_engines(path: Path) -> None:
    from rdflib.plugins.sparql import prepareQuery

    text = path.read_text(encoding="utf-8")
    if not parse_query_file(path).network:  # running SERVICE would reach the network
        ox.Store().query(text)  # pyoxigraph: parses and runs on an empty store
    prepareQuery(text)  # rdflib: another parser, so the file is portable


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_file_conventions(path: Path) -> None:
    query = parse_query_file(path)
    assert query.summary
    assert query.tags
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", query.slug)
    upper = " ".join(t.keyword for t in tokenize(query.text))
    assert "ORDER BY" in upper, "results are compared, so the order must be fixed"
    assert "LIMIT" not in upper.split(), "no LIMIT in a canned query (the runner adds one)"
    assert " DISTINCT " in f" {upper} ", (
        "the default graph is a bag union of the named graphs: use SELECT DISTINCT")
    for param in query.params:
        assert not param.required or param.name in query.defaults, (
            f"{param.name}: a default lets the catalogue be tested and run without arguments")


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_every_trilat_term_exists_in_the_ontology(path: Path, ontology_terms: set[str]) -> None:
    used = {iri for iri in iris_used(path.read_text(encoding="utf-8")) if iri.startswith(TRILAT)}
    missing = sorted(used - ontology_terms)
    assert not missing, f"{path.name} uses terms the ontology does not define: {missing}"


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_every_instance_iri_exists_in_the_data(path: Path, store: ox.Store) -> None:
    query = parse_query_file(path)
    named = {iri for iri in iris_used(query.text) if "/trilat-kg/id/" in iri}
    named |= {v for v in query.defaults.values() if "/trilat-kg/id/" in v}
    for iri in sorted(named):
        assert next(store.quads_for_pattern(ox.NamedNode(iri), None, None), None), iri


def _expected_path(slug: str) -> Path:
    return EXPECTED / f"{slug}.csv"


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_answer_equals_expected(path: Path, store: ox.Store) -> None:
    query = parse_query_file(path)
    if query.network:
        pytest.skip("federated query: needs the network (see test_remote.py)")
    text = render(run_query(query, store=store), "csv")
    expected = _expected_path(query.slug)
    if REGENERATE:
        EXPECTED.mkdir(exist_ok=True)
        expected.write_bytes(text.encode("utf-8"))
    assert expected.is_file(), (
        f"no expected answer for {query.slug}: run TRILAT_REGENERATE=1 pytest {__file__}")
    want = list(csv.reader(io.StringIO(expected.read_bytes().decode("utf-8"))))
    got = list(csv.reader(io.StringIO(text)))
    assert got[0] == want[0], "columns differ"
    assert got == want
    assert len(got) > 1, f"{query.slug} answers nothing on the dataset with its defaults"


def test_every_expected_file_has_a_query() -> None:
    expected = sorted(p.stem for p in EXPECTED.glob("*.csv"))
    assert expected
    assert set(expected) <= {p.stem for p in QUERY_FILES}


# ---------------------------------------------------------------- exact answers, by hand


def test_crosswalk_keeps_leading_zeros_and_joins_wikidata() -> None:
    rows = {str(r[0]): [None if t is None else str(t) for t in r]
            for r in run_query("state-identifier-crosswalk")}
    australia = rows["https://w3id.org/trilat-kg/id/states/australia"]
    assert australia[1:] == ["Australia", "http://www.wikidata.org/entity/Q408", "AU", "AUS",
                             "036", "900", "AUL", "900", "AUL"]


def test_agreements_of_actor_by_parameter() -> None:
    japan = "https://w3id.org/trilat-kg/id/states/japan"
    result = run_query("agreements-of-actor", {"actor": japan})
    assert {str(t) for t in result.column("_actor_iri")} == {japan}
    gsomia = [r for r in result.as_dicts()
              if str(r["agreement"]).endswith("/japan-rok-gsomia") and r["date"] is not None]
    assert {(str(r["stepType"]).rsplit("/", 1)[1], str(r["date"])) for r in gsomia} == {
        ("signed", "2016-11-23")}


def test_unknown_actor_is_refused_with_the_closest() -> None:
    # an IRI the graph does not hold is a usage error naming what it holds, not zero rows
    with pytest.raises(UsageError, match=r"states/atlantis is not in the graph; "
                                         r"closest: state:"):
        run_query("agreements-of-actor",
                  {"actor": "https://w3id.org/trilat-kg/id/states/atlantis"})
    result = run_query("agreements-of-actor", {"actor": "state:canada"})
    assert result.rows == []
    assert result.variables[0] == "_actor_iri"


# ---------------------------------------------------------------- the grlc header parser


def test_header_subset() -> None:
    text = (
        "#+ summary: Agreements: who and when\n"
        "#+ tags:\n#+   - agreements\n#+   - 'actors'\n"
        "#+ defaults:\n#+   - actor: https://w3id.org/trilat-kg/id/states/japan\n"
        "#+ enumerate: [actor, year]\n"
        "#+ method: GET\n"
        "SELECT ?_actor_iri WHERE { ?s ?p ?_actor_iri } ORDER BY ?s\n"
    )
    meta = parse_header(text)
    assert meta == {
        "summary": "Agreements: who and when",
        "tags": ["agreements", "actors"],
        "defaults": [{"actor": "https://w3id.org/trilat-kg/id/states/japan"}],
        "enumerate": ["actor", "year"],
        "method": "GET",
    }


def test_header_errors_name_the_line(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"q\.rq:2: list item outside a list key"):
        parse_header("#+ summary: x\n#+ - stray\n", "q.rq")
    path = tmp_path / "broken.rq"
    path.write_text("#+ summary: x\n#+ defaults:\n#+   - nosuch: 1\n"
                    "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\n", encoding="utf-8")
    with pytest.raises(DataError, match="unknown parameter"):
        parse_query_file(path)


def test_parameter_must_be_projected(tmp_path: Path) -> None:
    path = tmp_path / "hidden.rq"
    path.write_text("#+ summary: x\nSELECT ?s WHERE { ?s ?p ?_x_iri } ORDER BY ?s\n",
                    encoding="utf-8")
    with pytest.raises(DataError, match=r"\?_x_iri must be in the SELECT clause"):
        parse_query_file(path)


def test_basil_parameter_kinds(tmp_path: Path) -> None:
    path = tmp_path / "kinds.rq"
    path.write_text(
        "#+ summary: kinds\n"
        "SELECT ?_a_iri ?_b ?_c_en ?__d_xsd_date ?_e_xsd_integer ?_state_id WHERE {\n"
        '  ?s ?p "?_not_a_param" . # ?_nor_this\n'
        "  ?s ?p ?_a_iri , ?_b , ?_c_en , ?__d_xsd_date , ?_e_xsd_integer , ?_state_id .\n"
        "} ORDER BY ?s\n", encoding="utf-8")
    query = parse_query_file(path)
    kinds = {p.name: (p.kind, p.required, p.type_label) for p in query.params}
    assert kinds == {
        "a": ("iri", True, "IRI"),
        "b": ("literal", True, "string"),
        "c": ("lang", True, "string@en"),
        "d": ("typed", False, "xsd:date"),
        "e": ("typed", True, "xsd:integer"),
        "state_id": ("literal", True, "string"),
    }
    bound = bind(query, {"a": "http://example.org/a", "b": "x", "c": "y", "e": "-12",
                         "state_id": "z"})
    assert "__d_xsd_date" not in bound
    assert str(bound["_e_xsd_integer"]) == "-12"


def test_catalogue_and_lookup() -> None:
    slugs = [q.slug for q in catalogue()]
    assert slugs == sorted(p.stem for p in QUERY_FILES)
    assert isinstance(get_query("describe-resource"), CannedQuery)
    with pytest.raises(UsageError, match=r"valid names: .*state-identifier-crosswalk"):
        get_query("../queries/describe-resource")
