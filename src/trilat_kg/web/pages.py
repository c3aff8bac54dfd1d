"""Pages built from the data, run inside a query worker of ``trilat-kg serve``.

:func:`page_job` is what a worker does for a page: it runs its SPARQL on the worker's store
(the resource is always a bound variable, never pasted into the text) and answers
``("page", status, body, content_type)``. Running there keeps the server's guarantees: a
page that takes too long is stopped at the deadline like any query, and the request threads
never touch the store.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyoxigraph as ox

from ..errors import UsageError
from ..prefixes import BASE, VOCABULARIES
from ..results import curie
from . import error_page, esc, layout, link, query_form

__all__ = ["page_job"]

_RDF_TYPE = VOCABULARIES["rdf"] + "type"
_LABELS = (VOCABULARIES["rdfs"] + "label", VOCABULARIES["skos"] + "prefLabel",
           VOCABULARIES["skos"] + "altLabel")
_DESCRIPTIONS = (VOCABULARIES["rdfs"] + "comment", VOCABULARIES["skos"] + "definition",
                 VOCABULARIES["dcterms"] + "description")
_ONTOLOGY = BASE + "ontology"
_TERMS = _ONTOLOGY + "#"

_PREFIXES = (f"PREFIX trilat: <{VOCABULARIES['trilat']}> PREFIX oa: <{VOCABULARIES['oa']}> "
             f"PREFIX dcterms: <{VOCABULARIES['dcterms']}> "
             f"PREFIX rdfs: <{VOCABULARIES['rdfs']}> PREFIX xsd: <{VOCABULARIES['xsd']}> ")
_EXISTS = "ASK { { ?r ?p ?o } UNION { ?s ?p ?r } UNION { ?s ?r ?o } }"
_OUTGOING = "SELECT DISTINCT ?r ?p ?o WHERE { ?r ?p ?o } ORDER BY STR(?p) STR(?o)"
_INCOMING = "SELECT DISTINCT ?r ?s ?p WHERE { ?s ?p ?r } ORDER BY STR(?p) STR(?s)"
_BLANKS = ("SELECT DISTINCT ?r ?b ?p ?o WHERE { ?r ?q ?b . FILTER (isBlank(?b)) ?b ?p ?o } "
           "ORDER BY STR(?b) STR(?p) STR(?o)")
_STEPS = _PREFIXES + (
    "SELECT DISTINCT ?r ?step ?stepType ?ordinal ?date ?notAfter WHERE { "
    "?step trilat:stepOf ?r ; trilat:stepType ?stepType . "
    "OPTIONAL { ?step trilat:ordinal ?position BIND (xsd:integer(?position) AS ?ordinal) } "
    "OPTIONAL { ?step trilat:date ?date } OPTIONAL { ?step trilat:notAfter ?notAfter } } "
    "ORDER BY ?ordinal STR(?date) STR(?notAfter) STR(?step)")
_PASSAGES = _PREFIXES + (
    "SELECT DISTINCT ?r ?passage ?quote ?start ?end WHERE { "
    "{ ?r trilat:passage ?passage } UNION { ?r oa:hasSelector ?any BIND (?r AS ?passage) } "
    "OPTIONAL { ?passage oa:hasSelector ?qs . ?qs oa:exact ?quote } "
    "OPTIONAL { ?passage oa:hasSelector ?ps . ?ps oa:start ?start ; oa:end ?end } } "
    "ORDER BY ?start STR(?passage) STR(?quote)")
_SOURCES = _PREFIXES + (
    "SELECT DISTINCT ?r ?source ?label ?consultedOn WHERE { ?r dcterms:source ?source "
    "OPTIONAL { ?source rdfs:label ?label FILTER (langMatches(lang(?label), \"en\")) } "
    "OPTIONAL { ?source trilat:consultedOn ?consultedOn } } "
    "ORDER BY STR(?source) STR(?label) STR(?consultedOn)")
#: What a machine gets for a resource: its statements, those of its blank nodes, and the
#: statements that point at it (a symmetric concise bounded description, one level deep).
_DESCRIBE = ("CONSTRUCT { ?r ?p ?o . ?o ?bp ?bo . ?s ?q ?r } WHERE { "
             "{ ?r ?p ?o OPTIONAL { ?o ?bp ?bo FILTER (isBlank(?o)) } } UNION { ?s ?q ?r } }")
# The ontology's own IRI and namespace are constants of the package, not request values.
_ONTOLOGY_TERMS = ("SELECT DISTINCT ?t ?type WHERE { ?t a ?type "
                   f'FILTER (isIRI(?t) && STRSTARTS(STR(?t), "{_TERMS}")) }} ORDER BY STR(?t)')
_ONTOLOGY_GRAPH = ("CONSTRUCT { ?t ?p ?o . ?o ?bp ?bo } WHERE { ?t ?p ?o "
                   f'FILTER (isIRI(?t) && (?t = <{_ONTOLOGY}> || STRSTARTS(STR(?t), "{_TERMS}"))) '
                   "OPTIONAL { ?o ?bp ?bo FILTER (isBlank(?o)) } }")

#: The format names of pyoxigraph's RdfFormat -> Content-Type, for machines.
GRAPH_FORMATS = {
    "TURTLE": "text/turtle; charset=utf-8",
    "JSON_LD": "application/ld+json",
    "N_TRIPLES": "application/n-triples",
    "RDF_XML": "application/rdf+xml",
}
HTML = "text/html; charset=utf-8"

_resolvers: dict[int, Any] = {}


def page_job(store: Any, kind: str, *args: Any) -> tuple[Any, ...]:
    """A page: ``("page", status, body bytes, content_type)``, and for data a fifth item,
    True when the triples were cut to ``max_rows``."""
    if kind == "resource":
        return _resource(store, *args)
    if kind == "canned":
        return _canned(store, *args)
    return ("page", 500, f"no page kind {kind!r}\n".encode(), "text/plain; charset=utf-8")


def _resolver(store: Any) -> Any:
    from ..resolve import Resolver

    resolver = _resolvers.get(id(store))
    if resolver is None:
        resolver = _resolvers[id(store)] = Resolver(store)
    return resolver


def _query(store: Any, text: str, **bound: Any) -> Any:
    """Run ``text`` with ``bound`` substituted (pyoxigraph wants them projected)."""
    return store.query(text, substitutions={ox.Variable(k): v for k, v in bound.items()})


def _rows(store: Any, text: str, names: str, limit: int | None = None,
          **bound: Any) -> list[tuple[Any, ...]]:
    """The values of the variables ``names`` (space-separated) of each solution."""
    keys = names.split()
    answer = _query(store, text, **bound)
    if limit is not None:
        answer = itertools.islice(answer, limit)
    return [tuple(s[k] for k in keys) for s in answer]


# --------------------------------------------------------------------------- resources


def _resource(store: Any, iri: str, fmt: str, max_rows: int) -> tuple[Any, ...]:
    node = ox.NamedNode(iri)
    ontology = iri == _ONTOLOGY
    if not ontology and not bool(_query(store, _EXISTS, r=node)):
        return _not_found(store, iri, fmt)
    if fmt != "HTML":
        answer = (_query(store, _ONTOLOGY_GRAPH) if ontology
                  else _query(store, _DESCRIBE, r=node))
        triples = list(itertools.islice(answer, max_rows + 1))
        truncated = len(triples) > max_rows
        triples = triples[:max_rows]
        prefixes = _prefixes(triples) if fmt in ("TURTLE", "RDF_XML") else None
        body = ox.serialize(triples, format=getattr(ox.RdfFormat, fmt), prefixes=prefixes)
        return ("page", 200, body or b"", GRAPH_FORMATS[fmt], truncated)
    return ("page", 200, _resource_html(store, iri, node, max_rows).encode(), HTML)


def _prefixes(triples: Sequence[Any]) -> dict[str, str]:
    from ..serve import _used_prefixes

    return _used_prefixes(triples)


def _not_found(store: Any, iri: str, fmt: str) -> tuple[Any, ...]:
    resolver = _resolver(store)
    found = resolver.closest(iri)
    message = f"{iri} is not in the graph"
    if fmt != "HTML":
        names = ", ".join(curie(i) or f"<{i}>" for i in found)
        text = message + (f"; closest: {names}" if names else "")
        return ("page", 404, f"trilat-kg: error: {text}\n".encode(), "text/plain; charset=utf-8")
    labels = _labels(store, found)
    pairs = [(i, labels.get(i) or curie(i) or i) for i in found]
    return ("page", 404, error_page(404, message, pairs).encode(), HTML)


def _labels(store: Any, iris: Iterable[str]) -> dict[str, str]:
    from ..resolve import label_map

    return label_map(store, iris)


def _resource_html(store: Any, iri: str, node: Any, max_rows: int) -> str:
    outgoing = _rows(store, _OUTGOING, "p o", max_rows + 1, r=node)
    incoming = _rows(store, _INCOMING, "s p", max_rows + 1, r=node)
    blanks: dict[str, list[tuple[Any, Any]]] = {}
    for b, p, o in _rows(store, _BLANKS, "b p o", max_rows, r=node):
        blanks.setdefault(b.value, []).append((p, o))
    steps = _rows(store, _STEPS, "step stepType ordinal date notAfter", max_rows, r=node)
    passages = _rows(store, _PASSAGES, "passage quote start end", max_rows, r=node)
    sources = _rows(store, _SOURCES, "source label consultedOn", max_rows, r=node)
    terms: list[Any] = []
    if iri == _ONTOLOGY:
        terms = _rows(store, _ONTOLOGY_TERMS, "t type")
    iris = {iri}
    for row in itertools.chain(outgoing, incoming, *blanks.values(), steps, passages, terms):
        iris.update(t.value for t in row if isinstance(t, ox.NamedNode))
    labels = _labels(store, iris)
    view = _View(labels)

    title = labels.get(iri) or curie(iri) or iri
    types = [o for p, o in outgoing if p.value == _RDF_TYPE]
    label_rows = [(p, o) for p, o in outgoing if p.value in _LABELS]
    descriptions = [o for p, o in outgoing if p.value in _DESCRIPTIONS]
    parts = [
        '<p class="iri"><code>' + esc(iri) + "</code>"
        + (f' <span class="curie">{esc(curie(iri))}</span>' if curie(iri) else "") + "</p>",
        '<p class="formats">Also as <a href="?format=ttl">Turtle</a>, '
        '<a href="?format=jsonld">JSON-LD</a>, <a href="?format=nt">N-Triples</a>, '
        '<a href="?format=rdfxml">RDF/XML</a>.</p>',
    ]
    if types:
        parts.append('<section id="types"><h2>Types</h2><ul class="types">'
                     + "".join(f"<li>{view.term(t)}</li>" for t in types) + "</ul></section>")
    if label_rows:
        parts.append('<section id="labels"><h2>Labels</h2><table class="labels"><thead><tr>'
                     "<th>property</th><th>label</th><th>language</th></tr></thead><tbody>"
                     + "".join(f"<tr><td>{view.term(p)}</td><td>{esc(o.value)}</td>"
                               f"<td>{esc(getattr(o, 'language', None) or '')}</td></tr>"
                               for p, o in label_rows)
                     + "</tbody></table></section>")
    if descriptions:
        parts.append('<section id="description">'
                     + "".join(f"<p>{esc(d.value)}</p>" for d in descriptions) + "</section>")
    if steps:
        parts.append(_timeline(view, steps))
    if passages:
        parts.append(_passages(view, passages))
    if sources:
        parts.append(_sources(view, sources))
    if terms:
        parts.append(_terms(view, terms))
    shown = {_RDF_TYPE, *_LABELS, *_DESCRIPTIONS}
    rest = [(p, o) for p, o in outgoing[:max_rows] if p.value not in shown]
    parts.append('<section id="outgoing"><h2>Outgoing links</h2>'
                 + _pairs_table(view, ("property", "value"), rest, blanks)
                 + _cut(len(outgoing), max_rows) + "</section>")
    parts.append('<section id="incoming"><h2>Incoming links</h2>'
                 + _pairs_table(view, ("from", "property"), incoming[:max_rows], {})
                 + _cut(len(incoming), max_rows) + "</section>")
    return layout(title, "".join(parts))


def _cut(count: int, max_rows: int) -> str:
    return (f'<p class="truncated">Only the first {max_rows} are shown.</p>'
            if count > max_rows else "")


def _timeline(view: _View, steps: Sequence[Any]) -> str:
    items = []
    for s in steps:
        step, step_type, ordinal, date, not_after = (s[i] for i in range(5))
        when = date.value if date is not None else (
            f"not after {not_after.value}" if not_after is not None else "undated")
        items.append(f'<li><span class="date">{esc(when)}</span> '
                     f"{view.term(step_type)} "
                     f'<span class="ordinal">{esc(ordinal.value) if ordinal else ""}</span> '
                     f"{link(step.value, 'step')}</li>")
    return ('<section id="lifecycle"><h2>Life cycle</h2><ol class="timeline">'
            + "".join(items) + "</ol></section>")


def _passages(view: _View, passages: Sequence[Any]) -> str:
    rows = []
    for s in passages:
        passage, quote, start, end = (s[i] for i in range(4))
        rows.append(f"<tr><td>{view.term(passage)}</td>"
                    f'<td><q class="quote">{esc(quote.value) if quote else ""}</q></td>'
                    f'<td class="num">{esc(start.value) if start else ""}</td>'
                    f'<td class="num">{esc(end.value) if end else ""}</td></tr>')
    return ('<section id="passages"><h2>Passages of the essay</h2><table class="passages">'
            "<thead><tr><th>passage</th><th>quote</th><th>start</th><th>end</th></tr></thead>"
            "<tbody>" + "".join(rows) + "</tbody></table></section>")


def _sources(view: _View, sources: Sequence[Any]) -> str:
    rows = []
    for s in sources:
        source, label, consulted = (s[i] for i in range(3))
        cell = (link(source.value, source.value) if isinstance(source, ox.NamedNode)
                else esc(source.value))
        rows.append(f"<tr><td>{cell}</td><td>{esc(label.value) if label else ''}</td>"
                    f"<td>{esc(consulted.value) if consulted else ''}</td></tr>")
    return ('<section id="sources"><h2>External sources</h2><table class="sources"><thead>'
            "<tr><th>source</th><th>what it is</th><th>consulted on</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></section>")


def _terms(view: _View, terms: Sequence[Any]) -> str:
    kinds: dict[str, list[str]] = {}
    for s in terms:
        kinds.setdefault(s[0].value, []).append(s[1].value)
    rows = []
    for term, types in kinds.items():
        local = term[len(_TERMS):]
        rows.append(f'<tr id="{esc(local)}"><td>{link(term, local)}</td>'
                    f"<td>{esc(view.labels.get(term, ''))}</td>"
                    f"<td>{', '.join(esc(curie(t) or t) for t in sorted(types))}</td></tr>")
    return ('<section id="terms"><h2>Terms</h2><table class="terms"><thead><tr><th>term</th>'
            "<th>label</th><th>type</th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table></section>")


def _pairs_table(view: _View, heads: tuple[str, str], pairs: Sequence[tuple[Any, Any]],
                 blanks: Mapping[str, Sequence[tuple[Any, Any]]]) -> str:
    if not pairs:
        return '<p class="none">None.</p>'
    rows = []
    for a, b in pairs:
        cell = view.term(b)
        if isinstance(b, ox.BlankNode) and b.value in blanks:
            cell += "<ul class=\"blank\">" + "".join(
                f"<li>{view.term(p)}: {view.term(o)}</li>" for p, o in blanks[b.value]) + "</ul>"
        rows.append(f"<tr><td>{view.term(a)}</td><td>{cell}</td></tr>")
    return (f'<table class="links"><thead><tr><th>{esc(heads[0])}</th><th>{esc(heads[1])}</th>'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


class _View:
    """Terms as HTML: IRIs as links (to this server for the dataset's own), with labels."""

    def __init__(self, labels: Mapping[str, str]) -> None:
        self.labels = labels

    def term(self, term: Any) -> str:
        if term is None:
            return ""
        if isinstance(term, ox.NamedNode):
            iri = term.value
            return link(iri, self.labels.get(iri) or curie(iri) or iri, title=iri)
        if isinstance(term, ox.BlankNode):
            return f'<span class="bnode">_:{esc(term.value)}</span>'
        if isinstance(term, ox.Literal):
            note = ""
            if term.language:
                note = f'<span class="lang">@{esc(term.language)}</span>'
            elif term.datatype.value not in (VOCABULARIES["xsd"] + "string",):
                note = (f'<span class="datatype">'
                        f"{esc(curie(term.datatype.value) or term.datatype.value)}</span>")
            return f'<span class="literal">{esc(term.value)}</span>{note}'
        return esc(str(term))  # pragma: no cover - quoted triples are not in the data


# --------------------------------------------------------------------------- canned queries


def _canned(store: Any, slug: str, values: Sequence[tuple[str, str]],
            max_rows: int) -> tuple[Any, ...]:
    from ..queries import bind, get_query

    query = get_query(slug)
    given = dict(values)
    heading = f"{slug}"
    intro = (f'<p class="summary">{esc(query.summary)}</p>'
             + query_form(query, given)
             + f'<p class="more"><a href="/#q-{esc(slug)}">all canned queries</a></p>')
    missing = [p.name for p in query.params
               if p.required and p.name not in given and p.name not in query.defaults]
    if missing:
        return ("page", 200, layout(heading, intro).encode(), HTML)
    try:
        bound = bind(query, given, resolver=_resolver(store))
    except UsageError as exc:
        body = intro + f'<p class="error">{esc(exc)}</p>'
        return ("page", 400, layout(heading, body).encode(), HTML)
    from ..serve import _ox_term, _plain_term

    subs = {ox.Variable(var): _ox_term(*_plain_term(var, term)[1:])
            for var, term in bound.items()}
    try:
        answer = store.query(query.text, substitutions=subs or None)
        if isinstance(answer, ox.QueryBoolean):
            table = f'<p class="boolean">{"true" if bool(answer) else "false"}</p>'
            count = 0
        elif isinstance(answer, ox.QueryTriples):
            rows = [(t.subject, t.predicate, t.object)
                    for t in itertools.islice(answer, max_rows + 1)]
            count = len(rows)
            table = _result_table(store, ["subject", "predicate", "object"], rows[:max_rows])
        else:
            variables = [v.value for v in answer.variables]
            rows = [tuple(s[i] for i in range(len(variables)))
                    for s in itertools.islice(answer, max_rows + 1)]
            count = len(rows)
            table = _result_table(store, variables, rows[:max_rows])
    except (SyntaxError, OSError) as exc:
        body = intro + f'<p class="error">query failed: {esc(exc)}</p>'
        return ("page", 400, layout(heading, body).encode(), HTML)
    shown = min(count, max_rows)
    body = (intro + f'<h2>Results</h2><p class="count"><span id="row-count">{shown}</span> '
            f"row{'s' if shown != 1 else ''}</p>" + table + _cut(count, max_rows))
    return ("page", 200, layout(heading, body).encode(), HTML)


def _result_table(store: Any, variables: Sequence[str],
                  rows: Sequence[Sequence[Any]]) -> str:
    iris = {t.value for row in rows for t in row if isinstance(t, ox.NamedNode)}
    view = _View(_labels(store, iris))
    head = "".join(f"<th>{esc(v)}</th>" for v in variables)
    body = "".join("<tr>" + "".join(f"<td>{view.term(t)}</td>" for t in row) + "</tr>"
                   for row in rows)
    return (f'<table class="results"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")
