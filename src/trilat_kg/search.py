"""Find resources by what people call them: labels, codes and Wikidata QIDs.

:func:`search` answers ``trilat-kg search TEXT``. The index is built from the store with one
SPARQL query that collects, for every IRI subject, its types, its labels (``rdfs:label``,
``skos:prefLabel``, ``skos:altLabel``), its notations (``skos:notation``, ``eli:id_local``),
its state codes (ISO 3166-1 alpha-2 and alpha-3, UN M49, COW and Gleditsch-Ward codes and
abbreviations) and its Wikidata QIDs (``owl:sameAs`` / ``skos:exactMatch`` to ``wd:``); the
matching runs in Python.

Matching ignores case, accents and the Unicode normalisation form: both sides go through
NFKC, case folding and the removal of combining marks (the kana voicing marks excepted, so
``が`` stays distinct from ``か``); dashes count as hyphens and runs of spaces as one.
Labels match as

==============  ===================================================================
``exact``       the whole text
``prefix``      the beginning of the text
``word``        the beginning of a word inside the text
``substring``   anywhere in the text
==============  ===================================================================

and codes, QIDs and slugs (the last segment of the IRI) only exactly, so ``search 20`` finds
Canada's COW code, not every label that holds a 20. A resource appears once, with its best
match; hits are ranked by match, then by type (states and agreements before claims and
passages), then by label.
"""

from __future__ import annotations

import re
import sys as _sys
import types as _types
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .prefixes import BASE, VOCABULARIES
from .results import DISPLAY_PREFIXES, IRI, Literal, QueryResult, curie

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = [
    "FIELDS",
    "MATCHES",
    "Hit",
    "SearchIndex",
    "build_index",
    "curie",
    "normalize",
    "search",
]

_RDFS = VOCABULARIES["rdfs"]
_SKOS = VOCABULARIES["skos"]
_TRILAT = VOCABULARIES["trilat"]
_WD = VOCABULARIES["wd"]
_RDF_TYPE = VOCABULARIES["rdf"] + "type"

#: Property IRI -> field name, in the order a field is preferred when two match equally.
FIELDS: dict[str, str] = {
    _RDFS + "label": "label",
    _SKOS + "prefLabel": "prefLabel",
    _SKOS + "altLabel": "altLabel",
    _SKOS + "notation": "notation",
    VOCABULARIES["eli"] + "id_local": "notation",
    _TRILAT + "iso3166Alpha2": "iso3166Alpha2",
    _TRILAT + "iso3166Alpha3": "iso3166Alpha3",
    _TRILAT + "unM49": "unM49",
    _TRILAT + "cowCode": "cowCode",
    _TRILAT + "cowAbbreviation": "cowAbbreviation",
    _TRILAT + "gwCode": "gwCode",
    _TRILAT + "gwAbbreviation": "gwAbbreviation",
    VOCABULARIES["owl"] + "sameAs": "wikidata",
    _SKOS + "exactMatch": "wikidata",
}
_FIELD_ORDER = ("label", "prefLabel", "altLabel", "notation", "iso3166Alpha2",
                "iso3166Alpha3", "unM49", "cowCode", "cowAbbreviation", "gwCode",
                "gwAbbreviation", "wikidata", "slug")
#: Fields that match free text (the others are identifiers and match only exactly).
TEXT_FIELDS = frozenset({"label", "prefLabel", "altLabel"})
LABEL_FIELDS = ("label", "prefLabel")

#: Kinds of match, best first.
MATCHES = ("exact", "prefix", "word", "substring")

#: Types in the order their resources are listed when they match equally well.
TYPE_PRIORITY: tuple[str, ...] = (
    *(_TRILAT + t for t in (
        "State", "InternationalOrganization", "Organization", "Government", "StateOrgan",
        "Group", "Person", "Agreement", "LegislativePackage", "Act", "Constitution",
        "Provision", "CabinetDecision", "LegalInstrument", "SituationCategory", "Measure",
        "ConditionSet", "Condition", "Place")),
    _SKOS + "Concept",
    *(_TRILAT + t for t in ("Claim", "Stance", "Position", "LifecycleStep", "Publication",
                            "EssaySection", "EssayParagraph", "Passage", "ExternalSource")),
)
_TYPE_RANK = {t: i for i, t in enumerate(TYPE_PRIORITY)}

_INDEX_QUERY = (
    "SELECT ?s ?p ?o WHERE { VALUES ?p { "
    + " ".join(f"<{p}>" for p in (*FIELDS, _RDF_TYPE))
    + " } ?s ?p ?o . FILTER (isIRI(?s)) }"
)

_KEEP_MARKS = frozenset({"\u3099", "\u309a"})  # kana voicing marks: が is not か
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Fold ``text`` for matching: NFKC, case folding, no combining marks, one space, ``-``."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", folded)
    kept = "".join(
        "-" if unicodedata.category(c) == "Pd" else c
        for c in decomposed
        if unicodedata.category(c) != "Mn" or c in _KEEP_MARKS
    )
    return _SPACES.sub(" ", unicodedata.normalize("NFC", kept)).strip()


#: Prefixes for CURIEs: those the tables print (instance kinds, then vocabularies).
CURIE_PREFIXES: dict[str, str] = DISPLAY_PREFIXES


def slug_of(iri: str) -> str | None:
    """The last path segment of one of the dataset's own IRIs (``japan``), or None."""
    if not iri.startswith(BASE):
        return None
    tail = re.split(r"[/#]", iri)[-1]
    return tail or None


class Hit:
    """One resource found: IRI, CURIE, type, display label and what matched where."""

    __slots__ = ("curie", "field", "iri", "label", "language", "match", "matched", "type")

    def __init__(self, iri: str, type: str | None, label: str, matched: str, field: str,
                 match: str, language: str | None = None) -> None:
        self.iri = iri
        self.curie = curie(iri)
        self.type = type
        self.label = label
        self.matched = matched
        self.field = field
        self.match = match
        self.language = language

    def __repr__(self) -> str:
        return (f"Hit({self.curie or self.iri!r}, match={self.match!r}, field={self.field!r}, "
                f"matched={self.matched!r})")

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in
                ("iri", "curie", "type", "label", "matched", "field", "match", "language")}


class _Entry:
    __slots__ = ("field", "folded", "language", "text")

    def __init__(self, field: str, text: str, language: str | None) -> None:
        self.field = field
        self.text = text
        self.language = language
        self.folded = normalize(text)


class SearchIndex:
    """Labels, codes and types of every IRI subject of a store, ready to match."""

    def __init__(self) -> None:
        self.entries: dict[str, list[_Entry]] = {}
        self.types: dict[str, list[str]] = {}
        self.labels: dict[str, dict[str | None, str]] = {}

    @classmethod
    def from_store(cls, store: pyoxigraph.Store) -> SearchIndex:
        """Build the index with one query on ``store`` (its default graph)."""
        index = cls()
        for solution in store.query(_INDEX_QUERY):
            subject, prop, value = solution[0].value, solution[1].value, solution[2]
            index._add(subject, prop, value)
        for iri in list(index.entries) + list(index.types):
            slug = slug_of(iri)
            entries = index.entries.setdefault(iri, [])
            if slug and not any(e.field == "slug" for e in entries):
                entries.append(_Entry("slug", slug, None))
        return index

    def _add(self, subject: str, prop: str, value: Any) -> None:
        kind = type(value).__name__
        if prop == _RDF_TYPE:
            if kind == "NamedNode":
                self.types.setdefault(subject, []).append(value.value)
            return
        field = FIELDS[prop]
        if field == "wikidata":
            if kind != "NamedNode" or not value.value.startswith(_WD):
                return
            text, language = value.value[len(_WD):], None
        elif kind == "Literal":
            text, language = value.value, value.language
        else:
            return
        self.entries.setdefault(subject, []).append(_Entry(field, text, language))
        if field in LABEL_FIELDS:
            self.labels.setdefault(subject, {}).setdefault(language, text)

    def __contains__(self, iri: str) -> bool:
        return iri in self.entries or iri in self.types

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.entries)

    def label(self, iri: str, lang: str | None = None) -> str | None:
        """The label of ``iri`` in ``lang``, else in English, else in any language."""
        labels = self.labels.get(iri)
        if not labels:
            return None
        for key in (lang, "en", None):
            if key in labels:
                return labels[key]
        return labels[sorted(k for k in labels if k)[0]]

    def best_type(self, iri: str) -> str | None:
        """The type of ``iri`` listed first by :data:`TYPE_PRIORITY` (then by IRI)."""
        types = self.types.get(iri)
        if not types:
            return None
        return min(types, key=lambda t: (_TYPE_RANK.get(t, len(_TYPE_RANK)), t))

    def type_rank(self, iri: str) -> int:
        best = self.best_type(iri)
        return _TYPE_RANK.get(best, len(_TYPE_RANK)) if best else len(_TYPE_RANK) + 1

    def search(self, text: str, *, limit: int | None = 10, lang: str | None = None,
               matches: Sequence[str] = MATCHES, fields: Iterable[str] | None = None,
               ) -> list[Hit]:
        """Resources matching ``text``, best first (see the module's documentation).

        ``lang`` chooses the language of each hit's label (English, then any, when it has
        none in that language) and, among labels that match equally, prefers that language.
        ``matches`` and ``fields`` narrow the kinds of match and the fields looked at.
        """
        query = normalize(text)
        if not query:
            return []
        allowed = set(fields) if fields is not None else None
        wanted = [MATCHES.index(m) for m in matches]
        scored: list[tuple[tuple[Any, ...], Hit]] = []
        for iri, entries in self.entries.items():
            best: tuple[Any, ...] | None = None
            chosen: _Entry | None = None
            for entry in entries:
                if allowed is not None and entry.field not in allowed:
                    continue
                rank = _match(query, entry)
                if rank is None or rank not in wanted:
                    continue
                key = (rank, _FIELD_ORDER.index(entry.field),
                       0 if entry.language in (lang or "en", None) else 1)
                if best is None or key < best:
                    best, chosen = key, entry
            if best is None or chosen is None:
                continue
            label = self.label(iri, lang) or chosen.text
            order = (best[0], self.type_rank(iri), normalize(label), best[1:], iri)
            scored.append((order, Hit(iri, self.best_type(iri), label, chosen.text,
                                      chosen.field, MATCHES[best[0]], chosen.language)))
        scored.sort(key=lambda pair: pair[0])
        hits = [hit for _, hit in scored]
        return hits if limit is None else hits[:limit]


def _match(query: str, entry: _Entry) -> int | None:
    folded = entry.folded
    if folded == query:
        return 0
    if entry.field not in TEXT_FIELDS:
        return None
    if folded.startswith(query):
        return 1
    start = folded.find(query)
    while start > 0:
        if not folded[start - 1].isalnum():
            return 2
        start = folded.find(query, start + 1)
    return 3 if query in folded else None


def build_index(extra: Sequence[Path | str] = (), *,
                store: pyoxigraph.Store | None = None) -> SearchIndex:
    """The search index of ``store``, or of the dataset merged with ``extra`` files."""
    if store is None:
        from .store import load_store

        store = load_store(extra)
    return SearchIndex.from_store(store)


def search(text: str, *, limit: int | None = 10, lang: str | None = None,
           extra: Sequence[Path | str] = (), store: pyoxigraph.Store | None = None,
           index: SearchIndex | None = None) -> list[Hit]:
    """Find resources by label, alternative label, notation, code or Wikidata QID.

    ``limit`` caps the hits (None: all); ``lang`` (en, ja, ko, zh) chooses the language of
    the labels shown. The index is built from ``store``, or from the dataset merged with
    ``extra`` files, unless an ``index`` (:func:`build_index`) is passed in.
    """
    if index is None:
        index = build_index(extra, store=store)
    return index.search(text, limit=limit, lang=lang)


def hits_result(hits: Sequence[Hit]) -> QueryResult:
    """The hits as a result table: match, type, curie, label, field, matched, iri."""
    rows = []
    for hit in hits:
        rows.append((
            Literal(hit.match),
            IRI(hit.type) if hit.type else None,
            Literal(hit.curie) if hit.curie else None,
            Literal(hit.label),
            Literal(hit.field),
            Literal(hit.matched, language=hit.language) if hit.language
            else Literal(hit.matched),
            IRI(hit.iri),
        ))
    return QueryResult(["match", "type", "curie", "label", "field", "matched", "iri"], rows)


class _CallableModule(_types.ModuleType):
    """``trilat_kg.search(...)`` calls :func:`search`: the package attribute is this module."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return search(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
