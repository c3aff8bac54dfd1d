"""QueryResult: one type from both engines, and its renderings."""

from __future__ import annotations

import csv
import io
import json
import sys

import pyoxigraph as ox
import pytest

from trilat_kg.errors import UsageError
from trilat_kg.results import (
    DISPLAY_PREFIXES,
    IRI,
    XSD_STRING,
    BNode,
    Literal,
    QueryResult,
    from_oxigraph,
    from_sparql_json,
    printable,
    render,
)

XSD_INT = "http://www.w3.org/2001/XMLSchema#integer"
LANG = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

RESULT = QueryResult(
    ["s", "label", "n"],
    [
        (IRI("https://w3id.org/trilat-kg/id/states/japan"), Literal("Japan", LANG, "en"),
         Literal("740", XSD_INT)),
        (BNode("b0"), Literal('say "hi",\tthen\nleave | ok'), None),
    ],
)


def test_csv_is_sparql_csv() -> None:
    text = render(RESULT, "csv")
    assert text.startswith("s,label,n\r\n")
    assert list(csv.reader(io.StringIO(text))) == [
        ["s", "label", "n"],
        ["https://w3id.org/trilat-kg/id/states/japan", "Japan", "740"],
        ["_:b0", 'say "hi",\tthen\nleave | ok', ""],
    ]


def test_tsv_is_values_with_iana_escapes() -> None:
    """tsv holds the values csv holds; a tab, newline, CR or backslash in one is escaped."""
    assert render(RESULT, "tsv").split("\n") == [
        "s\tlabel\tn",
        "https://w3id.org/trilat-kg/id/states/japan\tJapan\t740",
        '_:b0\tsay "hi",\\tthen\\nleave | ok\t',
        "",
    ]
    back = QueryResult(["v"], [(Literal("a\\b\tc\r\nd"),)])
    assert render(back, "tsv") == "v\na\\\\b\\tc\\r\\nd\n"


def test_sparql_tsv_is_sparql_tsv() -> None:
    assert render(RESULT, "sparql-tsv").splitlines() == [
        "?s\t?label\t?n",
        '<https://w3id.org/trilat-kg/id/states/japan>\t"Japan"@en\t'
        '"740"^^<http://www.w3.org/2001/XMLSchema#integer>',
        '_:b0\t"say \\"hi\\",\\tthen\\nleave | ok"\t',
    ]


def test_json_is_sparql_results_json_and_round_trips() -> None:
    doc = json.loads(render(RESULT, "json"))
    assert doc == {
        "head": {"vars": ["s", "label", "n"]},
        "results": {"bindings": [
            {"s": {"type": "uri", "value": "https://w3id.org/trilat-kg/id/states/japan"},
             "label": {"type": "literal", "value": "Japan", "xml:lang": "en"},
             "n": {"type": "literal", "value": "740", "datatype": XSD_INT}},
            {"s": {"type": "bnode", "value": "b0"},
             "label": {"type": "literal", "value": 'say "hi",\tthen\nleave | ok'}},
        ]},
    }
    assert from_sparql_json(doc) == RESULT


def test_json_read_by_pyoxigraph() -> None:
    parsed = ox.parse_query_results(render(RESULT, "json"), ox.QueryResultsFormat.JSON)
    assert [v.value for v in parsed.variables] == ["s", "label", "n"]
    rows = list(parsed)
    assert rows[0]["label"] == ox.Literal("Japan", language="en")


def test_table_and_markdown() -> None:
    table = render(RESULT, "table").splitlines()
    assert table[0].split() == ["s", "label", "n"]
    assert table[2].split() == ["state:japan", "Japan", "740"]  # no language tag
    assert table[-1] == "(2 rows)"
    assert "\\n" in table[3]  # a newline inside a value does not break the table
    markdown = render(RESULT, "markdown").splitlines()
    assert markdown[:2] == ["| s | label | n |", "|---|---|---|"]
    # backslashes are escaped, so Markdown shows the \t and \n of the table rendering
    assert markdown[3] == '| _:b0 | say "hi",\\\\tthen\\\\nleave \\| ok |   |'


def test_ask_renders_in_every_format() -> None:
    ask = QueryResult([], [], True)
    assert json.loads(render(ask, "json")) == {"head": {}, "boolean": True}
    assert render(ask, "csv") == "boolean\r\ntrue\r\n"
    assert render(ask, "tsv") == "boolean\ntrue\n"
    assert render(ask, "sparql-tsv") == "?boolean\ntrue\n"
    assert "true" in render(ask, "table")
    assert from_sparql_json({"head": {}, "boolean": False}).boolean is False


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown result format 'xml'"):
        render(RESULT, "xml")


@pytest.mark.parametrize("doc", [
    {}, {"head": {}}, {"head": {"vars": "s"}, "results": {"bindings": []}},
    {"head": {"vars": ["s"]}, "results": {}},
    {"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "weird", "value": "x"}}]}},
    {"head": {"vars": ["s"]}, "results": {"bindings": [{"s": "x"}]}},
    {"head": {}, "boolean": "yes"},
])
def test_wrong_shaped_json_is_refused(doc: dict) -> None:
    with pytest.raises(ValueError):
        from_sparql_json(doc)


def test_same_type_from_oxigraph() -> None:
    store = ox.Store()
    s = ox.NamedNode("https://w3id.org/trilat-kg/id/states/japan")
    store.add(ox.Quad(s, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                      ox.Literal("Japan", language="en")))
    store.add(ox.Quad(s, ox.NamedNode("https://w3id.org/trilat-kg/ontology#cowCode"),
                      ox.Literal("740")))
    result = from_oxigraph(store.query(
        "SELECT ?s ?label ?code ?none WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> "
        "?label ; <https://w3id.org/trilat-kg/ontology#cowCode> ?code }"))
    assert result == QueryResult(["s", "label", "code", "none"], [
        (IRI(s.value), Literal("Japan", LANG, "en"), Literal("740", XSD_STRING), None)])
    assert from_sparql_json(result.to_json()) == result


def test_dataframe_without_pandas_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(UsageError, match="needs pandas"):
        RESULT.to_dataframe()


def test_dataframe_with_pandas() -> None:
    pytest.importorskip("pandas")
    frame = RESULT.to_dataframe()
    assert list(frame.columns) == ["s", "label", "n"]
    assert frame.iloc[0].tolist() == ["https://w3id.org/trilat-kg/id/states/japan", "Japan",
                                      "740"]


def test_display_prefixes_agree_with_the_namespaces() -> None:
    from trilat_kg.namespaces import PREFIXES

    for prefix, namespace in PREFIXES.items():
        if prefix in DISPLAY_PREFIXES:
            assert DISPLAY_PREFIXES[prefix] == namespace, prefix


def test_public_api_is_lazy_and_complete() -> None:
    import subprocess
    import sys

    code = ("import sys, trilat_kg\n"
            "heavy = [m for m in sys.modules if m.split('.')[0] in "
            "('rdflib', 'pyoxigraph', 'pyshacl', 'SPARQLWrapper')]\n"
            "assert heavy == [], heavy\n"
            "for name in trilat_kg.__all__:\n    getattr(trilat_kg, name)\n"
            "print(trilat_kg.run_query('state-identifier-crosswalk').column('iso2')[0])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "AU\n"


# ---------------------------------------------------------------- reading renderings


def test_table_neutralises_terminal_controls() -> None:
    nasty = QueryResult(["x"], [
        (Literal("red\x1b[31m alert\x1b[0m\x07"),),
        (Literal("abc\u202edcba\x9b2J"),),
        (IRI("https://w3id.org/trilat-kg/id/states/x\x1b"),),
    ])
    for fmt in ("table", "markdown"):
        text = render(nasty, fmt)
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text, fmt
        assert "\x9b" not in text, fmt
    table = render(nasty, "table")
    assert "red\\x1b[31m alert" in table
    assert "\\u202e" in table
    assert printable("日本 ok") == "日本 ok"
    assert printable("a\nb\x00") == "a\\nb\\u0000"


def test_table_aligns_wide_characters() -> None:
    wide = QueryResult(["label", "n"], [(Literal("日本", language="ja"), Literal("1")),
                                        (Literal("Japan", language="en"), Literal("2"))])
    lines = render(wide, "table").splitlines()
    assert lines[2] == "日本   1"
    assert lines[3] == "Japan  2"


def test_labels_next_to_iris() -> None:
    result = QueryResult(["agreement", "kind", "step"], [(
        IRI("https://w3id.org/trilat-kg/id/agreements/japan-rok-gsomia"),
        IRI("https://w3id.org/trilat-kg/id/agreement-kinds/military-information-agreement"),
        IRI("https://w3id.org/trilat-kg/id/step-types/signed"),
    )])
    labels = {
        "https://w3id.org/trilat-kg/id/agreements/japan-rok-gsomia": "Japan-ROK GSOMIA (2016)",
        "https://w3id.org/trilat-kg/id/agreement-kinds/military-information-agreement":
            "military-information agreement",
        "https://w3id.org/trilat-kg/id/step-types/signed": "signed",
    }
    row = render(result, "table", labels=labels).splitlines()[2]
    # a label that only repeats the IRI's last segment is not shown again
    assert row.split("  ") == ["agreement:japan-rok-gsomia (Japan-ROK GSOMIA (2016))",
                               "akind:military-information-agreement", "step:signed"]
    # a label the row already shows is not repeated
    label = Literal("Japan-ROK GSOMIA (2016)", language="en")
    shown = QueryResult(["agreement", "label"], [(result.rows[0][0], label)])
    assert render(shown, "table", labels=labels).splitlines()[2].split("  ") == [
        "agreement:japan-rok-gsomia", "Japan-ROK GSOMIA (2016)"]
    assert "(Japan-ROK GSOMIA (2016))" in render(result, "markdown", labels=labels)
    assert "(Japan-ROK GSOMIA (2016))" not in render(result, "csv", labels=labels)


def test_hidden_columns_stay_in_json_and_sparql_tsv() -> None:
    hide = {"s"}
    assert render(RESULT, "csv", hide=hide).startswith("label,n\r\n")
    assert render(RESULT, "tsv", hide=hide).startswith("label\tn\n")
    assert render(RESULT, "table", hide=hide).split()[:2] == ["label", "n"]
    assert render(RESULT, "markdown", hide=hide).startswith("| label | n |")
    assert json.loads(render(RESULT, "json", hide=hide))["head"]["vars"] == ["s", "label", "n"]
    assert render(RESULT, "sparql-tsv", hide=hide).startswith("?s\t?label\t?n")
