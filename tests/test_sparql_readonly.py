"""Ad-hoc queries are read-only: no update, SERVICE, FROM / FROM NAMED or LOAD (row 15).

pyoxigraph runs SERVICE by making an HTTP request from Rust, so the refusal must come before
the engine sees the text; a loopback server proves no request is made.
"""

from __future__ import annotations

import pytest

from trilat_kg.errors import DataError, UsageError
from trilat_kg.sparql import check_read_only, run_sparql, tokenize
from trilat_kg.store import load_store


@pytest.fixture(scope="module")
def url(request_log) -> str:  # type: ignore[no-untyped-def]
    return request_log.url


FORBIDDEN = [
    ("SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", "SERVICE"),
    ("SELECT * WHERE {{ service silent <{url}> {{ ?s ?p ?o }} }}", "SERVICE"),
    ("SELECT * WHERE {{ ?s ?p ?o . SERVICE ?x {{ ?s ?p ?o }} VALUES ?x {{ <{url}> }} }}",
     "SERVICE"),
    ("SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}", "FROM"),
    ("SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", "FROM"),
    ("SELECT * FROM <file:///etc/passwd> WHERE {{ ?s ?p ?o }}", "FROM"),
    ("LOAD <{url}>", "LOAD"),
    ("INSERT DATA {{ <http://ex/a> <http://ex/b> <http://ex/c> }}", "INSERT"),
    ("DELETE WHERE {{ ?s ?p ?o }}", "DELETE"),
    ("CLEAR ALL", "CLEAR"),
    ("DROP GRAPH <http://ex/g>", "DROP"),
    ("CREATE GRAPH <http://ex/g>", "CREATE"),
    ("COPY DEFAULT TO <http://ex/g>", "COPY"),
    ("MOVE DEFAULT TO <http://ex/g>", "MOVE"),
    ("ADD DEFAULT TO <http://ex/g>", "ADD"),
    ("WITH <http://ex/g> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}", "WITH"),
    ("SELECT * WHERE {{ ?s ?p ?o }} ;\nINSERT DATA {{ <http://ex/a> <http://ex/b> 1 }}",
     "INSERT"),
    ('SELECT * WHERE {{ ?s ?p "#" . SERVICE <{url}> {{ ?s ?p ?o }} }}', "SERVICE"),
]


@pytest.mark.parametrize(("template", "keyword"), FORBIDDEN)
def test_forbidden_is_refused_without_a_request(template: str, keyword: str, url: str,
                                                request_log) -> None:  # type: ignore[no-untyped-def]
    text = template.format(url=url)
    with pytest.raises(UsageError, match=rf"^q\.rq:\d+: refused {keyword}") as info:
        run_sparql(text, source="q.rq")
    assert "read-only" in str(info.value)
    assert request_log.requests == []


def test_refusal_names_the_line() -> None:
    with pytest.raises(UsageError, match=r"^query:3: refused SERVICE"):
        check_read_only("SELECT *\nWHERE {\n  SERVICE <http://ex/> { ?s ?p ?o } }")


ALLOWED = [
    'SELECT ?s WHERE { ?s ?p "how to LOAD, INSERT or DROP a SERVICE FROM here" }',
    "SELECT ?s WHERE { ?s ?p '''multi\nline SERVICE\n''' }",
    "SELECT ?s WHERE { ?s <http://example.org/service> ?o }",
    "SELECT ?s WHERE { ?s ?p ?o } # SERVICE <http://ex/> FROM <x>",
    "PREFIX from: <http://example.org/from/>\nSELECT ?s WHERE { ?s from:load ?service }",
    "SELECT ?from ?load WHERE { ?from ?load ?with }",
    'SELECT ?s WHERE { ?s ?p "escaped \\" SERVICE" }',
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != 'a\\'b SERVICE') }",
]


@pytest.mark.parametrize("text", ALLOWED)
def test_keywords_inside_strings_iris_comments_and_names_are_fine(text: str) -> None:
    check_read_only(text)
    assert run_sparql(text, store=_store()).variables  # type: ignore[arg-type]


_CACHE: dict[str, object] = {}


def _store() -> object:
    if "store" not in _CACHE:
        _CACHE["store"] = load_store()
    return _CACHE["store"]


def test_tokenizer_kinds() -> None:
    kinds = [(t.kind, t.text) for t in tokenize(
        'PREFIX ex: <http://ex/> SELECT ?a $b WHERE { ?a ex:p "x"@en , 1.5 } # c')]
    assert kinds == [
        ("word", "PREFIX"), ("pname", "ex:"), ("iri", "<http://ex/>"), ("word", "SELECT"),
        ("var", "?a"), ("var", "$b"), ("word", "WHERE"), ("punct", "{"), ("var", "?a"),
        ("pname", "ex:p"), ("string", '"x"'), ("langtag", "@en"), ("punct", ","),
        ("number", "1.5"), ("punct", "}"),
    ]


def test_union_default_graph_and_named_graphs() -> None:
    japan = "<https://w3id.org/trilat-kg/id/states/japan>"
    union = run_sparql(f"SELECT DISTINCT ?code WHERE {{ {japan} "
                       "<https://w3id.org/trilat-kg/ontology#iso3166Alpha2> ?code }",
                       store=_store())  # type: ignore[arg-type]
    assert [str(r[0]) for r in union] == ["JP"]
    graphs = run_sparql(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {japan} ?p ?o }} }} ORDER BY ?g",
                        store=_store())  # type: ignore[arg-type]
    assert [str(r[0]) for r in graphs] == ["https://w3id.org/trilat-kg/graphs/essay",
                                           "https://w3id.org/trilat-kg/graphs/external"]


def test_construct_and_limit() -> None:
    result = run_sparql("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                        store=_store())  # type: ignore[arg-type]
    assert result.variables == ["subject", "predicate", "object"]
    assert len(result) > 100
    limited = run_sparql("SELECT ?s WHERE { ?s ?p ?o }", store=_store(),  # type: ignore[arg-type]
                         limit=3)
    assert len(limited) == 3


def test_syntax_error_is_data_error_with_line() -> None:
    with pytest.raises(DataError, match=r"^mine\.rq:2: .*\(column \d+\)$"):
        run_sparql("SELECT ?s WHERE {\n  ?s ?p }", store=_store(),  # type: ignore[arg-type]
                   source="mine.rq")
    with pytest.raises(DataError, match=r"^mine\.rq:1: "):
        run_sparql("SELECT ?s WHERE { ?s nope:p ?o }", store=_store(),  # type: ignore[arg-type]
                   source="mine.rq")
