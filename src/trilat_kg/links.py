"""Check the dataset's links to Wikidata against a Wikidata-compatible SPARQL endpoint.

For every ``owl:sameAs`` or ``skos:exactMatch`` whose object is a Wikidata item
(``http://www.wikidata.org/entity/Q…``), the endpoint is asked for the item's English
label, its ``wdt:P31`` (instance of) types and whether it is a redirect (Wikidata's RDF
states a merged item as ``wd:Qold owl:sameAs wd:Qnew``). A link is reported when its
target

- is **missing**: no label, no type and no redirect (deleted, or never existed);
- is **redirected**: the item was merged into another; link to the new one;
- is of an **unexpected kind**: the subject's class expects kinds (below) and the item is
  an instance of none of them, directly or through ``wdt:P279`` (subclass of).

Expected kinds are given only where the class IRIs were verified (in public Wikidata
queries): a ``trilat:State`` is a country (Q6256) or sovereign state (Q3624078), a
``trilat:Person`` a human (Q5), a ``trilat:InternationalOrganization`` an international
organization (Q484652). Other classes (laws, concepts, ...) are checked for existence and
redirects only.

Requests go in batches (one query per :data:`BATCH` items, not one per link) with the
descriptive User-Agent Wikimedia's policy asks of bots, through the guarded client of
:mod:`trilat_kg.remote` (total deadline, retries, exit 3 on failure).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .remote import REMOTE_TIMEOUT, check_url, sparql_select
from .results import IRI, Literal, QueryResult, Term, from_rows

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = ["EXPECTED_KINDS", "WIKIDATA", "LinkReport", "check_links", "reports_result"]

#: The public Wikidata Query Service.
WIKIDATA = "https://query.wikidata.org/sparql"
ENTITY = "http://www.wikidata.org/entity/"
TRILAT = "https://w3id.org/trilat-kg/ontology#"
#: Items asked about per query.
BATCH = 50
#: What a link's target must be an instance of, by the class of the linking resource.
EXPECTED_KINDS: dict[str, tuple[str, ...]] = {
    TRILAT + "State": (ENTITY + "Q6256", ENTITY + "Q3624078"),  # country, sovereign state
    TRILAT + "Person": (ENTITY + "Q5",),  # human
    TRILAT + "InternationalOrganization": (ENTITY + "Q484652",),  # international organization
}
PURPOSE = "linked-data link check"

_LINKS = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?s ?p ?o ?class WHERE {
  VALUES ?p { owl:sameAs skos:exactMatch }
  ?s ?p ?o .
  FILTER (isIRI(?o) && REGEX(STR(?o), "^http://www[.]wikidata[.]org/entity/Q[0-9]+$"))
  OPTIONAL { ?s a ?class }
}
ORDER BY ?s ?p ?o ?class
"""


class LinkReport(NamedTuple):
    """One link and what the endpoint said about its target; ``problem`` is None when fine."""

    subject: str
    predicate: str
    target: str
    label: str | None
    types: tuple[str, ...]
    problem: str | None
    detail: str


class _Link(NamedTuple):
    subject: str
    predicate: str
    target: str
    kinds: tuple[str, ...]


def _local_links(store: pyoxigraph.Store) -> list[_Link]:
    from .sparql import execute

    grouped: dict[tuple[str, str, str], set[str]] = {}
    for s, p, o, cls in execute(store, _LINKS).rows:
        key = (str(s), str(p), str(o))
        kinds = grouped.setdefault(key, set())
        if cls is not None:
            kinds.update(EXPECTED_KINDS.get(str(cls), ()))
    return [_Link(s, p, o, tuple(sorted(kinds))) for (s, p, o), kinds in grouped.items()]


def _ask(endpoint: str, items: Sequence[str], kinds: Sequence[str],
         timeout: float) -> dict[str, dict[str, set[str]]]:
    """Label, redirect, types and matched kinds of each item: {item: {field: values}}."""
    values = " ".join(f"<{item}>" for item in items)
    kind_values = " ".join(f"<{kind}>" for kind in kinds)
    kind_block = (f"  OPTIONAL {{ VALUES ?kind {{ {kind_values} }} "
                  "?item wdt:P31/wdt:P279* ?kind }\n") if kinds else ""
    query = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
        "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
        "SELECT ?item ?label ?redirect ?type ?kind WHERE {\n"
        f"  VALUES ?item {{ {values} }}\n"
        '  OPTIONAL { ?item rdfs:label ?label . FILTER (lang(?label) = "en") }\n'
        "  OPTIONAL { ?item owl:sameAs ?redirect }\n"
        "  OPTIONAL { ?item wdt:P31 ?type }\n"
        f"{kind_block}"
        "}\n"
    )
    result = sparql_select(endpoint, query, timeout=timeout, user_agent_purpose=PURPOSE)
    names = result.variables
    facts: dict[str, dict[str, set[str]]] = {}
    for row in result.rows:
        cells = dict(zip(names, row, strict=True))
        item = cells.get("item")
        if item is None:
            continue
        entry = facts.setdefault(str(item), {"label": set(), "redirect": set(), "type": set(),
                                             "kind": set()})
        for field in ("label", "redirect", "type", "kind"):
            term = cells.get(field)
            if term is not None:
                entry[field].add(str(term))
    return facts


def _qid(iri: str) -> str:
    return iri[len(ENTITY):] if iri.startswith(ENTITY) else iri


def check_links(
    endpoint: str = WIKIDATA,
    *,
    extra: Sequence[Path | str] = (),
    store: pyoxigraph.Store | None = None,
    timeout: float = REMOTE_TIMEOUT,
) -> list[LinkReport]:
    """Check every Wikidata link of the dataset (or of ``store``); one report per link.

    ``timeout`` is the total deadline of each batch query. Any endpoint failure raises
    :class:`~trilat_kg.errors.RemoteError` (exit 3): a half-checked list is not a result.
    """
    check_url(endpoint)
    if store is None:
        from .store import load_store

        store = load_store(extra)
    links = _local_links(store)
    items = sorted({link.target for link in links})
    kinds = sorted({kind for link in links for kind in link.kinds})
    facts: dict[str, dict[str, set[str]]] = {}
    for start in range(0, len(items), BATCH):
        facts.update(_ask(endpoint, items[start:start + BATCH], kinds, timeout))
    reports = []
    for link in links:
        entry = facts.get(link.target, {})
        labels = sorted(entry.get("label", ()))
        types = tuple(sorted(entry.get("type", ())))
        redirects = sorted(entry.get("redirect", set()) - {link.target})
        label = labels[0] if labels else None
        problem: str | None = None
        detail = ""
        if redirects:
            problem = "redirected"
            detail = "merged into " + ", ".join(_qid(r) for r in redirects)
        elif label is None and not types:
            problem = "missing"
            detail = f"{_qid(link.target)} has no English label and no type on the endpoint"
        elif link.kinds and not (entry.get("kind", set()) & set(link.kinds)):
            problem = "unexpected kind"
            shown = ", ".join(_qid(t) for t in types) or "nothing"
            wanted = " or ".join(_qid(k) for k in link.kinds)
            detail = f"instance of {shown}; expected {wanted}"
        reports.append(LinkReport(link.subject, link.predicate, link.target, label, types,
                                  problem, detail))
    return reports


def reports_result(reports: Sequence[LinkReport]) -> QueryResult:
    """The reports as a table (subject, predicate, target, label, problem, detail)."""
    rows: list[list[Term | None]] = []
    for r in reports:
        rows.append([IRI(r.subject), IRI(r.predicate), IRI(r.target),
                     None if r.label is None else Literal(r.label),
                     Literal(r.problem or "ok"), Literal(r.detail) if r.detail else None])
    return from_rows(["subject", "predicate", "target", "label", "problem", "detail"], rows)
