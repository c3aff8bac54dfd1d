"""Parameters are bound, never pasted: injection payloads (bad-inputs.md rows 13-14).

Each payload is sent as the value of a label parameter, on the embedded store and on a real
Oxigraph server (the remote path binds through the escaper and a VALUES block). A payload
must behave as plain data: zero rows when no label equals it, exactly the resource whose
label *is* the payload when the user data has one, no crash, and no request to the SERVICE
URL it names (a loopback server logs any request).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from trilat_kg.cli import cli
from trilat_kg.errors import UsageError
from trilat_kg.export import serialize_dataset
from trilat_kg.queries import (
    Param,
    bind,
    bind_values,
    catalogue,
    escape_string,
    get_query,
    make_term,
    run_query,
    sparql_term,
)
from trilat_kg.results import IRI, Literal
from trilat_kg.store import load_store

EXAMPLE = "http://example.org/payload/"


@pytest.fixture(scope="module")
def service_url(request_log) -> str:  # type: ignore[no-untyped-def]
    """A loopback server standing for the SERVICE an injection would call."""
    return request_log.url


@pytest.fixture(scope="module")
def payloads(service_url: str) -> list[str]:
    base = "Japan"
    return [
        base + '"',
        base + '" } ',
        base + '" . ?resource ?p ?o } #',
        base + "#",
        base + '" || true || "',
        base + "') || true || ('",
        base + "\\",
        base + "\\\"",
        base + "\n",
        base + "\t",
        base + "\r\n} UNION { ?resource ?p ?o }",
        base + f'" }} SERVICE <{service_url}> {{ ?s ?p ?o }} {{ "',
        f"SERVICE <{service_url}> {{ ?s ?p ?o }}",
        base + "\\u0022 } #",
        base + "\x00\x1f\u2028",
    ]


@pytest.fixture(scope="module")
def payload_data(tmp_path_factory: pytest.TempPathFactory, payloads: list[str]) -> Path:
    """User data where resource i has exactly payload i as its label (N-Triples escaping)."""
    lines = []
    for i, payload in enumerate(payloads):
        lexical = sparql_term(Literal(payload))  # same ECHAR escaping is valid N-Triples
        lexical = lexical.replace("\\'", "'")  # N-Triples has no \' escape
        lines.append(f"<{EXAMPLE}r{i}> <http://www.w3.org/2000/01/rdf-schema#label> "
                     f"{lexical}@en .\n")
    path = tmp_path_factory.mktemp("payloads") / "payloads.nt"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def resources(result: object) -> list[str]:
    return [str(row[1]) for row in result.rows]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- embedded store


def test_plain_label_finds_japan() -> None:
    assert resources(run_query("find-by-label", {"label": "Japan"})) == [
        "https://w3id.org/trilat-kg/id/states/japan"]


def test_payloads_are_plain_values_locally(payloads: list[str], payload_data: Path,
                                           request_log) -> None:  # type: ignore[no-untyped-def]
    plain = load_store()
    merged = load_store([payload_data])
    for i, payload in enumerate(payloads):
        assert run_query("find-by-label", {"label": payload}, store=plain).rows == [], payload
        found = run_query("find-by-label", {"label": payload}, store=merged)
        assert resources(found) == [f"{EXAMPLE}r{i}"], payload
        assert str(found.rows[0][0]) == payload
    assert request_log.requests == []


def test_payload_as_iri_is_refused(payloads: list[str]) -> None:
    store = load_store()
    messages = []
    for payload in payloads:
        with pytest.raises(UsageError) as info:
            run_query("describe-resource", {"resource": "http://example.org/" + payload},
                      store=store)
        messages.append(str(info.value))
    # "Japan#" makes a valid IRI, which the graph does not hold: refused as well, not empty
    assert sum("invalid IRI" in m for m in messages) == len(payloads) - 1
    assert sum("is not in the graph" in m for m in messages) == 1


@pytest.mark.parametrize(("value", "message"), [
    ("2016-02-30", "invalid date '2016-02-30'"),
    ('x" } #', "invalid date"),
    ("2016-2-3", "invalid date"),
    ("", "invalid date"),
])
def test_bad_date_is_exit_2_before_any_query(value: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["query", "lifecycle-steps-between", "--param",
                                      f"to={value}"])
    assert result.exit_code == 2
    assert f"parameter 'to' of 'lifecycle-steps-between': {message}" in result.stderr


def test_typed_values() -> None:
    integer = Param("n", "_n_xsd_integer", "typed", True,
                    "http://www.w3.org/2001/XMLSchema#integer")
    assert make_term(integer, "+42") == Literal("+42", integer.datatype)
    for bad in ["4.2", "nineteen", "1 } #"]:
        with pytest.raises(UsageError, match="invalid xsd:integer"):
            make_term(integer, bad)
    query = get_query("lifecycle-steps-between")
    with pytest.raises(UsageError, match="has no parameter 'until'"):
        bind(query, {"until": "2016-01-01"})


# ---------------------------------------------------------------- the audited escaper


def test_escaper_covers_every_echar_and_control() -> None:
    assert escape_string('a"b\'c\\d\te\nf\rg\bh\fi') == \
        'a\\"b\\\'c\\\\d\\te\\nf\\rg\\bh\\fi'
    assert escape_string("\x00\x1f\x7f\u2028") == "\\u0000\\u001F\\u007F\\u2028"
    assert escape_string("日本 Japan") == "日本 Japan"
    assert sparql_term(Literal("x", language="en")) == '"x"@en'
    assert sparql_term(Literal("1", "http://www.w3.org/2001/XMLSchema#integer")) == \
        '"1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    with pytest.raises(UsageError):
        sparql_term(IRI("http://example.org/a> } #"))


def test_bind_values_goes_inside_the_where_group() -> None:
    text = ('PREFIX ex: <http://ex/>\n# a { comment\nSELECT ?_a WHERE { ?s ex:p "{" .'
            ' FILTER(?s = ?_a) } ORDER BY ?s\n')
    bound = bind_values(text, {"_a": IRI("http://ex/a")})
    assert bound == text.replace(
        'WHERE { ', 'WHERE {\nVALUES (?_a) { (<http://ex/a>) }\n ')
    ox.Store().query(bound)


# ---------------------------------------------------------------- a real remote endpoint


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory, payload_data: Path,
             oxigraph_binary: str, oxigraph_server) -> str:  # type: ignore[no-untyped-def]
    """An Oxigraph server on a free loopback port, holding the dataset and the payload data.

    Loaded offline with ``oxigraph load`` from the N-Quads export (named graphs, and their
    merge as the default graph) and served read-only with stock settings (the shared
    fixture in conftest.py starts and stops it).
    """
    folder = tmp_path_factory.mktemp("oxigraph")
    dump = folder / "data.nq"
    dump.write_bytes(serialize_dataset("nq", extra=[payload_data]))
    subprocess.run([oxigraph_binary, "load", "--location", str(folder / "db"),
                    "--file", str(dump)], check=True, capture_output=True, timeout=120)
    return oxigraph_server(folder / "db", read_only=True, union=False) + "/query"


def test_remote_answers_equal_local(endpoint: str, payload_data: Path) -> None:
    local = load_store([payload_data])
    queries = [q for q in catalogue() if not q.network]
    assert queries
    for query in queries:
        assert run_query(query, endpoint=endpoint, timeout=30) == \
            run_query(query, store=local), query.slug
    params = {"from": "2016-01-01", "to": "2016-12-31"}
    assert run_query("lifecycle-steps-between", params, endpoint=endpoint) == \
        run_query("lifecycle-steps-between", params, store=local)


def test_payloads_are_plain_values_remotely(endpoint: str, payloads: list[str],
                                            request_log) -> None:  # type: ignore[no-untyped-def]
    for i, payload in enumerate(payloads):
        found = run_query("find-by-label", {"label": payload}, endpoint=endpoint, timeout=30)
        assert resources(found) == [f"{EXAMPLE}r{i}"], payload
        assert str(found.rows[0][0]) == payload
        missing = run_query("find-by-label", {"label": payload + " (no such label)"},
                            endpoint=endpoint, timeout=30)
        assert missing.rows == [], payload
    assert request_log.requests == []


def test_remote_cli_json(endpoint: str) -> None:
    result = CliRunner().invoke(cli, ["query", "find-by-label", "--param", "label=Japan",
                                      "--endpoint", endpoint, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert '"value": "https://w3id.org/trilat-kg/id/states/japan"' in result.stdout
