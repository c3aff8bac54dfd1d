"""Turn what a user types for a resource into its IRI: an IRI, a CURIE, a label or a slug.

A parameter that expects an IRI (``--param actor=...``, ``run_query(..., {"actor": ...})``)
takes any of

* a full IRI, ``https://w3id.org/trilat-kg/id/states/japan`` (also between ``<`` ``>``);
* the CURIE the tables print, ``state:japan`` (the prefixes of :mod:`trilat_kg.prefixes`);
* an unambiguous label in any language, alternative label or notation (``Japan``, ``日本``,
  ``GSOMIA`` is ambiguous), compared as :func:`trilat_kg.search.normalize` folds them;
* a slug, the last segment of one of the dataset's IRIs (``japan``);
* a code or Wikidata QID of a state (``JPN``, ``740``, ``Q17``).

Labels come first, then slugs, then codes: the first of these that matches decides, and
when it names more than one resource the value is refused with the candidates. An IRI or
CURIE the graph does not hold is refused (exit 2) with the closest matches, so a typo does
not silently answer nothing. :class:`Resolver` loads the dataset only when it has to, and
the caller can reuse the store it loaded.
"""

from __future__ import annotations

import difflib
import re
import sys as _sys
import types as _types
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import UsageError
from .results import printable
from .search import CURIE_PREFIXES, SearchIndex, curie, normalize, slug_of

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = ["Resolver", "expand_curie", "label_map", "resolve"]

_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\\x7f]*\Z")
#: Text meant as an IRI (a scheme and ``//``, or ``scheme:`` and no space): refused when
#: invalid, never looked up as a label.
_LOOKS_LIKE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(//|\S*\Z)")
_CURIE_RE = re.compile(r"([A-Za-z][A-Za-z0-9_\-]*):([^\s/<>\"{}|^`\\]*)\Z")

#: Tiers of exact matches for a label or slug, tried in order.
_TIERS: tuple[frozenset[str], ...] = (
    frozenset({"label", "prefLabel", "altLabel", "notation"}),
    frozenset({"slug"}),
    frozenset({"iso3166Alpha2", "iso3166Alpha3", "unM49", "cowCode", "cowAbbreviation",
               "gwCode", "gwAbbreviation", "wikidata"}),
)
#: How many candidates an error message names.
SUGGESTIONS = 5


def expand_curie(value: str) -> str | None:
    """``state:japan`` -> its IRI, when the prefix is one of the dataset's; else None."""
    match = _CURIE_RE.match(value)
    if not match or match[1] not in CURIE_PREFIXES or match[2].startswith("//"):
        return None
    return CURIE_PREFIXES[match[1]] + match[2]


def _show(iri: str, index: SearchIndex | None = None, lang: str | None = None) -> str:
    name = curie(iri) or f"<{iri}>"
    label = index.label(iri, lang) if index is not None else None
    if label and normalize(label) != normalize((slug_of(iri) or "").replace("-", " ")):
        return printable(f"{name} ({label})")
    return printable(name)


class Resolver:
    """Resolve parameter values against a store, loaded on first need.

    ``check`` (the default) refuses IRIs the store does not hold. With ``check=False`` (a
    remote endpoint, whose data this machine does not have) IRIs and CURIEs pass as they
    are, and labels and slugs are looked up in the shipped dataset.
    """

    def __init__(self, store: pyoxigraph.Store | None = None, *,
                 extra: Sequence[Path | str] = (), check: bool = True) -> None:
        self._store = store
        self._extra = tuple(extra)
        self._index: SearchIndex | None = None
        self.check = check

    @property
    def loaded_store(self) -> pyoxigraph.Store | None:
        """The store, if it was given or loaded; never loads it."""
        return self._store

    @property
    def store(self) -> pyoxigraph.Store:
        """The store (the dataset merged with the ``extra`` files), loaded on first use."""
        if self._store is None:
            from .store import load_store

            self._store = load_store(self._extra)
        return self._store

    @property
    def index(self) -> SearchIndex:
        if self._index is None:
            self._index = SearchIndex.from_store(self.store)
        return self._index

    def holds(self, iri: str) -> bool:
        """True when the store has a statement with ``iri`` as subject, predicate or object."""
        import pyoxigraph as ox

        node = ox.NamedNode(iri)
        store = self.store
        for pattern in ((node, None, None), (None, None, node), (None, node, None)):
            for _ in store.quads_for_pattern(*pattern, ox.DefaultGraph()):
                return True
        return False

    def resolve(self, value: str, where: str = "value") -> str:
        """The IRI ``value`` stands for; UsageError (exit 2) naming candidates otherwise."""
        if not isinstance(value, str):
            raise UsageError(f"{where}: value must be text")
        text = value
        if text.startswith("<") and text.endswith(">"):
            text = text[1:-1]
        iri = expand_curie(text)
        if iri is None and (_IRI_RE.match(text) or _LOOKS_LIKE_IRI.match(text)):
            iri = text
        if iri is not None:
            if not _IRI_RE.match(iri):
                raise UsageError(f"{where}: invalid IRI {printable(value)!r}")
            if self.check and not self.holds(iri):
                raise UsageError(
                    f"{where}: {printable(text)} is not in the graph; "
                    + self._closest_text(iri))
            return iri
        return self._by_name(text.strip(), value, where)

    def _by_name(self, text: str, value: str, where: str) -> str:
        if not text:
            raise UsageError(f"{where}: empty value (expected an IRI, CURIE, label or slug)")
        if self._store is None and not self.check:
            from .store import load_store

            self._store = load_store()  # labels of the shipped dataset (remote endpoint)
        index = self.index
        folded = normalize(text)
        for tier in _TIERS:
            found = sorted({iri for iri in index for entry in index.entries[iri]
                            if entry.field in tier and entry.folded == folded},
                           key=lambda i: (index.type_rank(i), i))
            if len(found) == 1:
                return found[0]
            if found:
                shown = ", ".join(_show(i, index) for i in found[:SUGGESTIONS])
                more = f" and {len(found) - SUGGESTIONS} more" if len(found) > SUGGESTIONS else ""
                raise UsageError(f"{where}: {printable(value)!r} is ambiguous: it names "
                                 f"{shown}{more}; give one of these CURIEs instead")
        raise UsageError(f"{where}: no resource is called {printable(value)!r} (expected an "
                         f"IRI, CURIE, label or slug); {self._closest_text(None, text)}")

    def closest(self, iri: str | None, text: str | None = None,
                limit: int = SUGGESTIONS) -> list[str]:
        """IRIs that look like ``iri`` (or like ``text``), best first."""
        index = self.index
        if text is None and iri is not None:
            text = re.split(r"[/#:]", iri)[-1].replace("-", " ").replace("_", " ")
        found: list[str] = []
        if text:
            found = [hit.iri for hit in index.search(text, limit=limit)]
        if len(found) < limit:
            namespace = ""
            if iri is not None:
                namespace = iri[: max(iri.rfind("/"), iri.rfind("#")) + 1]
            pool = [i for i in index if namespace and i.startswith(namespace)
                    and i not in found]
            key = normalize(text or "")
            if pool:
                ranked = sorted(pool, key=lambda i: (-_ratio(key, i, index), i))
            else:
                names = {}
                for i in index:
                    if i in found:
                        continue
                    for entry in index.entries[i]:
                        if entry.field in ("label", "slug"):
                            names.setdefault(entry.folded, i)
                close = difflib.get_close_matches(key, list(names), n=limit, cutoff=0.6)
                ranked = list(dict.fromkeys(names[c] for c in close))
            found += ranked[: limit - len(found)]
        return found

    def _closest_text(self, iri: str | None, text: str | None = None) -> str:
        found = self.closest(iri, text)
        if not found:
            return "no close match (try: trilat-kg search TEXT)"
        return "closest: " + ", ".join(_show(i, self.index) for i in found)


def _ratio(key: str, iri: str, index: SearchIndex) -> float:
    names = [normalize((slug_of(iri) or "").replace("-", " "))]
    names += [e.folded for e in index.entries.get(iri, ()) if e.field == "label"]
    return max(difflib.SequenceMatcher(None, key, n).ratio() for n in names)


def resolve(value: str, *, store: pyoxigraph.Store | None = None,
            extra: Sequence[Path | str] = ()) -> str:
    """The IRI a user's ``value`` (IRI, CURIE, label, slug, code) stands for.

    UsageError when the graph does not hold it or a label names several resources; the
    message names the closest matches or the candidates.
    """
    return Resolver(store, extra=extra).resolve(value)


def label_map(store: pyoxigraph.Store, iris: Iterable[str], lang: str | None = None,
              ) -> dict[str, str]:
    """Labels of ``iris`` in ``lang`` (else English, else any language), as plain text.

    Looks up ``rdfs:label`` and ``skos:prefLabel`` with one query on ``store``.
    """
    import pyoxigraph as ox

    wanted = sorted({i for i in iris if _IRI_RE.match(i)})
    if not wanted:
        return {}
    values = " ".join(f"<{i}>" for i in wanted)
    text = ("SELECT ?s ?l WHERE { VALUES ?s { " + values + " } "
            "?s <http://www.w3.org/2000/01/rdf-schema#label>|"
            "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER (isLiteral(?l)) }")
    found: dict[str, dict[str | None, str]] = {}
    for solution in store.query(text):
        literal = solution[1]
        if not isinstance(literal, ox.Literal):
            continue
        found.setdefault(solution[0].value, {}).setdefault(literal.language, literal.value)
    out: dict[str, str] = {}
    for iri, labels in found.items():
        for key in (lang, "en", None):
            if key in labels:
                out[iri] = labels[key]
                break
        else:
            out[iri] = labels[sorted(k for k in labels if k)[0]]
    return out


def labels_for_result(store: pyoxigraph.Store, rows: Iterable[Iterable[object]],
                      lang: str | None = None) -> Mapping[str, str]:
    """Labels of every IRI in ``rows`` (the terms of a query result)."""
    from .results import IRI

    return label_map(store, (t.value for row in rows for t in row if isinstance(t, IRI)),
                     lang)


class _CallableModule(_types.ModuleType):
    """``trilat_kg.resolve(...)`` calls :func:`resolve`: the package attribute is this module."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return resolve(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
