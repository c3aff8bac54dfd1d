"""`trilat-kg serve`: the read-only SPARQL endpoint (bad-inputs.md rows 13, 15, 33-36).

One server is started in-process on 127.0.0.1, port 0, for the module (with a generated
10k-triple --data file for the pathological queries and the injection payloads as labels),
and stopped at the end. Exit codes and signals run through the CLI: port in use in-process,
Ctrl-C in a subprocess.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from trilat_kg.cli import cli
from trilat_kg.queries import run_query, sparql_term
from trilat_kg.results import Literal, QueryResult, from_sparql_json
from trilat_kg.serve import TRUNCATED_HEADER, SparqlServer, bind_warning, is_loopback
from trilat_kg.sparql import run_sparql
from trilat_kg.store import load_store

JAPAN = "https://w3id.org/trilat-kg/id/states/japan"
STATE = "https://w3id.org/trilat-kg/ontology#State"
STATES_QUERY = f"SELECT ?state WHERE {{ ?state a <{STATE}> }}"
JSON_RESULTS = "application/sparql-results+json"
XML_RESULTS = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
EXAMPLE = "http://example.org/payload/"
MAX_ROWS = 500
MAX_QUERY_BYTES = 4096
TIMEOUT = 2.0


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def payloads(request_log) -> list[str]:  # type: ignore[no-untyped-def]
    """The injection payloads of bad-inputs row 13 (as in test_params), SERVICE at a logger."""
    url = request_log.url
    base = "Japan"
    return [
        base + '"', base + '" } ', base + '" . ?resource ?p ?o } #', base + "#",
        base + '" || true || "', base + "') || true || ('", base + "\\", base + "\\\"",
        base + "\n", base + "\t", base + "\r\n} UNION { ?resource ?p ?o }",
        base + f'" }} SERVICE <{url}> {{ ?s ?p ?o }} {{ "',
        f"SERVICE <{url}> {{ ?s ?p ?o }}", base + "\\u0022 } #", base + "\x00\x1f\u2028",
    ]


@pytest.fixture(scope="module")
def data_files(tmp_path_factory: pytest.TempPathFactory, payloads: list[str]) -> list[Path]:
    """A 10k-triple file (28 a's then b: food for cartesian products and the REGEX) and a
    file where resource i has exactly payload i as its label."""
    folder = tmp_path_factory.mktemp("serve")
    big = folder / "big.nt"
    big.write_text("".join(f'<http://example.org/s{i}> <http://example.org/p> "{"a" * 28}b{i}" .\n'
                           for i in range(10_000)), encoding="utf-8")
    labels = folder / "payloads.nt"
    lines = []
    for i, payload in enumerate(payloads):
        lexical = sparql_term(Literal(payload)).replace("\\'", "'")  # N-Triples has no \'
        lines.append(f"<{EXAMPLE}r{i}> <http://www.w3.org/2000/01/rdf-schema#label> "
                     f"{lexical}@en .\n")
    labels.write_text("".join(lines), encoding="utf-8")
    return [big, labels]


@pytest.fixture(scope="module")
def store(data_files: list[Path]) -> ox.Store:
    """The embedded store with the same data, to compare the server's answers against."""
    return load_store(data_files)


class Served:
    """The running server, its request log lines and a small HTTP client."""

    def __init__(self, server: SparqlServer, log: list[str]) -> None:
        self.server = server
        self.log = log
        parts = urlsplit(server.url)
        self.host, self.port = parts.hostname or "", parts.port or 0

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None,
                timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def get(self, path: str, **params: str) -> tuple[int, dict[str, str], bytes]:
        accept = params.pop("accept", None)
        return self.get_pairs(path, list(params.items()), accept)

    def get_pairs(self, path: str, pairs: Sequence[tuple[str, str]],
                  accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
        """GET with parameters that may repeat (``format=a&format=b``)."""
        query = f"?{urlencode(pairs)}" if pairs else ""
        return self.request("GET", path + query, headers={"Accept": accept} if accept else {})

    def sparql(self, text: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
        return self.get("/sparql", query=text, **({"accept": accept} if accept else {}))


@pytest.fixture(scope="module")
def served(data_files: list[Path]) -> Iterator[Served]:
    log: list[str] = []
    server = SparqlServer("127.0.0.1", 0, extra=data_files, timeout=TIMEOUT, max_rows=MAX_ROWS,
                          max_query_bytes=MAX_QUERY_BYTES, client_timeout=2, log=log.append)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(server, log)
    finally:
        server.shutdown()
        server.close()
        thread.join(10)


def result_of(body: bytes) -> QueryResult:
    return from_sparql_json(json.loads(body))


def values_of(body: bytes, content_type: str) -> list[tuple[str, ...]]:
    """The rows of a SELECT answer in any of the four results formats, as lexical values."""
    media = content_type.split(";")[0].strip()
    if media == CSV:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
        return [tuple(row) for row in rows[1:]]
    answer = ox.parse_query_results(body, ox.QueryResultsFormat.from_media_type(media))
    width = len(answer.variables)
    return [tuple("" if sol[i] is None else sol[i].value for i in range(width))
            for sol in answer]


@pytest.fixture(scope="module")
def states(store: ox.Store) -> set[str]:
    """The IRIs of the seven states, from the embedded store."""
    found = {sol["state"].value for sol in store.query(STATES_QUERY)}
    assert len(found) == 7
    return found


# ---------------------------------------------------------------- answers


@pytest.mark.parametrize("slug", ["state-identifier-crosswalk", "agreements-of-actor"])
def test_select_equals_the_embedded_answer(served: Served, store: ox.Store, slug: str) -> None:
    from trilat_kg.queries import get_query

    expected = run_query(slug, store=store)
    text = get_query(slug).text
    if slug == "agreements-of-actor":  # the raw text has an unbound parameter: bind it in SPARQL
        text = text.replace("?_actor_iri", f"<{JAPAN}>").replace(f"DISTINCT <{JAPAN}>", "DISTINCT")
        expected = run_sparql(text, store=store)
    status, headers, body = served.sparql(text)
    assert status == 200, body
    assert headers["Content-Type"] == "application/sparql-results+json"
    assert len(expected) > 0
    assert result_of(body) == expected


def test_canned_query_with_a_parameter(served: Served, store: ox.Store) -> None:
    status, _, body = served.get("/queries/agreements-of-actor", actor=JAPAN)
    assert status == 200, body
    expected = run_query("agreements-of-actor", {"actor": JAPAN}, store=store)
    assert len(expected) > 0
    assert result_of(body) == expected


def test_canned_query_defaults_and_csv(served: Served, store: ox.Store) -> None:
    status, headers, body = served.get("/queries/find-by-label", accept="text/csv")
    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == ["_label", "resource", "type"]
    assert [r[1] for r in rows[1:]] == [str(r[1]) for r in run_query("find-by-label",
                                                                        store=store)]


def test_injection_payloads_are_plain_values(served: Served, store: ox.Store,
                                             payloads: list[str],
                                             request_log) -> None:  # type: ignore[no-untyped-def]
    for i, payload in enumerate(payloads):
        status, _, body = served.get("/queries/find-by-label", label=payload)
        assert status == 200, (payload, body)
        answer = result_of(body)
        assert answer == run_query("find-by-label", {"label": payload}, store=store), payload
        assert [str(row[1]) for row in answer] == [f"{EXAMPLE}r{i}"], payload
        assert str(answer.rows[0][0]) == payload
    assert request_log.requests == []


@pytest.mark.parametrize(("params", "message"), [
    ({"actor": "not an iri"}, "invalid IRI 'not an iri'"),
    ({"actor": JAPAN, "nosuch": "x"}, "has no parameter 'nosuch'"),
])
def test_bad_parameter_is_400_with_the_message(served: Served, params: dict[str, str],
                                               message: str) -> None:
    status, _, body = served.get("/queries/agreements-of-actor", **params)
    assert status == 400
    text = body.decode()
    assert message in text
    assert text.count("\n") == 1


def test_unknown_canned_query_is_404(served: Served) -> None:
    status, _, body = served.get("/queries/nosuch")
    assert status == 404
    assert b"valid names" in body


def test_federated_canned_query_is_refused(served: Served) -> None:
    status, _, body = served.get("/queries/wikidata-state-population")
    assert status == 400
    assert b"SERVICE" in body


def test_ask_and_post_forms(served: Served) -> None:
    ask = f"ASK {{ <{JAPAN}> ?p ?o }}"
    status, _, body = served.sparql(ask)
    assert (status, json.loads(body)) == (200, {"head": {}, "boolean": True})
    status, _, body = served.request("POST", "/sparql", ask.encode(),
                                     {"Content-Type": "application/sparql-query"})
    assert (status, json.loads(body)["boolean"]) == (200, True)
    status, _, body = served.request(
        "POST", "/sparql", urlencode({"query": "ASK { <http://ex/nothing> ?p ?o }"}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"})
    assert (status, json.loads(body)["boolean"]) == (200, False)


@pytest.mark.parametrize(("accept", "params", "fmt", "content_type"), [
    (None, {}, ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    ("*/*", {}, ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    ("text/turtle", {}, ox.RdfFormat.TURTLE, "text/turtle"),
    ("application/ld+json", {}, ox.RdfFormat.JSON_LD, "application/ld+json"),
    ("application/rdf+xml", {}, ox.RdfFormat.RDF_XML, "application/rdf+xml"),
    ("text/plain", {}, ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    ("text/*", {}, ox.RdfFormat.TURTLE, "text/turtle"),
    ("application/rdf+xml;q=0.5, text/turtle", {}, ox.RdfFormat.TURTLE, "text/turtle"),
    ("text/turtle", {"format": "nt"}, ox.RdfFormat.N_TRIPLES, "application/n-triples"),
    (None, {"format": "ttl"}, ox.RdfFormat.TURTLE, "text/turtle"),
    (None, {"output": "json-ld"}, ox.RdfFormat.JSON_LD, "application/ld+json"),
    (None, {"results": "xml"}, ox.RdfFormat.RDF_XML, "application/rdf+xml"),
    (None, {"format": "application/rdf+xml"}, ox.RdfFormat.RDF_XML, "application/rdf+xml"),
])
def test_construct(served: Served, store: ox.Store, accept: str | None,
                   params: dict[str, str], fmt: ox.RdfFormat, content_type: str) -> None:
    text = f"CONSTRUCT {{ <{JAPAN}> ?p ?o }} WHERE {{ <{JAPAN}> ?p ?o }}"
    status, headers, body = served.get("/sparql", query=text, **params,
                                       **({"accept": accept} if accept else {}))
    assert status == 200, body
    assert headers["Content-Type"].startswith(content_type)
    got = {(t.subject, t.predicate, t.object) for t in ox.parse(body, format=fmt)}
    expected = {(t.subject, t.predicate, t.object)
                for t in store.query(text)}
    assert got == expected
    assert len(expected) > 5


def test_states_are_counted_once(served: Served) -> None:
    """The default graph is the RDF merge of the named graphs: a state described in several
    graphs is one state."""
    status, _, body = served.sparql(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a <{STATE}> }}")
    assert status == 200, body
    assert [str(row[0]) for row in result_of(body)] == ["7"]


@pytest.mark.parametrize(("accept", "params", "media"), [
    (None, {}, JSON_RESULTS),
    ("*/*", {}, JSON_RESULTS),
    (XML_RESULTS, {}, XML_RESULTS),
    ("application/xml", {}, XML_RESULTS),
    (CSV, {}, CSV),
    (TSV, {}, TSV),
    ("application/json", {}, JSON_RESULTS),
    ("text/*", {}, CSV),
    ("text/csv;q=0.5, application/sparql-results+xml", {}, XML_RESULTS),
    ("text/*, text/csv;q=0", {}, TSV),
    ("text/csv, text/tab-separated-values", {}, CSV),
    ("text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2", {}, JSON_RESULTS),  # Java's
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", {}, XML_RESULTS),
    (CSV, {"format": "json"}, JSON_RESULTS),  # the parameter wins over Accept
    (None, {"format": "xml"}, XML_RESULTS),
    (None, {"output": "csv"}, CSV),
    (None, {"results": "tsv"}, TSV),
    (None, {"format": "text/csv"}, CSV),
    (None, {"format": "application/sparql-results json"}, JSON_RESULTS),  # '+' unescaped
    (None, {"output": "SRX"}, XML_RESULTS),
    (CSV, {"format": ""}, CSV),  # an empty value asks for nothing
])
def test_select_formats(served: Served, states: set[str], accept: str | None,
                        params: dict[str, str], media: str) -> None:
    status, headers, body = served.get("/sparql", query=STATES_QUERY, **params,
                                       **({"accept": accept} if accept else {}))
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media
    assert headers["Vary"] == "Accept"
    values = values_of(body, headers["Content-Type"])
    assert {row[0] for row in values} == states
    assert len(values) == 7


@pytest.mark.parametrize(("pairs", "media"), [
    ([("format", "tsv"), ("format", TSV)], TSV),  # what SPARQLWrapper sends for TSV
    ([("format", "html"), ("output", "csv")], CSV),  # the first value that is offered
    ([("format", ""), ("output", "xml"), ("results", "xml")], XML_RESULTS),
])
def test_repeated_format_parameters(served: Served, states: set[str],
                                    pairs: list[tuple[str, str]], media: str) -> None:
    status, headers, body = served.get_pairs("/sparql", [("query", STATES_QUERY), *pairs])
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media
    assert {row[0] for row in values_of(body, headers["Content-Type"])} == states


@pytest.mark.parametrize("media", [JSON_RESULTS, XML_RESULTS, CSV, TSV])
def test_ask_in_every_format(served: Served, media: str) -> None:
    status, headers, body = served.sparql(f"ASK {{ <{JAPAN}> a <{STATE}> }}", media)
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media
    if media in (JSON_RESULTS, XML_RESULTS):
        answer = ox.parse_query_results(body, ox.QueryResultsFormat.from_media_type(media))
        assert bool(answer) is True
    else:
        assert b"true" in body


@pytest.mark.parametrize(("form", "accept", "params"), [
    ("SELECT", "text/html", {}),
    ("SELECT", "text/csv;q=0", {}),
    ("SELECT", None, {"format": "html"}),
    ("SELECT", CSV, {"format": "turtle"}),  # a graph format for a SELECT
    ("ASK", "text/turtle", {}),
    ("CONSTRUCT", JSON_RESULTS, {}),
    ("CONSTRUCT", None, {"output": "csv"}),
])
def test_not_acceptable_is_406_with_what_is_offered(served: Served, form: str,
                                                     accept: str | None,
                                                     params: dict[str, str]) -> None:
    text = {"SELECT": STATES_QUERY, "ASK": f"ASK {{ <{JAPAN}> ?p ?o }}",
            "CONSTRUCT": f"CONSTRUCT WHERE {{ <{JAPAN}> ?p ?o }}"}[form]
    status, headers, body = served.get("/sparql", query=text, **params,
                                       **({"accept": accept} if accept else {}))
    assert status == 406, body
    assert headers["Content-Type"].startswith("text/plain")
    message = body.decode()
    assert message.startswith("trilat-kg: error: not acceptable (")
    assert message.count("\n") == 1
    if form == "CONSTRUCT":
        assert "text/turtle, application/ld+json, application/rdf+xml" in message
    else:
        assert f"{JSON_RESULTS}, {XML_RESULTS}, {CSV}, {TSV}" in message
        assert "format=json, xml, csv or tsv" in message


def test_canned_query_formats(served: Served, store: ox.Store) -> None:
    expected = run_query("agreements-of-actor", {"actor": JAPAN}, store=store)
    assert len(expected) > 0
    lexical = [tuple("" if t is None else t.value for t in row) for row in expected]
    for params, accept, media in [({"format": "xml"}, None, XML_RESULTS),
                                  ({"output": "tsv"}, JSON_RESULTS, TSV),
                                  ({}, f"{TSV};q=0.4, {CSV}", CSV)]:
        status, headers, body = served.get("/queries/agreements-of-actor", actor=JAPAN,
                                           **params, **({"accept": accept} if accept else {}))
        assert status == 200, body
        assert headers["Content-Type"].split(";")[0] == media
        assert values_of(body, headers["Content-Type"]) == lexical
    status, _, body = served.get("/queries/agreements-of-actor", actor=JAPAN, format="html")
    assert status == 406
    assert b"not acceptable (format=html)" in body


def test_format_parameters_of_post_requests(served: Served, states: set[str],
                                            request_log) -> None:  # type: ignore[no-untyped-def]
    status, headers, body = served.request("POST", "/sparql?format=csv", STATES_QUERY.encode(),
                                           {"Content-Type": "application/sparql-query"})
    assert status == 200, body
    assert headers["Content-Type"].startswith(CSV)
    assert {row[0] for row in values_of(body, headers["Content-Type"])} == states
    form = urlencode({"query": STATES_QUERY, "output": "xml"}).encode()
    status, headers, body = served.request("POST", "/sparql", form, {
        "Content-Type": "application/x-www-form-urlencoded", "Accept": CSV})
    assert status == 200, body
    assert headers["Content-Type"].startswith(XML_RESULTS)
    assert {row[0] for row in values_of(body, headers["Content-Type"])} == states
    # parameters of the URL are read for a POST too, so a dataset in it is refused
    status, _, body = served.request(
        "POST", "/sparql?" + urlencode({"default-graph-uri": request_log.url}),
        STATES_QUERY.encode(), {"Content-Type": "application/sparql-query"})
    assert status == 400, body
    status, _, body = served.request("POST", "/sparql?" + urlencode({"query": "ASK {}"}),
                                     STATES_QUERY.encode(),
                                     {"Content-Type": "application/sparql-query"})
    assert status == 400, body
    assert request_log.requests == []


@pytest.mark.parametrize("media", [JSON_RESULTS, TSV])
def test_payload_labels_survive_every_format(served: Served, store: ox.Store,
                                             media: str) -> None:
    """Answers are cut to the row cap by writing the kept rows as TSV and reading them back;
    quotes, backslashes, tabs, newlines and control characters must come through whole."""
    text = ("SELECT ?r ?label WHERE { ?r <http://www.w3.org/2000/01/rdf-schema#label> ?label "
            f'FILTER(STRSTARTS(STR(?r), "{EXAMPLE}")) }} ORDER BY ?r')
    status, _, body = served.sparql(text, media)
    assert status == 200, body
    got = [(sol["r"], sol["label"]) for sol in
           ox.parse_query_results(body, ox.QueryResultsFormat.from_media_type(media))]
    expected = [(sol["r"], sol["label"]) for sol in store.query(text)]
    assert len(expected) > 10
    assert got == expected


# ---------------------------------------------------------------- clients


@pytest.mark.parametrize("fmt", ["xml", "json", "csv", "tsv"])
def test_sparqlwrapper_select(served: Served, states: set[str], fmt: str) -> None:
    """SPARQLWrapper in its default (XML) mode and its JSON, CSV and TSV modes: the format
    it asks for comes back, with no warning about the returned format."""
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(served.server.url)
    client.setQuery(STATES_QUERY)
    if fmt != "xml":
        client.setReturnFormat(fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # SPARQLWrapper's format warnings
        result = client.query()
        converted = result.convert()
    content_type = result.info()["content-type"]
    if fmt == "xml":
        assert content_type == XML_RESULTS
        found = [n.firstChild.data for n in converted.getElementsByTagName("uri")]
    elif fmt == "json":
        assert content_type == JSON_RESULTS
        found = [b["state"]["value"] for b in converted["results"]["bindings"]]
    else:
        assert content_type.startswith(CSV if fmt == "csv" else TSV)
        found = [row[0] for row in values_of(converted, content_type)]
    assert len(found) == 7
    assert set(found) == states


@pytest.mark.parametrize("fmt", ["turtle", "n3", "xml", "rdf+xml", "json-ld"])
def test_sparqlwrapper_construct(served: Served, store: ox.Store, fmt: str) -> None:
    from SPARQLWrapper import SPARQLWrapper

    text = f"CONSTRUCT WHERE {{ <{JAPAN}> ?p ?o }}"
    client = SPARQLWrapper(served.server.url)
    client.setQuery(text)
    client.setReturnFormat(fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's ConjunctiveGraph
        converted = client.query().convert()
    if isinstance(converted, bytes):  # Turtle and N3 come as text
        count = len(list(ox.parse(converted, format=ox.RdfFormat.TURTLE)))
    else:  # an rdflib graph
        count = len(converted)
    assert count == len(list(store.query(text))) > 5


def test_rows_are_cut_at_max_rows_with_a_header(served: Served) -> None:
    status, headers, body = served.sparql("SELECT ?s WHERE { ?s <http://example.org/p> ?o }")
    assert status == 200
    assert headers[TRUNCATED_HEADER] == str(MAX_ROWS)
    assert len(result_of(body)) == MAX_ROWS
    status, headers, _ = served.sparql(f"SELECT ?p WHERE {{ <{JAPAN}> ?p ?o }}")
    assert status == 200
    assert TRUNCATED_HEADER not in headers


@pytest.mark.parametrize("media", [XML_RESULTS, CSV, TSV, "application/n-triples",
                                   "text/turtle", "application/ld+json",
                                   "application/rdf+xml"])
def test_rows_are_cut_in_every_format(served: Served, media: str) -> None:
    graph = not media.startswith(("application/sparql", "text/csv", "text/tab"))
    text = ("CONSTRUCT WHERE { ?s <http://example.org/p> ?o }" if graph
            else "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }")
    status, headers, body = served.sparql(text, media)
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media
    assert headers[TRUNCATED_HEADER] == str(MAX_ROWS)
    if graph:
        assert len(list(ox.parse(body, format=ox.RdfFormat.from_media_type(media)))) == MAX_ROWS
    else:
        assert len(values_of(body, headers["Content-Type"])) == MAX_ROWS


def test_help_page_names_the_endpoint_and_canned_queries(served: Served) -> None:
    status, headers, body = served.get("/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    text = body.decode()
    assert served.server.url in text
    assert "/queries/agreements-of-actor?actor=IRI" in text
    assert "/queries/find-by-label" in text


def test_syntax_error_is_400(served: Served) -> None:
    status, _, body = served.sparql("SELEC ?s WHERE { ?s ?p ?o }")
    assert status == 400
    assert body.startswith(b"trilat-kg: error: query:1:")


# ---------------------------------------------------------------- refusals


FORBIDDEN = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "LOAD <{url}>",
    "INSERT DATA {{ <http://ex/a> <http://ex/b> <http://ex/c> }}",
    "DELETE WHERE {{ ?s ?p ?o }}",
]


@pytest.mark.parametrize("template", FORBIDDEN)
def test_forbidden_is_400_without_a_request(served: Served, template: str,
                                            request_log) -> None:  # type: ignore[no-untyped-def]
    text = template.format(url=request_log.url)
    status, _, body = served.sparql(text)
    assert status == 400, body
    assert b"read-only" in body
    status, _, body = served.request("POST", "/sparql", text.encode(),
                                     {"Content-Type": "application/sparql-query"})
    assert status == 400, body
    assert request_log.requests == []


@pytest.mark.parametrize(("body", "content_type"), [
    (b"INSERT DATA { <http://ex/a> <http://ex/b> 1 }", "application/sparql-update"),
    (urlencode({"update": "CLEAR ALL"}).encode(), "application/x-www-form-urlencoded"),
])
def test_update_operations_are_400(served: Served, body: bytes, content_type: str) -> None:
    status, _, answer = served.request("POST", "/sparql", body, {"Content-Type": content_type})
    assert status == 400
    assert b"read-only" in answer


def test_graph_uri_parameters_are_400(served: Served,
                                      request_log) -> None:  # type: ignore[no-untyped-def]
    status, _, _ = served.get("/sparql", query="SELECT * WHERE { ?s ?p ?o } LIMIT 1",
                              **{"default-graph-uri": request_log.url})
    assert status == 400
    assert request_log.requests == []


def test_oversized_query_and_body_are_413(served: Served) -> None:
    text = "SELECT * WHERE { ?s ?p ?o } #" + "x" * MAX_QUERY_BYTES
    status, _, body = served.sparql(text)
    assert status == 413, body
    status, _, body = served.request("POST", "/sparql", text.encode(),
                                     {"Content-Type": "application/sparql-query"})
    assert status == 413, body
    assert b"above the limit" in body


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "192.0.2.1",
                                  "localhost.evil.example"])
def test_non_loopback_host_header_is_403(served: Served, host: str) -> None:
    status, _, _ = served.request("GET", "/sparql?query=ASK%7B%7D", headers={"Host": host})
    assert status == 403


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_loopback_host_header_is_served(served: Served, host: str) -> None:
    status, _, _ = served.request("GET", "/sparql?query=ASK%7B%7D",
                                  headers={"Host": f"{host}:{served.port}"})
    assert status == 200


def test_host_helpers() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("[::1]")
    assert is_loopback("127.8.9.10")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")
    assert bind_warning("127.0.0.1") is None
    warning = bind_warning("0.0.0.0")
    assert warning is not None and "warning" in warning and "other machines" in warning


def test_write_methods_are_405(served: Served) -> None:
    status, headers, _ = served.request("PUT", "/sparql", b"x", {"Content-Type": "text/turtle"})
    assert status == 405
    assert headers["Allow"] == "GET, POST"


def test_idle_socket_does_not_block_others(served: Served) -> None:
    """A client that connects and sends half a request line holds one thread, no more."""
    idle = socket.create_connection((served.host, served.port), timeout=15)
    closed = threading.Event()

    def hold() -> None:
        idle.sendall(b"GET /spa")
        try:
            if idle.recv(1024) == b"":  # the server's socket timeout closed it
                closed.set()
        except OSError:
            closed.set()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    try:
        for _ in range(3):
            status, _, _ = served.sparql(f"ASK {{ <{JAPAN}> ?p ?o }}")
            assert status == 200
        holder.join(15)
        assert closed.is_set()  # within a generous bound: client_timeout is 2 s
    finally:
        idle.close()


# ---------------------------------------------------------------- the deadline


PATHOLOGICAL = {
    "cartesian": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }",
    "order-by": "SELECT ?b ?d WHERE { ?a ?p ?b . ?c ?q ?d } ORDER BY DESC(?b) ?d",
    # anchored: no pair can match, so no row is ready before the deadline, whatever the order
    "regex": 'SELECT ?a WHERE { ?a ?p ?b . ?c ?q ?d FILTER REGEX(CONCAT(?b, ?d), "^(a+)+$") }',
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_query_is_503_and_the_next_is_served(served: Served, name: str) -> None:
    started = time.monotonic()
    status, _, body = served.sparql(PATHOLOGICAL[name])
    elapsed = time.monotonic() - started
    assert status == 503, body
    # stopped at the deadline, or earlier by the worker's memory cap (ORDER BY grows fast)
    assert b"query stopped after 2 s" in body or b"ran out of memory" in body
    assert elapsed < 20  # a generous bound, not a timing test
    status, _, body = served.sparql(f"ASK {{ <{JAPAN}> ?p ?o }}")
    assert (status, json.loads(body)["boolean"]) == (200, True)


# ---------------------------------------------------------------- under load


def wait_for(condition: Callable[[], bool], what: str, limit: float = 60) -> None:
    """Poll ``condition`` until it holds; fail after ``limit`` seconds (a bound, not a timing)."""
    end = time.monotonic() + limit
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"{what}: not within {limit:g} s")
        time.sleep(0.02)


def test_canned_answer_is_served_again_byte_for_byte(served: Served) -> None:
    path = "/queries/state-identifier-crosswalk"
    status, headers, body = served.get(path, accept=CSV)
    assert status == 200, body
    jobs = served.server.pool.jobs
    again = served.get(path, accept=CSV)
    assert again == (200, {**again[1], "Content-Type": headers["Content-Type"]}, body)
    assert again[1]["Vary"] == "Accept"
    assert served.server.pool.jobs == jobs  # no worker was asked the second time
    # another format is another answer, computed once and then kept too
    status, headers, body = served.get(path, format="json")
    assert (status, headers["Content-Type"]) == (200, JSON_RESULTS)
    assert served.server.pool.jobs == jobs + 1
    assert served.get(path, format="json")[2] == body
    assert served.server.pool.jobs == jobs + 1


def test_cached_answers_follow_the_parameters(served: Served, store: ox.Store,
                                              states: set[str]) -> None:
    path = "/queries/agreements-of-actor"
    for _ in range(2):
        for state in sorted(states)[:3]:
            status, _, body = served.get(path, actor=state)
            assert status == 200, body
            assert result_of(body) == run_query("agreements-of-actor", {"actor": state},
                                                store=store)


def test_sparql_answers_are_computed_each_time(served: Served) -> None:
    jobs = served.server.pool.jobs
    first = served.sparql(STATES_QUERY)
    second = served.sparql(STATES_QUERY)
    assert first[0] == second[0] == 200
    assert first[2] == second[2]
    assert served.server.pool.jobs == jobs + 2


def test_volatile_queries_are_not_kept() -> None:
    from trilat_kg.queries import catalogue
    from trilat_kg.serve import _repeatable

    assert not _repeatable("SELECT (NOW() AS ?t) {}")
    assert not _repeatable("SELECT (rand ( ) AS ?r) {}")
    assert not _repeatable("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o BIND(BNODE() AS ?b) }")
    assert not _repeatable("SELECT (STRUUID() AS ?u) (UUID() AS ?v) {}")
    assert _repeatable(STATES_QUERY)
    assert all(_repeatable(query.text) for query in catalogue())


def test_a_burst_of_clients_is_answered(served: Served) -> None:
    """More clients at once than the listen backlog of socketserver's default (5) and than
    the workers: every request is answered, none refused or reset."""
    statuses: list[int] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        for path in ("/queries/state-identifier-crosswalk", f"/sparql?query={quote(STATES_QUERY)}"):
            try:
                status = served.request("GET", path, timeout=60)[0]
            except OSError:
                status = 0
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert statuses == [200] * 128


@pytest.fixture
def lanes(data_files: list[Path]) -> Iterator[Served]:
    """A server with one worker for cheap queries and a slow lane of one."""
    log: list[str] = []
    server = SparqlServer("127.0.0.1", 0, extra=data_files, timeout=6, workers=1, slow_lane=1,
                          slow_after=0.2, client_timeout=5, log=log.append)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(server, log)
    finally:
        server.shutdown()
        server.close()
        thread.join(10)


def test_a_long_query_in_the_slow_lane_does_not_hold_up_cheap_ones(lanes: Served) -> None:
    """While a cartesian product runs out its deadline in the slow lane, cheap queries (one
    after another and several at once) are all answered before it ends; a second long query
    finds the slow lane full and is stopped at once, and the first runs on."""
    answers: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def ask(name: str, text: str) -> None:
        answers[name] = lanes.sparql(text)

    long_query = threading.Thread(target=ask, args=("long", PATHOLOGICAL["cartesian"]))
    long_query.start()
    wait_for(lambda: lanes.server.pool.slow_running == 1, "the long query in the slow lane")
    ask_cheap = f"ASK {{ <{JAPAN}> ?p ?o }}"
    for i in range(5):
        ask(f"cheap {i}", ask_cheap)
    together = [threading.Thread(target=ask, args=(f"together {i}", STATES_QUERY))
                for i in range(6)]
    for thread in together:
        thread.start()
    for thread in together:
        thread.join(60)
    assert "long" not in answers  # still running: the cheap ones did not wait for it
    assert [answers[f"cheap {i}"][0] for i in range(5)] == [200] * 5
    assert [answers[f"together {i}"][0] for i in range(6)] == [200] * 6

    status, headers, body = lanes.sparql(PATHOLOGICAL["cartesian"])
    assert status == 503, body
    assert b"the slow lane is full (1 long query already running)" in body
    assert "Retry-After" in headers
    assert "long" not in answers  # the first one runs on
    long_query.join(60)
    status, _, body = answers["long"]
    assert status == 503, body
    assert b"query stopped after 6 s" in body
    assert lanes.server.pool.slow_running == 0
    status, _, body = lanes.sparql(ask_cheap)
    assert (status, json.loads(body)["boolean"]) == (200, True)


def _children(pid: int, marker: str) -> list[int]:
    """Processes whose parent is ``pid`` and whose command line holds ``marker`` (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        if ppid == pid and marker in cmdline:
            found.append(int(entry.name))
    return found


def _gone(pid: int) -> bool:
    """The process has exited (no longer listed, or a zombie nobody reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="workers follow a killed server through Linux's parent-death signal")
def test_workers_die_with_a_killed_server() -> None:
    """SIGKILL gives the server no chance to stop its workers; they go with it, the one in
    the middle of a cartesian product (which never reads its pipe again) included."""
    proc = subprocess.Popen([sys.executable, "-m", "trilat_kg.cli", "serve", "--port", "0",
                             "--timeout", "120"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    client = None
    workers: list[int] = []
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert first.startswith("trilat-kg: serving http://127.0.0.1:"), first
        parts = urlsplit(first.split()[2])
        # Workers may still be starting when the server says it serves (a busy machine).
        wait_for(lambda: len(_children(proc.pid, "spawn_main")) >= 2, "two workers started")
        workers = _children(proc.pid, "spawn_main")
        before = {pid: _cpu_ticks(pid) for pid in workers}
        client = socket.create_connection((parts.hostname, parts.port), timeout=30)
        client.sendall(f"GET /sparql?query={quote(PATHOLOGICAL['cartesian'])} HTTP/1.0\r\n"
                       "Host: localhost\r\n\r\n".encode())
        wait_for(lambda: any(_cpu_ticks(pid) > before[pid] + 20 for pid in workers),
                 "a worker busy with the query")
        proc.kill()
        proc.wait(30)
        wait_for(lambda: all(_gone(pid) for pid in workers), "every worker gone")
    finally:
        if client is not None:
            client.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in workers:  # nothing is left behind, whatever happened above
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------- the log


def test_log_has_one_line_per_request_without_the_query(served: Served) -> None:
    before = len(served.log)
    served.sparql('SELECT ?s WHERE { ?s ?p "secret-marker" }')
    served.get("/queries/find-by-label", label="private-value")
    lines = served.log[before:]
    assert len(lines) == 2
    assert lines[0].startswith("trilat-kg serve: GET /sparql 200 ")
    assert lines[0].endswith(" ms")
    assert lines[1].startswith("trilat-kg serve: GET /queries/find-by-label 200 ")
    assert not any("secret" in line or "private" in line for line in served.log)


# ---------------------------------------------------------------- the command


def test_port_in_use_is_exit_4() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 4, result.output
    assert f"trilat-kg: error: port {port} in use" in result.output


def test_missing_data_file_is_exit_4(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--port", "0", "--data",
                                      str(tmp_path / "nope.ttl")])
    assert result.exit_code == 4, result.output
    assert "nope.ttl: no such file" in result.output


def test_sigint_is_exit_130_and_requests_are_logged() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "trilat_kg.cli", "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()  # blocks until the server is up (bounded below)
        assert first.startswith("trilat-kg: serving http://127.0.0.1:"), first
        url = first.split()[2]
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("GET", "/sparql?query=" + quote("ASK { ?s ?p 'hidden' }"))
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert err.splitlines()[0].startswith("trilat-kg serve: GET /sparql 200 ")
    assert err.splitlines()[-1] == "trilat-kg: error: interrupted"
    assert "Traceback" not in err and "hidden" not in err


@pytest.mark.parametrize(("slug", "params"), [
    ("state-identifier-crosswalk", {}),
    ("agreements-of-actor", {"actor": JAPAN}),
    ("describe-resource", {}),
])
def test_the_remote_client_gets_the_embedded_answers(served: Served, store: ox.Store, slug: str,
                                                     params: dict[str, str]) -> None:
    """`trilat-kg query --endpoint` (remote.py: VALUES binding, strict reply checks) works
    against the server and answers as the embedded store does."""
    remote = run_query(slug, params, endpoint=served.server.url, timeout=30)
    assert len(remote) > 0
    assert remote == run_query(slug, params, store=store)


def test_raw_utf8_in_the_url_and_form(served: Served) -> None:
    """curl sends non-ASCII characters of a URL or a -d form body as raw UTF-8 bytes."""
    text = 'ASK { ?s ?p "日本" }'
    raw = quote(text).encode("ascii").replace(quote("日本").encode(), "日本".encode())
    conn = socket.create_connection((served.host, served.port), timeout=30)
    try:
        conn.sendall(b"GET /sparql?query=" + raw + b" HTTP/1.0\r\nHost: localhost\r\n\r\n")
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    finally:
        conn.close()
    assert reply.startswith(b"HTTP/1.0 200"), reply
    status, _, body = served.request("POST", "/sparql", f"query={text}".encode(),
                                     {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, body
    status, _, body = served.request("POST", "/sparql", b"query=\xff",
                                     {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400
    assert b"not UTF-8" in body
