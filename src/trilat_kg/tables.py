"""Tables IR researchers load directly: actors, agreements, dyad-years, stances, positions,
a codebook.

``trilat-kg export --format csv -o DIR`` (and :func:`write_tables` behind it) writes, UTF-8
without a byte-order mark, comma-separated, ``\\n`` line ends, a header row:

==============================  ==========================================================
``actors.csv``                  the identifier crosswalk, one row per ``trilat:Actor``
``agreements.csv``              one row per ``trilat:Agreement``: kind, parties, key dates,
                                ATOP-style obligation columns and the "outside ATOP" flag
``dyad_year.csv``               one row per directed dyad-year (``ccode1, ccode2, year``),
                                both orders, its agreements aggregated: counts (in force,
                                per life-cycle stage), one flag per agreement kind, IRIs
``dyad_year_undirected.csv``    the same with ``ccode1 < ccode2`` only
``dyad_year_agreement.csv``     one row per directed dyad, agreement and year: the
                                agreement-level detail the dyad-year rows aggregate
``stances.csv``                 one row per claim and passage: holder, position targets,
                                mentions, modality, as-of, time held, qualifications and
                                concessions, quote and offsets (``targets`` and
                                ``polarity`` deprecated, kept)
``positions.csv``               one row per position: holder, one target, its polarity,
                                modality, as-of, time held, passage and quote
``datapackage.json``            Frictionless Data Package (Table Schema per CSV, with the
                                unit of analysis and the primary key of each)
``CODEBOOK.md``                 variable, label, type, allowed values, missing-value rule,
                                source, Stata storage
``*.dta``                       each table for Stata (format 118), with variable and value
                                labels (:mod:`trilat_kg.stata`; needs pandas)
==============================  ==========================================================

Why it is built this way:

* **Nothing is kept by hand.** Every cell comes from a SPARQL query over the same store the
  rest of the package queries (:func:`trilat_kg.store.load_store`, user files included), and
  the codebook is generated from the ontology (the ``rdfs:comment`` of the property behind
  each column), the SKOS vocabularies (allowed values) and the SHACL shapes (patterns and
  the rule each value obeys). What is fixed here is only the *shape* of the tables: which
  column reads which property, and the derivation rules below, each documented in the
  codebook.
* **Missing is missing.** An empty cell means "does not apply or is not in the graph"; a 0
  is written only where the graph says "no" for that year (see ``concluded``, ``in_force``).
  The ATOP obligation columns are all empty: none of the agreements is an alliance in
  ATOP's sense, and writing 0 would let a join read "no defence pledge" into an agreement
  ATOP never coded.
* **One row per unit.** Each table's key (the Table Schema ``primaryKey``) is unique; the
  dyad-year tables aggregate the agreements of a dyad-year, so a left join from a dyad-year
  panel keeps its rows, and the agreement-level rows live in their own table.
* **Rows exist only inside coverage.** The dyad-year tables have rows for the years of an
  agreement's life cycle up to the last year the graph covers (the latest dated life-cycle
  step of any instrument); a left join from a wider frame gives NA outside, never 0, and
  the graph is not a census of agreements, so an absent row never means "no agreement".
* **Codes are strings where the ontology says so** (``actors.csv``: ``un_m49`` ``"036"``),
  integers where the IR convention is numeric (``dyad_year``: ``ccode1``, ``ccode2``,
  ``year``, as in peacesciencer, COW and ATOP).
* **Deterministic output**: rows sorted, multi-valued cells sorted and joined with ``;``,
  no timestamps (the .dta files carry the dataset's ``dcterms:modified`` date), so two
  runs give the same bytes and a diff of two releases is readable.
* **All or nothing.** Every file is written with :func:`trilat_kg.atomic.write_atomic` into
  a staging folder inside the target folder, and only when all of them are complete are
  they renamed into place, so a failure leaves the files of an earlier run as they were.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import stata
from .atomic import STALE_AFTER, check_target, write_atomic
from .errors import LocalIOError, UsageError
from .stata import stata_type

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = [
    "CODEBOOK_FILE",
    "DATAPACKAGE_FILE",
    "TABLES",
    "Column",
    "Table",
    "actors_table",
    "agreements_table",
    "build_tables",
    "codebook_markdown",
    "coverage_years",
    "datapackage",
    "dyad_year_agreement_table",
    "dyad_year_table",
    "output_names",
    "positions_table",
    "render_files",
    "stances_table",
    "write_tables",
]

# --------------------------------------------------------------------------- namespaces

TRILAT = "https://w3id.org/trilat-kg/ontology#"
ID = "https://w3id.org/trilat-kg/id/"
STEP = ID + "step-types/"
SCHEME = ID + "concept-schemes/"
AGREEMENT_KIND = ID + "agreement-kinds/"
DATASET_IRI = "https://w3id.org/trilat-kg/"
ONTOLOGY_GRAPH = "https://w3id.org/trilat-kg/graphs/ontology"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
OA = "http://www.w3.org/ns/oa#"
TIME = "http://www.w3.org/2006/time#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"

_PREFIXES = f"""\
PREFIX trilat: <{TRILAT}>
PREFIX rdfs: <{RDFS}>
PREFIX owl: <{OWL}>
PREFIX skos: <{SKOS}>
PREFIX dcterms: <{DCTERMS}>
PREFIX oa: <{OA}>
PREFIX sh: <{SH}>
"""

_CURIES = {
    TRILAT: "trilat:", RDFS: "rdfs:", OWL: "owl:", SKOS: "skos:", DCTERMS: "dcterms:",
    OA: "oa:", TIME: "time:",
}

#: Separator of multi-valued cells (values sorted, so the cell is deterministic).
SEP = ";"

CODEBOOK_FILE = "CODEBOOK.md"
DATAPACKAGE_FILE = "datapackage.json"

# --------------------------------------------------------------------------- derivation rules

#: Step types that get a date and a precision column in agreements.csv, in life-cycle order.
KEY_STEPS: tuple[str, ...] = (
    "talks-agreed", "negotiations-started", "negotiations-completed", "signing-postponed",
    "signed", "adopted", "entered-into-force", "termination-notified", "superseded",
)
#: Steps that conclude an agreement (a political declaration or guidelines are "signed" or
#: "adopted" and never enter into force; a treaty may be signed and in force the same day).
CONCLUDING_STEPS = frozenset({"signed", "adopted", "entered-into-force"})
#: Steps that end an agreement's life. A termination *notice* does not: the GSOMIA notice
#: of 2019 was suspended and withdrawn, and the agreement stayed in force.
ENDING_STEPS = frozenset({"superseded"})
IN_FORCE_STEP = "entered-into-force"

#: Agreement kinds that fall outside ATOP's definition of an alliance, with the reason. ATOP
#: codes written agreements among independent states containing a promise to aid a partner
#: in war (defense, offense), to stay neutral, not to attack, or to consult in a crisis.
#: A kind not listed here gets an empty flag (unknown), never 0.
ATOP_OUTSIDE: dict[str, str] = {
    "joint-declaration": "political declaration without a pledge of military support, "
                         "neutrality, non-aggression or crisis consultation",
    "joint-statement": "political statement without a pledge of military support, "
                       "neutrality, non-aggression or crisis consultation",
    "acquisition-and-cross-servicing-agreement": "logistics treaty (reciprocal supplies and "
                                                 "services), no security pledge",
    "military-information-agreement": "treaty on protecting exchanged classified military "
                                      "information, no security pledge",
    "defense-cooperation-guidelines": "policy document dividing roles within an existing "
                                      "alliance; not itself a treaty",
}
ATOP_OBLIGATIONS = ("defense", "offense", "neutral", "nonagg", "consul")

#: One 0/1 column of dyad_year.csv per agreement kind (a concept of the agreement-kinds
#: scheme), with a name Stata accepts (at most 32 characters). A test checks that every
#: concept of the scheme has one; an agreement of a kind not listed counts in the
#: ``n_`` columns only.
KIND_FLAGS: dict[str, str] = {
    "joint-declaration": "has_joint_declaration",
    "joint-statement": "has_joint_statement",
    "acquisition-and-cross-servicing-agreement": "has_acsa",
    "military-information-agreement": "has_gsomia",
    "defense-cooperation-guidelines": "has_guidelines",
}

_PRECISION = {TIME + "unitDay": "day", TIME + "unitMonth": "month", TIME + "unitYear": "year"}
_PRECISION_BY_TYPE = {XSD + "date": "day", XSD + "gYearMonth": "month", XSD + "gYear": "year"}
STAGES = ("not-concluded", "concluded", "in-force", "superseded")
_DATE_PATTERN = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"


# --------------------------------------------------------------------------- table model


class Column:
    """One column: its name and type, and where its values and its documentation come from.

    ``prop`` is the property (or properties) the values are read from; the codebook quotes
    its ``rdfs:comment`` from the ontology and, with ``shape_class``, the SHACL rule on it.
    ``scheme`` names the SKOS concept scheme whose concept slugs are the allowed values;
    ``enum`` gives allowed values for derived columns. ``multi`` marks ``;``-joined cells.
    ``label`` is the short variable label (Stata's limit: 80 characters; also the Table
    Schema field ``title``); ``value_labels`` name the codes of an integer column;
    ``storage`` is the Stata storage type of an integer column (``byte``, ``int``, ``long``).
    """

    __slots__ = ("about", "concept", "enum", "label", "missing", "multi", "name", "pattern",
                 "prop", "required", "scheme", "shape_class", "storage", "type",
                 "value_labels")

    def __init__(self, name: str, type_: str, about: str, *, label: str,
                 prop: str | Sequence[str] = (), scheme: str | None = None,
                 enum: Sequence[Any] | None = None, missing: str = "", multi: bool = False,
                 required: bool = False, shape_class: str | None = None,
                 pattern: str | None = None, concept: str | None = None,
                 value_labels: dict[int, str] | None = None,
                 storage: str | None = None) -> None:
        self.name = name
        self.type = type_
        self.about = about
        self.label = label
        self.prop: tuple[str, ...] = (prop,) if isinstance(prop, str) else tuple(prop)
        self.scheme = scheme
        self.enum = tuple(enum) if enum is not None else None
        self.missing = missing
        self.multi = multi
        self.required = required
        self.shape_class = shape_class
        self.pattern = pattern
        self.concept = concept
        self.value_labels = dict(value_labels or {})
        if storage is None and type_ == "integer":
            storage = "byte" if self.value_labels else "int"
        self.storage = storage


class Table:
    """A table's file, documentation and columns; ``build`` computes its rows from a store.

    ``unit`` is the unit of analysis (what one row is); ``key`` the columns that make a row
    unique (the Table Schema ``primaryKey``).
    """

    __slots__ = ("build", "columns", "description", "key", "name", "path", "rows_rule",
                 "title", "unit")

    def __init__(self, name: str, title: str, description: str, rows_rule: str,
                 key: Sequence[str], columns: Sequence[Column],
                 build: Callable[[_Graph], list[list[str]]], *, unit: str) -> None:
        self.name = name
        self.path = name + ".csv"
        self.title = title
        self.description = description
        self.rows_rule = rows_rule
        self.key = tuple(key)
        self.columns = tuple(columns)
        self.build = build
        self.unit = unit

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def dta_path(self) -> str:
        return self.name + ".dta"


# --------------------------------------------------------------------------- graph access


class _Graph:
    """The store plus what several tables need (labels, steps, coverage), computed once."""

    def __init__(self, store: pyoxigraph.Store, coverage_end: int | None = None) -> None:
        self.store = store
        self._labels: dict[str, str] | None = None
        self._steps: dict[str, list[_Step]] | None = None
        self._coverage: tuple[int | None, int | None] | None = None
        self._coverage_end_override = coverage_end
        self._docs: _Docs | None = None
        self._claims: _Claims | None = None

    @property
    def docs(self) -> _Docs:
        """What the codebook reads from the ontology, vocabularies and shapes (read once)."""
        if self._docs is None:
            self._docs = _Docs(self)
        return self._docs

    def select(self, query: str) -> list[dict[str, Any]]:
        """Run a SELECT over the union of the named graphs; one dict per solution."""
        solutions = self.store.query(_PREFIXES + query)
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names} for s in solutions]

    @property
    def labels(self) -> dict[str, str]:
        """English label of every resource (rdfs:label, else skos:prefLabel)."""
        if self._labels is None:
            found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
            for row in self.select("""
                SELECT DISTINCT ?s ?p ?l WHERE {
                  VALUES ?p { rdfs:label skos:prefLabel }
                  ?s ?p ?l FILTER(lang(?l) = "en") }"""):
                found[row["s"].value][row["p"].value].add(row["l"].value)
            self._labels = {
                s: _join(by_p.get(RDFS + "label") or by_p.get(SKOS + "prefLabel") or ())
                for s, by_p in found.items()
            }
        return self._labels

    @property
    def steps(self) -> dict[str, list[_Step]]:
        """Life-cycle steps of every instrument (from trilat:stepOf or trilat:hasStep)."""
        if self._steps is None:
            rows = self.select("""
                SELECT DISTINCT ?inst ?st ?type ?date ?prec ?ord WHERE {
                  { ?st trilat:stepOf ?inst } UNION { ?inst trilat:hasStep ?st }
                  OPTIONAL { ?st trilat:stepType ?type }
                  OPTIONAL { ?st trilat:ordinal ?ord }
                  OPTIONAL { ?st trilat:date ?date }
                  OPTIONAL { ?st trilat:datePrecision ?prec } }""")
            by_step: dict[tuple[str, str], _Step] = {}
            for row in rows:
                key = (row["inst"].value, row["st"].value)
                step = by_step.setdefault(key, _Step(row["st"].value))
                if row["type"] is not None:
                    step.types.add(_slug(row["type"].value))
                if row["date"] is not None:
                    step.add_date(row["date"].value, row["date"].datatype.value)
                if row["ord"] is not None:
                    step.ordinal = min(step.ordinal, _int(row["ord"].value, 1 << 30))
                if row["prec"] is not None:
                    step.precisions.add(_PRECISION.get(row["prec"].value,
                                                       _slug(row["prec"].value)))
            self._steps = defaultdict(list)
            for (inst, _), step in sorted(by_step.items()):
                self._steps[inst].append(step)
        return self._steps

    @property
    def coverage(self) -> tuple[int | None, int | None]:
        """First and last year of any dated life-cycle step in the graph (any instrument)."""
        if self._coverage is None:
            years = [s.year for steps in self.steps.values() for s in steps if s.dated]
            first = min(years) if years else None
            last = max(years) if years else None
            if self._coverage_end_override is not None:
                last = self._coverage_end_override
            self._coverage = (first, last)
        return self._coverage

    def pivot(self, subjects_query: str, props: Iterable[str]) -> dict[str, dict[str, set[Any]]]:
        """Values of ``props`` for the subjects bound to ``?s`` by ``subjects_query``."""
        values = " ".join(f"<{p}>" for p in props)
        out: dict[str, dict[str, set[Any]]] = defaultdict(lambda: defaultdict(set))
        for row in self.select(f"""
            SELECT DISTINCT ?s ?p ?o WHERE {{
              {{ SELECT DISTINCT ?s WHERE {{ {subjects_query} }} }}
              VALUES ?p {{ {values} }}
              ?s ?p ?o }}"""):
            out[row["s"].value][row["p"].value].add(row["o"])
        return out


class _Step:
    """One life-cycle step: its types, its date read as an interval, and its precision."""

    __slots__ = ("dated", "end", "iri", "lexical", "ordinal", "precisions", "start",
                 "type_precision", "types", "year")

    def __init__(self, iri: str) -> None:
        self.iri = iri
        self.types: set[str] = set()
        self.precisions: set[str] = set()
        self.lexical = ""
        self.type_precision = ""
        self.ordinal = 1 << 30
        self.dated = False
        self.year = 0
        self.start = date.min
        self.end = date.min

    def add_date(self, lexical: str, datatype: str) -> None:
        """Read ``lexical`` (xsd:date, gYearMonth or gYear) as the interval it denotes.

        A step has at most one date (the shapes say so); if a broken input gives two, the
        first one read is kept. An ill-typed date leaves the step undated.
        """
        if self.dated:
            return
        precision = _PRECISION_BY_TYPE.get(datatype)
        try:
            year = int(lexical[:4])
            month = int(lexical[5:7]) if precision in ("day", "month") else 1
            day = int(lexical[8:10]) if precision == "day" else 1
            start = date(year, month, day)
        except ValueError:
            return
        if precision == "day":
            end = start
            self.lexical = start.isoformat()
        elif precision == "month":
            following = date(year + (month == 12), month % 12 + 1, 1)
            end = date.fromordinal(following.toordinal() - 1)
            self.lexical = f"{year:04d}-{month:02d}"
        elif precision == "year":
            end = date(year, 12, 31)
            self.lexical = f"{year:04d}"
        else:
            return
        self.start, self.end, self.year = start, end, year
        self.type_precision = precision
        self.dated = True

    @property
    def precision(self) -> str:
        """trilat:datePrecision as day / month / year; the datatype's if the step lacks one."""
        return _join(self.precisions) if self.precisions else self.type_precision


def _slug(iri: str) -> str:
    """The last path segment (or fragment) of an IRI: a concept's slug, a class's name."""
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _join(values: Iterable[str]) -> str:
    return SEP.join(sorted({v for v in values if v != ""}))


def _values(props: dict[str, set[Any]], prop: str) -> list[str]:
    return sorted({t.value for t in props.get(prop, ())})


def _lang(props: dict[str, set[Any]], prop: str, lang: str) -> str:
    return _join(t.value for t in props.get(prop, ()) if getattr(t, "language", None) == lang)


def _first_step(steps: Iterable[_Step], step_type: str) -> _Step | None:
    """The dated step of ``step_type`` known to have happened first.

    Dates are intervals (a year, a month or a day); the step whose interval *ends* earliest
    wins, so where the essay dates an event to "2009" and an external source to 2009-03-05,
    the precise date is the one reported. Ties go to the more precise date, then the IRI.
    """
    candidates = [s for s in steps if s.dated and step_type in s.types]
    if not candidates:
        return None
    return min(candidates, key=lambda s: (s.end, -s.start.toordinal(), s.iri))


# --------------------------------------------------------------------------- actors


def _actors_rows(g: _Graph) -> list[list[str]]:
    classes = {row["c"].value for row in g.select(
        "SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf* trilat:Actor }")
        if row["c"].value.startswith(TRILAT)}
    supers: dict[str, set[str]] = defaultdict(set)
    for row in g.select("SELECT DISTINCT ?c ?d WHERE { ?c rdfs:subClassOf+ ?d }"):
        supers[row["c"].value].add(row["d"].value)
    types: dict[str, set[str]] = defaultdict(set)
    for row in g.select("""SELECT DISTINCT ?a ?c WHERE {
            ?a a ?c . ?c rdfs:subClassOf* trilat:Actor }"""):
        if row["c"].value in classes:
            types[row["a"].value].add(row["c"].value)
    codes = ["iso3166Alpha2", "iso3166Alpha3", "unM49", "cowCode", "cowAbbreviation",
             "gwCode", "gwAbbreviation"]
    props = g.pivot("?s a ?c . ?c rdfs:subClassOf* trilat:Actor",
                    [RDFS + "label", OWL + "sameAs", TRILAT + "ofState"]
                    + [TRILAT + c for c in codes])
    rows = []
    for actor in sorted(types):
        p = props.get(actor, {})
        # The most specific class: one that is not a superclass of another of its classes.
        specific = {c for c in types[actor]
                    if not any(c in supers[o] for o in types[actor] if o != c)}
        qids = [v[len(WIKIDATA_ENTITY):] for v in _values(p, OWL + "sameAs")
                if v.startswith(WIKIDATA_ENTITY + "Q")]
        rows.append([
            actor, _join(_slug(c) for c in specific),
            _lang(p, RDFS + "label", "en"), _lang(p, RDFS + "label", "ja"),
            _lang(p, RDFS + "label", "ko"), _lang(p, RDFS + "label", "zh"),
            _join(qids),
            *(_join(_values(p, TRILAT + c)) for c in codes),
            _join(_values(p, TRILAT + "ofState")),
        ])
    return rows


def _actor_columns() -> list[Column]:
    state = TRILAT + "State"
    na_state = "empty for actors that are not states, and for states without this code"
    return [
        Column("iri", "string", "IRI of the actor (stable; never renamed, only deprecated).",
               label="IRI of the actor", required=True),
        Column("actor_type", "string",
               "Most specific trilat: class of the actor (its local name).",
               label="Most specific class of the actor", prop=RDFS + "subClassOf", enum=(),
               required=True),
        Column("label_en", "string", "English label.", label="English label",
               prop=RDFS + "label", missing="empty if the graph has no English label"),
        Column("label_ja", "string", "Japanese label (language tag exactly `ja`).",
               label="Japanese label", prop=RDFS + "label",
               missing="empty where no Japanese label is verified"),
        Column("label_ko", "string", "Korean label (language tag exactly `ko`).",
               label="Korean label", prop=RDFS + "label",
               missing="empty where no Korean label is verified"),
        Column("label_zh", "string", "Chinese label (language tag exactly `zh`).",
               label="Chinese label", prop=RDFS + "label",
               missing="empty where no Chinese label is verified"),
        Column("wikidata_qid", "string",
               "Wikidata item, as \"Q17\", from the owl:sameAs link to "
               "http://www.wikidata.org/entity/Q17.", label="Wikidata item (Q number)",
               prop=OWL + "sameAs", pattern="^Q[1-9][0-9]*(;Q[1-9][0-9]*)*$",
               missing="empty where no verified Wikidata link exists"),
        Column("iso3166_alpha2", "string", "", label="ISO 3166-1 alpha-2 code",
               prop=TRILAT + "iso3166Alpha2", shape_class=state, missing=na_state),
        Column("iso3166_alpha3", "string", "", label="ISO 3166-1 alpha-3 code",
               prop=TRILAT + "iso3166Alpha3", shape_class=state, missing=na_state),
        Column("un_m49", "string", "Kept as a string: leading zeros matter.",
               label="UN M49 code (string, leading zeros kept)", prop=TRILAT + "unM49",
               shape_class=state, missing=na_state),
        Column("cow_code", "string",
               "String in this table, as in the ontology; the dyad-year tables have it as an "
               "integer (`ccode1`, `ccode2`).", label="Correlates of War code (string)",
               prop=TRILAT + "cowCode", shape_class=state, missing=na_state),
        Column("cow_abbreviation", "string", "", label="Correlates of War abbreviation",
               prop=TRILAT + "cowAbbreviation", shape_class=state, missing=na_state),
        Column("gw_code", "string", "", label="Gleditsch-Ward code (string)",
               prop=TRILAT + "gwCode", shape_class=state, missing=na_state),
        Column("gw_abbreviation", "string", "", label="Gleditsch-Ward abbreviation",
               prop=TRILAT + "gwAbbreviation", shape_class=state, missing=na_state),
        Column("of_state", "string",
               "IRI of the state a government, state organ or group belongs to; join it to "
               "`iri` to get that state's codes.", label="IRI of the state it belongs to",
               prop=TRILAT + "ofState",
               missing="empty for states, persons and actors not tied to one state"),
    ]


# --------------------------------------------------------------------------- agreements


def _agreement_facts(g: _Graph) -> list[dict[str, Any]]:
    """Per agreement: label, kind, parties, steps and the years of its life cycle."""
    subjects = "?s a ?c . ?c rdfs:subClassOf* trilat:Agreement"
    props = g.pivot(subjects, [RDFS + "label", TRILAT + "agreementKind", TRILAT + "party",
                               DCTERMS + "replaces"])
    agreements = sorted(row["s"].value for row in g.select(
        f"SELECT DISTINCT ?s WHERE {{ {subjects} }}"))
    cow: dict[str, set[str]] = defaultdict(set)
    for row in g.select("SELECT DISTINCT ?s ?c WHERE { ?s trilat:cowCode ?c }"):
        cow[row["s"].value].add(row["c"].value)
    replaced_by: dict[str, set[str]] = defaultdict(set)
    for ag in agreements:
        for old in _values(props.get(ag, {}), DCTERMS + "replaces"):
            replaced_by[old].add(ag)
    coverage_end = g.coverage[1]
    facts = []
    for ag in agreements:
        p = props.get(ag, {})
        steps = g.steps.get(ag, [])
        # Date order; steps of one day keep the order trilat:ordinal gives them.
        dated = sorted((s for s in steps if s.dated),
                       key=lambda s: (s.start, s.end, s.ordinal, s.iri))
        parties = _values(p, TRILAT + "party")
        ccodes = sorted({int(c) for party in parties for c in cow.get(party, ())
                         if c.isdigit()})
        kinds = [_slug(k) for k in _values(p, TRILAT + "agreementKind")]
        fact: dict[str, Any] = {
            "iri": ag, "label": _lang(p, RDFS + "label", "en"), "kinds": kinds,
            "parties": parties, "ccodes": ccodes, "steps": steps, "dated": dated,
            "replaces": _values(p, DCTERMS + "replaces"),
            "replaced_by": sorted(replaced_by.get(ag, ())),
            "start": None, "end": None, "end_rule": "",
        }
        if dated and coverage_end is not None:
            ending = [s.year for s in dated if s.types & ENDING_STEPS]
            concluded = any(s.types & CONCLUDING_STEPS for s in dated)
            if ending:
                end, rule = min(ending), "ending-step"
            elif concluded:
                end, rule = coverage_end, "coverage-end"
            else:
                end, rule = max(s.year for s in dated), "last-step"
            fact.update(start=min(s.year for s in dated), end=min(end, coverage_end),
                        end_rule=rule)
        facts.append(fact)
    return facts


def _atop_outside(kinds: Sequence[str]) -> tuple[str, str]:
    if kinds and all(k in ATOP_OUTSIDE for k in kinds):
        return "1", "; ".join(ATOP_OUTSIDE[k] for k in kinds)
    return "", ""


def _agreements_rows(g: _Graph) -> list[list[str]]:
    labels = g.labels
    rows = []
    for f in _agreement_facts(g):
        steps_cells: list[str] = []
        for step_type in KEY_STEPS:
            step = _first_step(f["steps"], step_type)
            steps_cells += [step.lexical, step.precision] if step else ["", ""]
        dated = f["dated"]
        outside, reason = _atop_outside(f["kinds"])
        rows.append([
            f["iri"], f["label"], _join(f["kinds"]),
            SEP.join(f["parties"]), SEP.join(labels.get(p, "") for p in f["parties"]),
            SEP.join(str(c) for c in f["ccodes"]), str(len(f["parties"])),
            _join(f["replaces"]), _join(f["replaced_by"]),
            *steps_cells,
            dated[0].lexical if dated else "", dated[-1].lexical if dated else "",
            str(len(f["steps"])),
            "" if f["start"] is None else str(f["start"]),
            "" if f["end"] is None else str(f["end"]), f["end_rule"],
            *("" for _ in ATOP_OBLIGATIONS), outside, reason,
        ])
    return rows


_YES_NO = {0: "no", 1: "yes"}
_ATOP_OUTSIDE_LABELS = {1: "outside ATOP's definition of an alliance"}


def _agreement_columns() -> list[Column]:
    step_cols: list[Column] = []
    for step_type in KEY_STEPS:
        name = step_type.replace("-", "_")
        step_cols += [
            Column(f"{name}_date", "string",
                   f"Date of the first dated `{step_type}` step (concept "
                   f"<{STEP}{step_type}>), at the precision the source gives: YYYY-MM-DD, "
                   "YYYY-MM or YYYY. Where two steps of the type exist, the one whose date, "
                   "read as an interval, ends first (a precise date inside a vaguer one of "
                   "the same event wins).", label=f"Date of the first {step_type} step",
                   prop=TRILAT + "date", pattern=_DATE_PATTERN, concept=STEP + step_type,
                   missing="empty if the agreement has no dated step of this type (steps "
                           "known only by trilat:notAfter or trilat:during are not dated)"),
            Column(f"{name}_precision", "string",
                   f"Precision of `{name}_date` (from trilat:datePrecision, an OWL-Time "
                   "unit).", label=f"Precision of {name}_date",
                   prop=TRILAT + "datePrecision", enum=("day", "month", "year"),
                   missing=f"empty when `{name}_date` is empty"),
        ]
    atop_cols = [
        Column(f"atop_{o}", "integer",
               f"ATOP-style `{o}` obligation (1 = the agreement carries it, 0 = an alliance "
               "that does not). Never filled for these agreements: none is an alliance in "
               "ATOP's sense (see `atop_outside_definition`).",
               label=f"ATOP-style {o} obligation (empty: not an ATOP alliance)", enum=(0, 1),
               value_labels={0: f"alliance without a {o} obligation",
                             1: f"carries a {o} obligation"},
               missing="empty = not applicable (outside ATOP's definition) or not coded; "
                       "never read it as 0")
        for o in ATOP_OBLIGATIONS
    ]
    return [
        Column("iri", "string", "IRI of the agreement.", label="IRI of the agreement",
               required=True),
        Column("label", "string", "English label.", label="English label",
               prop=RDFS + "label"),
        Column("kind", "string", "Slug of the agreement-kind concept.",
               label="Agreement kind", prop=TRILAT + "agreementKind",
               scheme=SCHEME + "agreement-kinds", shape_class=TRILAT + "Agreement",
               required=True),
        Column("parties", "string", "IRIs of the parties, sorted, `;`-separated (IRIs, not "
               "labels: they are stable and join to actors.csv `iri`).",
               label="IRIs of the parties (;-separated)", prop=TRILAT + "party", multi=True,
               shape_class=TRILAT + "Agreement"),
        Column("party_labels", "string",
               "English labels of the parties, in the order of `parties`.",
               label="English labels of the parties (;-separated)", prop=RDFS + "label",
               multi=True),
        Column("party_ccodes", "string", "COW codes of the parties that have one, ascending, "
               "`;`-separated.", label="COW codes of the parties (;-separated)",
               prop=TRILAT + "cowCode", multi=True, pattern="^[0-9]{1,3}(;[0-9]{1,3})*$",
               missing="empty if no party has a COW code"),
        Column("n_parties", "integer", "Number of parties.", label="Number of parties",
               prop=TRILAT + "party", required=True),
        Column("replaces", "string", "IRIs of the agreements this one replaces.",
               label="IRIs of the agreements it replaces", prop=DCTERMS + "replaces",
               multi=True, missing="empty if none is recorded"),
        Column("replaced_by", "string", "IRIs of the agreements that replace this one "
               "(inverse of dcterms:replaces).", label="IRIs of the agreements replacing it",
               prop=DCTERMS + "replaces", multi=True, missing="empty if none is recorded"),
        *step_cols,
        Column("first_step_date", "string", "Earliest dated life-cycle step (any type).",
               label="Date of the earliest dated step", prop=TRILAT + "date",
               pattern=_DATE_PATTERN, missing="empty if no step is dated"),
        Column("last_step_date", "string", "Latest dated life-cycle step (any type).",
               label="Date of the latest dated step", prop=TRILAT + "date",
               pattern=_DATE_PATTERN, missing="empty if no step is dated"),
        Column("n_steps", "integer", "Number of life-cycle steps, dated or not, in both the "
               "essay and the external graph.", label="Number of life-cycle steps",
               prop=TRILAT + "hasStep", required=True),
        Column("lifecycle_start_year", "integer",
               "First year of the agreement's life cycle in the dyad-year tables: the year "
               "of its earliest dated step.", label="First year of the life cycle",
               missing="empty if no step is dated"),
        Column("lifecycle_end_year", "integer",
               "Last year of the agreement's life cycle in the dyad-year tables (see "
               "`lifecycle_end_rule`), never after the coverage end year.",
               label="Last year of the life cycle", missing="empty if no step is dated"),
        Column("lifecycle_end_rule", "string",
               "How `lifecycle_end_year` was set: `ending-step` = year of the first "
               f"ending step ({', '.join(sorted(ENDING_STEPS))}); `coverage-end` = concluded "
               f"({', '.join(sorted(CONCLUDING_STEPS))}) and no ending step, so carried to "
               "the last year the graph covers; `last-step` = never concluded, so the year "
               "of its last dated step.", label="How lifecycle_end_year was set",
               enum=("ending-step", "coverage-end", "last-step"),
               missing="empty if no step is dated"),
        *atop_cols,
        Column("atop_outside_definition", "integer",
               "1 = the agreement's kind lies outside ATOP's definition of an alliance, so "
               "ATOP has (and should have) no row for it: a missing alliance in a join is "
               "not a 0 of the obligation columns.",
               label="Outside ATOP's definition of an alliance", prop=TRILAT + "agreementKind",
               enum=(1,), value_labels=_ATOP_OUTSIDE_LABELS,
               missing="empty = a kind this rule does not classify (unknown)"),
        Column("atop_outside_reason", "string",
               "Why the kind lies outside ATOP's definition.",
               label="Why it lies outside ATOP's definition", prop=TRILAT + "agreementKind",
               missing="empty when `atop_outside_definition` is empty"),
    ]


# --------------------------------------------------------------------------- dyad-years


def _dyad_agreement_rows(g: _Graph) -> list[list[str]]:
    """One row per ordered pair of state parties, agreement and year of its life cycle."""
    rows = []
    for f in _agreement_facts(g):
        if f["start"] is None or len(f["ccodes"]) < 2:
            continue
        dated: list[_Step] = f["dated"]
        last_year = max(s.year for s in dated)
        ending = [s.year for s in dated if s.types & ENDING_STEPS]
        concluded = [s.year for s in dated if s.types & CONCLUDING_STEPS]
        in_force = [s.year for s in dated if IN_FORCE_STEP in s.types]
        outside, _ = _atop_outside(f["kinds"])
        pairs = [(a, b) for a in f["ccodes"] for b in f["ccodes"] if a != b]
        for year in range(f["start"], f["end"] + 1):
            if ending and min(ending) <= year:
                stage = "superseded"
            elif in_force and min(in_force) <= year:
                stage = "in-force"
            elif concluded and min(concluded) <= year:
                stage = "concluded"
            else:
                stage = "not-concluded"
            if not in_force:
                force = ""
            else:
                force = str(int(min(in_force) <= year
                                and not (ending and min(ending) <= year)))
            happened: list[str] = []
            for s in dated:
                if s.year == year:
                    happened += [t for t in sorted(s.types) if t not in happened]
            cells = [str(year), f["iri"], _join(f["kinds"]), stage,
                     str(int(bool(concluded) and min(concluded) <= year)), force,
                     SEP.join(happened), str(int(year > last_year)), outside]
            rows += [[str(a), str(b), *cells] for a, b in pairs]
    rows.sort(key=lambda r: (int(r[0]), int(r[1]), int(r[2]), r[3]))
    return rows


def _dyad_key_columns(directed: bool) -> list[Column]:
    order = ("both orders: every (a, b) row has its (b, a) twin" if directed
             else "ccode1 < ccode2")
    return [
        Column("ccode1", "integer", f"COW code of the first state ({order}); an integer "
               "here, a string in actors.csv `cow_code`.",
               label="COW code of the first state", prop=TRILAT + "cowCode", required=True),
        Column("ccode2", "integer", "COW code of the second state.",
               label="COW code of the second state", prop=TRILAT + "cowCode", required=True),
        Column("year", "integer", "Calendar year, within the life cycle of at least one "
               "agreement between the two states (agreements.csv `lifecycle_start_year` .. "
               "`lifecycle_end_year`).", label="Year", required=True),
    ]


def _dyad_agreement_columns() -> list[Column]:
    return [
        *_dyad_key_columns(True),
        Column("agreement_iri", "string", "IRI of the agreement (joins agreements.csv `iri`).",
               label="IRI of the agreement", required=True),
        Column("kind", "string", "Slug of the agreement-kind concept.",
               label="Agreement kind", prop=TRILAT + "agreementKind",
               scheme=SCHEME + "agreement-kinds"),
        Column("stage", "string",
               "Stage reached by 31 December of `year`, from the dated steps up to that year: "
               "`superseded` (an ending step), `in-force` (entered into force), `concluded` "
               "(signed or adopted, no entry into force dated), `not-concluded`.",
               label="Life-cycle stage on 31 December", prop=TRILAT + "stepType",
               enum=STAGES, required=True),
        Column("concluded", "integer", "1 = a signed, adopted or entered-into-force step is "
               "dated in or before `year`; 0 = none is (within the life cycle, a real 0).",
               label="Concluded by 31 December", prop=TRILAT + "stepType", enum=(0, 1),
               value_labels={0: "not concluded", 1: "concluded"}, required=True),
        Column("in_force", "integer", "1 = in force on 31 December of `year` (entered into "
               "force in or before `year`, not superseded by then); 0 = not in force then.",
               label="In force on 31 December (empty: no entry into force dated)",
               prop=TRILAT + "stepType", enum=(0, 1),
               value_labels={0: "not in force", 1: "in force"},
               missing="empty = the graph dates no entry into force for this agreement "
                       "(unknown, or the kind never enters into force); never read as 0"),
        Column("steps_in_year", "string", "Step-type slugs of the steps dated in `year`, in "
               "date order (year- and month-precise dates count in their year).",
               label="Step types dated in the year (;-separated)", prop=TRILAT + "stepType",
               multi=True, missing="empty if no step is dated in that year"),
        Column("carried_forward", "integer", "1 = `year` is after the agreement's last dated "
               "step: the row assumes nothing changed since (the graph records no later "
               "step); 0 = a step is dated in or after `year`.",
               label="Carried forward past the last dated step", enum=(0, 1),
               value_labels={0: "a step is dated in or after the year",
                             1: "carried forward"}, required=True),
        Column("atop_outside_definition", "integer", "As in agreements.csv.",
               label="Outside ATOP's definition of an alliance", prop=TRILAT + "agreementKind",
               enum=(1,), value_labels=_ATOP_OUTSIDE_LABELS,
               missing="empty = a kind this rule does not classify (unknown)"),
    ]


#: The stages an agreement counts in, on 31 December, for the kind flags of dyad_year.csv:
#: concluded (signed or adopted) or in force, and not superseded.
_IN_EFFECT_STAGES = frozenset({"concluded", "in-force"})


def _dyad_year_rows(g: _Graph, *, directed: bool) -> list[list[str]]:
    """One row per dyad-year: the rows of dyad_year_agreement.csv, aggregated."""
    at = {c.name: i for i, c in enumerate(_dyad_agreement_columns())}
    groups: dict[tuple[int, int, int], list[list[str]]] = defaultdict(list)
    for row in _dyad_agreement_rows(g):
        a, b, year = int(row[0]), int(row[1]), int(row[2])
        if directed or a < b:
            groups[(a, b, year)].append(row)
    rows = []
    for (a, b, year), group in sorted(groups.items()):
        stages = [r[at["stage"]] for r in group]
        force = [r[at["in_force"]] for r in group]
        in_effect = {k for r in group if r[at["stage"]] in _IN_EFFECT_STAGES
                     for k in r[at["kind"]].split(SEP)}
        outside = "1" if all(r[at["atop_outside_definition"]] == "1" for r in group) else ""
        rows.append([
            str(a), str(b), str(year), str(len(group)),
            str(force.count("1")), str(force.count("")),
            str(stages.count("not-concluded")), str(stages.count("concluded")),
            str(stages.count("superseded")),
            *(str(int(kind in in_effect)) for kind in KIND_FLAGS),
            str(sum(r[at["carried_forward"]] == "1" for r in group)), outside,
            SEP.join(sorted(r[at["agreement_iri"]] for r in group)),
        ])
    return rows


def _dyad_year_columns(directed: bool) -> list[Column]:
    flags = [
        Column(flag, "integer",
               f"1 = at least one agreement of kind `{kind}` between the two states is "
               "concluded (signed or adopted) or in force, and not superseded, on 31 December "
               "of `year` (stage `concluded` or `in-force` in dyad_year_agreement.csv); 0 = "
               "none of the agreements the graph holds for this dyad-year is.",
               label=f"{kind.replace('-', ' ').capitalize()} in effect on 31 December",
               prop=TRILAT + "agreementKind", enum=(0, 1), concept=AGREEMENT_KIND + kind,
               value_labels={0: "none in effect", 1: "at least one in effect"},
               required=True)
        for kind, flag in KIND_FLAGS.items()
    ]
    count = "Number of the agreements between the two states whose life cycle includes `year`"
    return [
        *_dyad_key_columns(directed),
        Column("n_agreements", "integer", count + " (the rows of this dyad-year in "
               "dyad_year_agreement.csv); at least 1.",
               label="Agreements in their life cycle this year", required=True),
        Column("n_in_force", "integer", count + " that are in force on 31 December "
               "(`in_force` = 1, stage `in-force`). Agreements whose entry into force the "
               "graph does not date are counted in `n_in_force_unknown`, not here: where that "
               "is above 0, `n_in_force` is a lower bound.",
               label="Agreements in force on 31 December", prop=TRILAT + "stepType",
               required=True),
        Column("n_in_force_unknown", "integer", count + " whose `in_force` is empty: the "
               "graph dates no entry into force for them (unknown, or a kind that never "
               "enters into force, such as a declaration).",
               label="Agreements with no entry into force dated", prop=TRILAT + "stepType",
               required=True),
        Column("n_stage_not_concluded", "integer", count + " in stage `not-concluded` on 31 "
               "December. The stage counts and `n_in_force` add up to `n_agreements`.",
               label="Agreements not concluded by 31 December", prop=TRILAT + "stepType",
               required=True),
        Column("n_stage_concluded", "integer", count + " in stage `concluded` on 31 "
               "December: signed or adopted, no entry into force dated.",
               label="Agreements concluded, no entry into force dated",
               prop=TRILAT + "stepType", required=True),
        Column("n_stage_superseded", "integer", count + " in stage `superseded` on 31 "
               "December (an ending step dated in or before `year`).",
               label="Agreements superseded by 31 December", prop=TRILAT + "stepType",
               required=True),
        *flags,
        Column("n_carried_forward", "integer", count + " with `carried_forward` = 1: "
               "`year` is after their last dated step, so their stage is assumed unchanged.",
               label="Agreements carried forward past their last dated step", required=True),
        Column("atop_outside_definition", "integer", "1 = every agreement of the dyad-year "
               "lies outside ATOP's definition of an alliance (agreements.csv "
               "`atop_outside_definition`).",
               label="All its agreements outside ATOP's definition",
               prop=TRILAT + "agreementKind", enum=(1,), value_labels=_ATOP_OUTSIDE_LABELS,
               missing="empty = at least one agreement is of a kind this rule does not "
                       "classify (unknown)"),
        Column("agreement_iris", "string", "IRIs of the agreements counted in "
               "`n_agreements`, sorted, `;`-separated (they join agreements.csv `iri`).",
               label="IRIs of the agreements (;-separated)", multi=True, required=True),
    ]


# --------------------------------------------------------------------------- stances

_CLAIM_PROPS = ("label", "statement", "holder", "target", "polarity", "modality", "asOf",
                "supports", "attacks", "qualifies", "concedes", "concept", "passage",
                "position", "mentions", "heldFrom", "heldFromPrecision", "heldUntil",
                "heldUntilPrecision", "heldFromEvent", "heldUntilEvent")


class _Claims:
    """Claims, their positions and the passages both are read from, queried once."""

    def __init__(self, g: _Graph) -> None:
        self.types: dict[str, set[str]] = defaultdict(set)
        for row in g.select("""SELECT DISTINCT ?s ?c WHERE {
                ?s a ?c . ?c rdfs:subClassOf* trilat:Claim }"""):
            self.types[row["s"].value].add(row["c"].value)
        self.props = g.pivot("?s a ?c . ?c rdfs:subClassOf* trilat:Claim", [
            (RDFS if name == "label" else TRILAT) + name for name in _CLAIM_PROPS])
        positions = "{ ?s a trilat:Position } UNION { ?c trilat:position ?s }"
        self.position_props = g.pivot(positions, [
            TRILAT + "positionTarget", TRILAT + "positionPolarity", TRILAT + "passage"])
        self.positions = sorted(row["s"].value for row in g.select(
            f"SELECT DISTINCT ?s WHERE {{ {positions} }}"))
        self.claim_of: dict[str, set[str]] = defaultdict(set)
        for row in g.select("SELECT DISTINCT ?c ?s WHERE { ?c trilat:position ?s }"):
            self.claim_of[row["s"].value].add(row["c"].value)
        self.passages: dict[str, dict[str, str]] = defaultdict(dict)
        for row in g.select("""SELECT DISTINCT ?p ?exact ?start ?end ?para ?src WHERE {
                ?c trilat:passage ?p .
                OPTIONAL { ?p oa:hasSelector ?q . ?q a oa:TextQuoteSelector ; oa:exact ?exact }
                OPTIONAL { ?p oa:hasSelector ?r . ?r a oa:TextPositionSelector ;
                              oa:start ?start ; oa:end ?end }
                OPTIONAL { ?p trilat:inParagraph/trilat:ordinal ?para }
                OPTIONAL { ?p oa:hasSource ?src } }"""):
            cell = self.passages[row["p"].value]
            for name in ("exact", "start", "end", "para", "src"):
                if row[name] is not None:
                    cell[name] = _join([cell.get(name, ""), row[name].value])

    def in_text_order(self, passages: Iterable[str]) -> list[str]:
        """Passages by their start offset in the essay, then IRI."""
        return sorted(passages, key=lambda q: (_int(self.passages[q].get("start")), q))

    def position_polarities(self, claim: str) -> set[str]:
        p = self.props.get(claim, {})
        return {v for pos in _values(p, TRILAT + "position")
                for v in _values(self.position_props.get(pos, {}), TRILAT + "positionPolarity")}

    def position_targets(self, claim: str) -> list[str]:
        p = self.props.get(claim, {})
        return sorted({v for pos in _values(p, TRILAT + "position")
                       for v in _values(self.position_props.get(pos, {}),
                                        TRILAT + "positionTarget")})

    def targets(self, claim: str) -> list[str]:
        """trilat:target (deprecated); where the claim lacks it, derived as the ontology
        derives it: position targets, mentions and the claims it qualifies or concedes."""
        p = self.props.get(claim, {})
        found = _values(p, TRILAT + "target")
        if found:
            return found
        return sorted({*self.position_targets(claim), *_values(p, TRILAT + "mentions"),
                       *_values(p, TRILAT + "qualifies"), *_values(p, TRILAT + "concedes")})

    def polarity(self, claim: str) -> str:
        """trilat:polarity (deprecated); where the claim lacks it, derived as the ontology
        derives it: the polarity its positions share, ``mixed`` where they differ, empty
        where it takes no position."""
        found = _values(self.props.get(claim, {}), TRILAT + "polarity")
        if found:
            return _join(_slug(v) for v in found)
        polarities = {_slug(v) for v in self.position_polarities(claim)}
        if len(polarities) > 1:
            return "mixed"
        return _join(polarities)

    def held(self, claim: str) -> list[str]:
        """held_from, its precision, held_until, its precision, the two events."""
        p = self.props.get(claim, {})
        cells = []
        for bound in ("From", "Until"):
            dates = p.get(TRILAT + "held" + bound, set())
            precisions = {_PRECISION.get(v, _slug(v))
                          for v in _values(p, TRILAT + f"held{bound}Precision")}
            if not precisions:
                precisions = {_PRECISION_BY_TYPE.get(getattr(t.datatype, "value", ""), "")
                              for t in dates}
            cells += [_join(t.value for t in dates), _join(precisions)]
        return [*cells, _join(_values(p, TRILAT + "heldFromEvent")),
                _join(_values(p, TRILAT + "heldUntilEvent"))]


def _claims(g: _Graph) -> _Claims:
    if g._claims is None:
        g._claims = _Claims(g)
    return g._claims


def _stances_rows(g: _Graph) -> list[list[str]]:
    claim_classes = {TRILAT + "Claim", TRILAT + "Stance"}
    c = _claims(g)
    labels = g.labels
    rows = []
    for claim in sorted(c.types):
        p = c.props.get(claim, {})
        kind = "Stance" if TRILAT + "Stance" in c.types[claim] else "Claim"
        if not c.types[claim] & claim_classes:
            kind = _join(_slug(t) for t in c.types[claim])
        holders, targets = _values(p, TRILAT + "holder"), c.targets(claim)
        position_targets, mentions = c.position_targets(claim), _values(p, TRILAT + "mentions")
        head = [
            claim, kind, _lang(p, RDFS + "label", "en"), _lang(p, TRILAT + "statement", "en"),
            SEP.join(holders), SEP.join(labels.get(h, "") for h in holders),
            SEP.join(targets), SEP.join(labels.get(t, "") for t in targets),
            c.polarity(claim),
            _join(_slug(v) for v in _values(p, TRILAT + "modality")),
            _join(_values(p, TRILAT + "asOf")),
            _join(_values(p, TRILAT + "supports")), _join(_values(p, TRILAT + "attacks")),
            _join(_values(p, TRILAT + "concept")),
        ]
        tail = [
            SEP.join(position_targets), SEP.join(labels.get(t, "") for t in position_targets),
            SEP.join(mentions), SEP.join(labels.get(t, "") for t in mentions),
            _join(_values(p, TRILAT + "qualifies")), _join(_values(p, TRILAT + "concedes")),
            *c.held(claim),
        ]
        for passage in c.in_text_order(_values(p, TRILAT + "passage")) or [""]:
            info = c.passages.get(passage, {})
            rows.append([*head, passage, info.get("exact", ""), info.get("start", ""),
                         info.get("end", ""), info.get("para", ""), info.get("src", ""),
                         *tail])
    return rows


def _positions_rows(g: _Graph) -> list[list[str]]:
    c = _claims(g)
    labels = g.labels
    rows = []
    for position in c.positions:
        pp = c.position_props.get(position, {})
        claims = sorted(c.claim_of.get(position, ()))
        props = [c.props.get(claim, {}) for claim in claims]

        def of_claims(prop: str, props: list[dict[str, set[Any]]] = props) -> list[str]:
            return sorted({v for p in props for v in _values(p, prop)})

        holders = of_claims(TRILAT + "holder")
        targets = _values(pp, TRILAT + "positionTarget")
        passages = c.in_text_order(_values(pp, TRILAT + "passage"))
        first = passages[0] if passages else ""
        info = c.passages.get(first, {})
        held = [_join(cells) for cells in zip(*(c.held(claim) for claim in claims),
                                              strict=True)] if claims else [""] * 6
        rows.append([
            position, SEP.join(claims),
            SEP.join(holders), SEP.join(labels.get(h, "") for h in holders),
            SEP.join(targets), SEP.join(labels.get(t, "") for t in targets),
            _join(_slug(v) for v in _values(pp, TRILAT + "positionPolarity")),
            _join(_slug(v) for v in of_claims(TRILAT + "modality")),
            _join(of_claims(TRILAT + "asOf")),
            *held,
            first, info.get("exact", ""), info.get("start", ""), info.get("end", ""),
            _join(passages),
        ])
    return rows


def _int(text: str | None, default: int = -1) -> int:
    try:
        return int(text or "")
    except ValueError:
        return default


def _held_columns(shape_class: str | None, whose: str) -> list[Column]:
    """The time-held columns, of a claim (stances.csv) or of a position's claim."""
    cols = []
    for bound, word in (("from", "first"), ("until", "last")):
        name, prop = f"held_{bound}", TRILAT + f"held{bound.title()}"
        cols += [
            Column(name, "string",
                   f"The {word} day, month or year in which the holder held {whose}, at the "
                   "precision the source gives (YYYY-MM-DD, YYYY-MM or YYYY), apart from "
                   "`as_of` (when the source reports it).",
                   label=f"Held {bound} (date, at its precision)", prop=prop,
                   pattern=_DATE_PATTERN, shape_class=shape_class,
                   missing="empty where the source does not date it: see "
                           f"`held_{bound}_event`; a claim with no time held at all is "
                           "attested held on its `as_of` date" if bound == "from" else
                           "empty where the source does not date the end: see "
                           "`held_until_event`; with both empty the claim is reported "
                           "as still held"),
            Column(f"{name}_precision", "string",
                   f"Precision of `{name}` (trilat:held{bound.title()}Precision, an "
                   "OWL-Time unit; the datatype's where the graph gives none).",
                   label=f"Precision of held_{bound}", prop=prop + "Precision",
                   enum=("day", "month", "year"), shape_class=shape_class,
                   missing=f"empty when `{name}` is empty"),
        ]
    for bound in ("from", "until"):
        prop = TRILAT + f"held{bound.title()}Event"
        cols.append(Column(
            f"held_{bound}_event", "string",
            f"IRI of the life-cycle step the holder held {whose} {bound}, where the source "
            "places it by an event rather than a date (the step is dated, or bounded by "
            "trilat:notAfter, in the graph).",
            label=f"IRI of the event it was held {bound}", prop=prop, multi=True,
            shape_class=shape_class, missing="empty where the source names no such event"))
    return cols


def _stance_columns() -> list[Column]:
    claim = TRILAT + "Claim"
    return [
        Column("claim_iri", "string", "IRI of the claim.", label="IRI of the claim",
               required=True),
        Column("claim_type", "string", "`Stance` (a position the author reports another "
               "actor to hold) or `Claim`.", label="Stance or claim", enum=("Claim", "Stance"),
               required=True),
        Column("label", "string", "English label.", label="English label",
               prop=RDFS + "label"),
        Column("statement", "string", "", label="Statement (English)",
               prop=TRILAT + "statement", shape_class=claim),
        Column("holders", "string", "IRIs of the holders, sorted, `;`-separated.",
               label="IRIs of the holders (;-separated)", prop=TRILAT + "holder", multi=True,
               shape_class=claim, required=True),
        Column("holder_labels", "string", "English labels of the holders, in the order of "
               "`holders`.", label="English labels of the holders (;-separated)",
               prop=RDFS + "label", multi=True),
        Column("targets", "string", "Deprecated, kept so that scripts written for earlier "
               "releases keep working: IRIs of what the claim is about, sorted, "
               "`;`-separated, read from the deprecated trilat:target (where a claim lacks "
               "it, derived the same way: `position_targets`, `mentions`, `qualifies` and "
               "`concedes`). It does not say which of them the claim takes a side on: use "
               "`position_targets` and `mentions`, and positions.csv for the polarity toward "
               "each.", label="IRIs of what it is about (deprecated; ;-separated)",
               prop=TRILAT + "target", multi=True, required=True),
        Column("target_labels", "string", "English labels of the targets, in the order of "
               "`targets` (deprecated with it).",
               label="English labels of the targets (deprecated; ;-separated)",
               prop=RDFS + "label", multi=True),
        Column("polarity", "string", "Deprecated, kept so that scripts written for earlier "
               "releases keep working: one polarity for all of the claim's positions, read "
               "from the deprecated trilat:polarity (where a claim lacks it, derived the "
               "same way): the polarity its positions share, `mixed` where they differ. It "
               "is not the polarity toward each of `targets`: a claim negative toward an "
               "objection says nothing for or against the law the objection is about. Use "
               "positions.csv.", label="Polarity of its positions (deprecated)",
               prop=TRILAT + "polarity", scheme=SCHEME + "polarities",
               missing="empty = the claim takes no position (a description, a report of an "
                       "event): neither for nor against, not a third polarity"),
        Column("modality", "string", "Slug of the modality concept.", label="Modality",
               prop=TRILAT + "modality", scheme=SCHEME + "modalities", shape_class=claim,
               required=True),
        Column("as_of", "date", "", label="As-of date of the claim", prop=TRILAT + "asOf",
               shape_class=claim, required=True),
        Column("supports", "string", "IRIs of the claims this claim supports.",
               label="IRIs of the claims it supports (;-separated)",
               prop=TRILAT + "supports", multi=True, missing="empty if none"),
        Column("attacks", "string", "IRIs of the claims this claim attacks.",
               label="IRIs of the claims it attacks (;-separated)", prop=TRILAT + "attacks",
               multi=True, missing="empty if none"),
        Column("concepts", "string", "IRIs of the concepts the claim invokes.",
               label="IRIs of the concepts it invokes (;-separated)",
               prop=TRILAT + "concept", multi=True, missing="empty if none"),
        Column("passage_iri", "string", "IRI of the passage; a claim read from several "
               "passages has one row per passage, in the order of the essay.",
               label="IRI of the passage", prop=TRILAT + "passage",
               missing="empty only for a claim without a passage (the shapes forbid it)"),
        Column("quote", "string", "The quoted words, verbatim (oa:exact of the passage's "
               "text-quote selector). A short quotation of a copyrighted essay; the essay "
               "itself is not redistributed.", label="Quoted words, verbatim",
               prop=OA + "exact"),
        Column("quote_start", "integer", "Start offset of the quote in the essay, in Unicode code "
               "points from 0 (oa:start of the text-position selector).",
               label="Start offset of the quote (code points from 0)", prop=OA + "start",
               storage="long"),
        Column("quote_end", "integer", "End offset (exclusive) of the quote (oa:end).",
               label="End offset of the quote (exclusive)", prop=OA + "end", storage="long"),
        Column("paragraph", "integer", "Number of the essay paragraph the passage lies in "
               "(trilat:ordinal of its trilat:EssayParagraph).",
               label="Essay paragraph number", prop=TRILAT + "inParagraph",
               missing="empty if the passage names no paragraph"),
        Column("source", "string", "IRI of the publication the passage is taken from.",
               label="IRI of the source publication", prop=OA + "hasSource"),
        Column("position_targets", "string", "IRIs of what the claim takes a side on (the "
               "trilat:positionTarget of its trilat:position nodes), sorted, `;`-separated; "
               "the polarity toward each is in positions.csv (one row per position).",
               label="IRIs of its position targets (;-separated)",
               prop=(TRILAT + "position", TRILAT + "positionTarget"), multi=True,
               missing="empty = the claim takes no position"),
        Column("position_target_labels", "string", "English labels of the position targets, "
               "in the order of `position_targets`.",
               label="English labels of its position targets (;-separated)",
               prop=RDFS + "label", multi=True, missing="empty if `position_targets` is"),
        Column("mentions", "string", "IRIs of what the claim names without taking a side on "
               "it, sorted, `;`-separated; never also in `position_targets`.",
               label="IRIs of what it mentions (;-separated)", prop=TRILAT + "mentions",
               multi=True, missing="empty if none"),
        Column("mention_labels", "string", "English labels of the mentions, in the order of "
               "`mentions`.", label="English labels of what it mentions (;-separated)",
               prop=RDFS + "label", multi=True, missing="empty if `mentions` is"),
        Column("qualifies", "string", "IRIs of the claims this claim qualifies (limits "
               "without denying), sorted, `;`-separated.",
               label="IRIs of the claims it qualifies (;-separated)",
               prop=TRILAT + "qualifies", multi=True, missing="empty if none"),
        Column("concedes", "string", "IRIs of the claims this claim concedes (grants while "
               "maintaining itself), sorted, `;`-separated.",
               label="IRIs of the claims it concedes (;-separated)",
               prop=TRILAT + "concedes", multi=True, missing="empty if none"),
        *_held_columns(claim, "the claim"),
    ]


def _position_columns() -> list[Column]:
    position = TRILAT + "Position"
    return [
        Column("position_iri", "string", "IRI of the position "
               "(`id/positions/<claim-slug>--<target-slug>`).", label="IRI of the position",
               required=True),
        Column("claim_iri", "string", "IRI of the claim that takes the position (joins "
               "stances.csv `claim_iri`).", label="IRI of its claim",
               prop=TRILAT + "position", shape_class=position, required=True),
        Column("holders", "string", "IRIs of the claim's holders, sorted, `;`-separated.",
               label="IRIs of the holders (;-separated)", prop=TRILAT + "holder", multi=True,
               required=True),
        Column("holder_labels", "string", "English labels of the holders, in the order of "
               "`holders`.", label="English labels of the holders (;-separated)",
               prop=RDFS + "label", multi=True),
        Column("target_iri", "string", "IRI of what the position is toward (one thing: an "
               "agreement, law, measure, concept, actor or another claim).",
               label="IRI of the target", prop=TRILAT + "positionTarget",
               shape_class=position, required=True),
        Column("target_label", "string", "English label of the target (rdfs:label, else "
               "skos:prefLabel).", label="English label of the target", prop=RDFS + "label"),
        Column("polarity", "string", "Slug of the polarity concept: the holder's direction "
               "toward this target.", label="Polarity toward the target",
               prop=TRILAT + "positionPolarity", scheme=SCHEME + "polarities",
               shape_class=position, required=True),
        Column("modality", "string", "Slug of the modality concept of the claim.",
               label="Modality", prop=TRILAT + "modality", scheme=SCHEME + "modalities",
               required=True),
        Column("as_of", "date", "The date the source reports the claim.",
               label="As-of date of the claim", prop=TRILAT + "asOf", required=True),
        *_held_columns(None, "its claim"),
        Column("passage_iri", "string", "IRI of the position's passage, the first in the "
               "order of the essay where it has several (all are in `passage_iris`); the "
               "quote columns are this passage's.", label="IRI of the (first) passage",
               prop=TRILAT + "passage", shape_class=position, required=True),
        Column("quote", "string", "The quoted words of `passage_iri`, verbatim (oa:exact); "
               "the quotes of the other passages are in stances.csv (`claim_iri`, "
               "`passage_iri`).", label="Quoted words, verbatim", prop=OA + "exact"),
        Column("quote_start", "integer", "Start offset of the quote in the essay, in Unicode "
               "code points from 0 (oa:start).",
               label="Start offset of the quote (code points from 0)", prop=OA + "start",
               storage="long"),
        Column("quote_end", "integer", "End offset (exclusive) of the quote (oa:end).",
               label="End offset of the quote (exclusive)", prop=OA + "end", storage="long"),
        Column("passage_iris", "string", "IRIs of all the passages the position is read "
               "from, sorted, `;`-separated (each a passage of its claim: they join "
               "stances.csv `passage_iri`).", label="IRIs of all its passages (;-separated)",
               prop=TRILAT + "passage", multi=True, required=True),
    ]


# --------------------------------------------------------------------------- catalogue

_NA_ROWS = ("Rows exist only inside the coverage years; outside them a join yields NA. "
            "The graph holds the agreements one essay discusses, not every agreement of "
            "these states: an absent row means \"not in this graph\", never \"no agreement\".")

_DYAD_ROWS = ("Pairs of state parties with COW codes of agreements with at least one dated "
              "step, for the years from `lifecycle_start_year` to `lifecycle_end_year` "
              "(agreements.csv)")

TABLES: tuple[Table, ...] = (
    Table("actors", "Actors and their identifier crosswalk",
          "One row per actor (state, government, organisation, state organ, international "
          "organisation, group, person): labels in English, Japanese, Korean and Chinese, and "
          "the codes IR data sets join on.",
          "One row per resource typed with trilat:Actor or a subclass.", ("iri",),
          _actor_columns(), _actors_rows, unit="actor"),
    Table("agreements", "Agreements, their life cycles and the ATOP flag",
          "One row per agreement: kind, parties, the date and precision of its key life-cycle "
          "steps, the years the dyad-year tables give it, and the ATOP-style obligation "
          "columns (empty) with the explicit outside-ATOP flag.",
          "One row per resource typed with trilat:Agreement.", ("iri",),
          _agreement_columns(), _agreements_rows, unit="agreement"),
    Table("dyad_year", "Directed dyad-years",
          "One row per ordered pair of states and year (ccode1, ccode2, year), the unit of "
          "peacesciencer's directed dyad-year frames: the agreements between the two states "
          "that year aggregated into counts, one flag per agreement kind and the list of "
          "their IRIs, so a left join keeps the rows of a dyad-year panel. Symmetric: "
          "(a, b, year) and (b, a, year) carry the same values. dyad_year_agreement.csv has "
          "the agreement-level rows. " + _NA_ROWS,
          _DYAD_ROWS + "; one row per dyad-year that at least one of them covers.",
          ("ccode1", "ccode2", "year"), _dyad_year_columns(True),
          lambda g: _dyad_year_rows(g, directed=True), unit="directed dyad-year"),
    Table("dyad_year_undirected", "Undirected dyad-years",
          "As dyad_year.csv, one row per unordered pair of states and year "
          "(ccode1 < ccode2). " + _NA_ROWS,
          "The rows of dyad_year.csv with ccode1 < ccode2.",
          ("ccode1", "ccode2", "year"), _dyad_year_columns(False),
          lambda g: _dyad_year_rows(g, directed=False), unit="undirected dyad-year"),
    Table("dyad_year_agreement", "Directed dyad-years by agreement",
          "One row per ordered pair of state parties, agreement and year of the agreement's "
          "life cycle: its stage, whether it is in force, the steps dated that year. "
          "Symmetric like dyad_year.csv. Two agreements between the same states in one year "
          "give two rows: join dyad_year.csv to a dyad-year panel, or aggregate these rows "
          "to the panel's unit first. " + _NA_ROWS,
          _DYAD_ROWS + "; one row per pair, agreement and year.",
          ("ccode1", "ccode2", "year", "agreement_iri"), _dyad_agreement_columns(),
          _dyad_agreement_rows, unit="directed dyad-year-agreement"),
    Table("stances", "Claims and stances with their passages",
          "One row per claim (trilat:Claim, including trilat:Stance) and passage: holders, "
          "modality, as-of date, the quote and its offsets; what the claim takes a side on "
          "(`position_targets`) and only names (`mentions`), the claims it qualifies or "
          "concedes, and the time its holder held it. The polarity toward each target is in "
          "positions.csv; `targets` and `polarity` are deprecated (one polarity for all of a "
          "claim's targets), kept for scripts written for earlier releases.",
          "One row per claim and passage it was read from.", ("claim_iri", "passage_iri"),
          _stance_columns(), _stances_rows, unit="claim-passage"),
    Table("positions", "Positions: a holder's polarity toward one target",
          "One row per position (trilat:Position): the holders of its claim, the one target "
          "it is toward and the polarity toward it, the claim's modality, as-of date and "
          "time held, and the passage it is read from with its quote. A claim takes at most "
          "one position per target; a claim that takes no side has no row here. Count or "
          "compare stances on this table, not on stances.csv `targets` and `polarity`.",
          "One row per resource typed with trilat:Position or the object of trilat:position.",
          ("position_iri",), _position_columns(), _positions_rows,
          unit="a holder's position toward one target, as of when it was reported"),
)


def _table(name: str) -> Table:
    for table in TABLES:
        if table.name == name:
            return table
    raise KeyError(name)


def _graph(store: pyoxigraph.Store | None, extra: Sequence[Path | str],
           coverage_end: int | None) -> _Graph:
    if store is None:
        from .store import load_store

        store = load_store(extra)
    return _Graph(store, coverage_end)


def _compute(name: str, store: pyoxigraph.Store | None, extra: Sequence[Path | str],
             coverage_end: int | None = None) -> tuple[list[str], list[list[str]]]:
    table = _table(name)
    return table.header, table.build(_graph(store, extra, coverage_end))


def actors_table(store: pyoxigraph.Store | None = None, *, extra: Sequence[Path | str] = ()
                 ) -> tuple[list[str], list[list[str]]]:
    """The identifier crosswalk: (header, rows), one row per trilat:Actor, cells as strings."""
    return _compute("actors", store, extra)


def agreements_table(store: pyoxigraph.Store | None = None, *,
                     extra: Sequence[Path | str] = (), coverage_end: int | None = None
                     ) -> tuple[list[str], list[list[str]]]:
    """One row per trilat:Agreement: kind, parties, key dates, ATOP columns and flag."""
    return _compute("agreements", store, extra, coverage_end)


def dyad_year_table(store: pyoxigraph.Store | None = None, *, directed: bool = True,
                    extra: Sequence[Path | str] = (), coverage_end: int | None = None
                    ) -> tuple[list[str], list[list[str]]]:
    """One row per dyad-year (``ccode1, ccode2, year``) that an agreement's life cycle covers,
    its agreements aggregated (counts, kind flags, IRIs).

    ``directed`` gives both orders of every pair; otherwise ``ccode1 < ccode2``.
    ``coverage_end`` overrides the last covered year (default: latest dated step).
    """
    name = "dyad_year" if directed else "dyad_year_undirected"
    return _compute(name, store, extra, coverage_end)


def dyad_year_agreement_table(store: pyoxigraph.Store | None = None, *,
                              extra: Sequence[Path | str] = (), coverage_end: int | None = None
                              ) -> tuple[list[str], list[list[str]]]:
    """Directed rows per dyad, agreement and year (``ccode1, ccode2, year, agreement_iri``)."""
    return _compute("dyad_year_agreement", store, extra, coverage_end)


def stances_table(store: pyoxigraph.Store | None = None, *, extra: Sequence[Path | str] = ()
                  ) -> tuple[list[str], list[list[str]]]:
    """One row per claim and passage: holders, position targets, mentions, modality, time
    held, quote, offsets (and the deprecated targets and polarity)."""
    return _compute("stances", store, extra)


def positions_table(store: pyoxigraph.Store | None = None, *, extra: Sequence[Path | str] = ()
                    ) -> tuple[list[str], list[list[str]]]:
    """One row per position: claim, holders, target, polarity, modality, dates, quote."""
    return _compute("positions", store, extra)


def coverage_years(store: pyoxigraph.Store | None = None, *, extra: Sequence[Path | str] = ()
                   ) -> tuple[int | None, int | None]:
    """First and last year of any dated life-cycle step: the years the tables cover."""
    return _graph(store, extra, None).coverage


def build_tables(store: pyoxigraph.Store | None = None, *, extra: Sequence[Path | str] = (),
                 coverage_end: int | None = None) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Every table, computed from one store: ``{name: (header, rows)}``."""
    g = _graph(store, extra, coverage_end)
    return {t.name: (t.header, t.build(g)) for t in TABLES}


# --------------------------------------------------------------------------- codebook


class _Docs:
    """What the codebook reads from the ontology, the vocabularies and the shapes."""

    def __init__(self, g: _Graph) -> None:
        self.comments: dict[str, str] = {}
        for row in g.select(f"""SELECT ?p ?c WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{
                ?p rdfs:comment ?c FILTER(langMatches(lang(?c), "en")) }} }}"""):
            self.comments.setdefault(row["p"].value, row["c"].value)
        self.schemes: dict[str, list[str]] = defaultdict(list)
        for row in g.select("SELECT DISTINCT ?s ?c WHERE { ?c skos:inScheme ?s }"):
            self.schemes[row["s"].value].append(_slug(row["c"].value))
        for values in self.schemes.values():
            values.sort()
        self.definitions: dict[str, str] = {}
        for row in g.select("""SELECT ?c ?d WHERE { ?c skos:definition ?d
                FILTER(langMatches(lang(?d), "en")) }"""):
            self.definitions.setdefault(row["c"].value, row["d"].value)
        self.actor_types = sorted({_slug(r["c"].value) for r in g.select(
            "SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf* trilat:Actor }")
            if r["c"].value.startswith(TRILAT)})
        self.license = [r["l"].value for r in g.select(
            f"SELECT DISTINCT ?l WHERE {{ <{DATASET_IRI}> dcterms:license ?l }}")]
        self.title = _join(r["t"].value for r in g.select(
            f"""SELECT DISTINCT ?t WHERE {{ <{DATASET_IRI}> dcterms:title ?t
                FILTER(langMatches(lang(?t), "en")) }}"""))
        modified = sorted(r["m"].value for r in g.select(
            f"SELECT DISTINCT ?m WHERE {{ <{DATASET_IRI}> dcterms:modified ?m }}"))
        self.modified: date | None = None
        if modified:
            with contextlib.suppress(ValueError):
                self.modified = date.fromisoformat(modified[-1][:10])
        self.coverage = g.coverage
        self.shapes = _shape_rules()

    def enum(self, column: Column) -> list[Any] | None:
        if column.scheme:
            return list(self.schemes.get(column.scheme, []))
        if column.name == "actor_type":
            return list(self.actor_types)
        return list(column.enum) if column.enum is not None else None

    def shape(self, column: Column) -> dict[str, str]:
        if not column.shape_class:
            return {}
        for prop in column.prop:
            rule = self.shapes.get((column.shape_class, prop))
            if rule:
                return rule
        return {}

    def description(self, column: Column) -> str:
        parts = [column.about] if column.about else []
        for prop in column.prop:
            comment = self.comments.get(prop)
            if comment and not (column.about and prop == TRILAT + "date"
                                and column.name.endswith("_date")):
                parts.append(f"{_curie(prop)}: {comment}")
        if column.concept and column.concept in self.definitions:
            what = "Step type" if column.concept.startswith(STEP) else "Agreement kind"
            parts.append(f"{what} `{_slug(column.concept)}`: "
                         f"{self.definitions[column.concept]}")
        return " ".join(parts)


def _shape_rules() -> dict[tuple[str, str], dict[str, str]]:
    """(target class, path) -> sh:pattern and sh:message of the shapes, read with pyoxigraph."""
    import pyoxigraph as ox

    from .resources import shape_files
    from .store import load_file

    store = ox.Store()
    for path in shape_files():
        load_file(store, path, ox.DefaultGraph())
    rules: dict[tuple[str, str], dict[str, str]] = {}
    query = _PREFIXES + """SELECT ?cls ?path ?pattern ?min ?max ?msg WHERE {
        ?shape sh:targetClass ?cls ; sh:property ?ps . ?ps sh:path ?path .
        FILTER(isIRI(?path))
        OPTIONAL { ?ps sh:pattern ?pattern } OPTIONAL { ?ps sh:minCount ?min }
        OPTIONAL { ?ps sh:maxCount ?max }
        OPTIONAL { ?ps sh:message ?msg FILTER(langMatches(lang(?msg), "en")) } }"""
    for s in store.query(query):
        rule = rules.setdefault((s["cls"].value, s["path"].value), {})
        for name in ("pattern", "min", "max", "msg"):
            if s[name] is not None:
                rule.setdefault(name, s[name].value)
    return rules


def _curie(iri: str) -> str:
    for ns, prefix in _CURIES.items():
        if iri.startswith(ns):
            return prefix + iri[len(ns):]
    return f"<{iri}>"


def _missing_rule(column: Column) -> str:
    if column.missing:
        return column.missing
    if column.required:
        return "never empty"
    return "empty if the graph has no value"


def _field(column: Column, docs: _Docs) -> dict[str, Any]:
    field: dict[str, Any] = {"name": column.name, "title": column.label,
                             "type": column.type, "description": docs.description(column)}
    if column.type == "date":
        field["format"] = "default"
    constraints: dict[str, Any] = {}
    if column.required:
        constraints["required"] = True
    enum = docs.enum(column)
    if enum is not None and not column.multi:
        constraints["enum"] = enum
    pattern = column.pattern or (None if column.multi else docs.shape(column).get("pattern"))
    if pattern and column.type == "string":
        constraints["pattern"] = pattern
    if constraints:
        field["constraints"] = constraints
    if column.prop:
        field["sourceProperties"] = list(column.prop)
    field["missingValueRule"] = _missing_rule(column)
    if column.value_labels:
        field["valueLabels"] = {str(k): v for k, v in sorted(column.value_labels.items())}
    field["stataType"] = stata_type(column, enum)
    return field


def datapackage(store: pyoxigraph.Store | None = None, *, extra: Sequence[Path | str] = (),
                coverage_end: int | None = None, _graph_: _Graph | None = None
                ) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of the tables (a JSON-ready dict).

    One ``tabular-data-resource`` per CSV, each with its Table Schema: field name, type,
    description (the column's rule plus the ``rdfs:comment`` of the property behind it),
    constraints (``enum`` from the SKOS scheme, ``pattern`` from the SHACL shapes,
    ``required``), ``missingValues: [""]`` and the primary key (the columns that make a row
    unique). ``unitOfAnalysis`` (what one row is), and per field ``sourceProperties``,
    ``missingValueRule``, ``valueLabels`` and ``stataType`` are trilat-kg extensions (Table
    Schema allows extra properties); the field ``title`` is the Stata variable label.
    """
    from . import __version__

    g = _graph_ or _graph(store, extra, coverage_end)
    docs = g.docs
    first, last = docs.coverage
    return {
        "profile": "tabular-data-package",
        "name": "trilat-kg-tables",
        "title": f"{docs.title or 'trilat-kg'}: tables for IR research",
        "description": "Tables derived from the trilat-kg knowledge graph by "
                       "`trilat-kg export --format csv`; see CODEBOOK.md. Each CSV file has "
                       "a Stata twin (.dta, format 118) with the same rows, variable labels "
                       "(the field titles) and value labels.",
        "version": __version__,
        "homepage": DATASET_IRI,
        "licenses": [{"path": lic, "title": lic} for lic in docs.license],
        "sources": [{"title": "trilat-kg knowledge graph", "path": DATASET_IRI}],
        "temporalCoverage": {"firstYear": first, "lastYear": last},
        "resources": [
            {
                "name": t.name, "path": t.path, "title": t.title, "description": t.description,
                "unitOfAnalysis": t.unit,
                "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "lineTerminator": "\n", "quoteChar": "\"",
                            "doubleQuote": True, "header": True},
                "schema": {"fields": [_field(c, docs) for c in t.columns],
                           "missingValues": [""], "primaryKey": list(t.key)},
            }
            for t in TABLES
        ],
    }


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def codebook_markdown(store: pyoxigraph.Store | None = None, *,
                      extra: Sequence[Path | str] = (), coverage_end: int | None = None,
                      _graph_: _Graph | None = None) -> str:
    """CODEBOOK.md: for every table its row rule and key, for every column its type, allowed
    values, missing-value rule, source property and description, all generated."""
    g = _graph_ or _graph(store, extra, coverage_end)
    docs = g.docs
    first, last = docs.coverage
    out = [
        "# trilat-kg tables: codebook",
        "",
        "Generated by `trilat-kg export --format csv` from the ontology (`rdfs:comment` of the "
        "property behind each column), the SKOS vocabularies (allowed values) and the SHACL "
        "shapes (patterns, cardinalities). Do not edit by hand. The same information, "
        "machine-readable, is in `datapackage.json` (Frictionless Table Schema).",
        "",
        "## Rules for every table",
        "",
        "- UTF-8 without a byte-order mark, comma-separated, `\\n` line ends, one header row, "
        "quoted only where needed (RFC 4180 quoting). Excel users: import as UTF-8.",
        "- **Missing = empty cell** (`missingValues: [\"\"]`). Empty means \"does not apply\" "
        "or \"not in the graph\"; a `0` is written only where the graph says no for that row "
        "(e.g. `concluded` before a signing). No column writes 0 for unknown.",
        "- Multi-valued cells are `;`-separated and sorted (the `..._labels` columns follow "
        "the order of the IRIs beside them).",
        "- Resources are named by IRI (`https://w3id.org/trilat-kg/id/...`); IRIs never change.",
        "- Concept values (kind, polarity, modality, step types) are the last segment of the "
        "concept IRI, e.g. `military-information-agreement` for "
        "`https://w3id.org/trilat-kg/id/agreement-kinds/military-information-agreement`.",
        "- Dates keep the precision of the source: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, with a "
        "`_precision` column; a day is never invented.",
        f"- **Coverage**: {first}–{last}, the first and last year of any dated life-cycle step "
        "in the graph. Dyad-year rows never extend past the last year. Years outside are NA "
        "in a join, never 0.",
        "- **ATOP**: the ATOP-style obligation columns (`atop_defense`, `atop_offense`, "
        "`atop_neutral`, `atop_nonagg`, `atop_consul`) are empty for every agreement, and "
        "`atop_outside_definition` is 1 for every kind below. ATOP codes written agreements "
        "among independent states that promise military support in war, neutrality, "
        "non-aggression or consultation in a crisis; these agreements carry none of those "
        "pledges, so ATOP has no row for them, and a join that finds no ATOP alliance must "
        "not be read as an agreement with zero obligations. Not checked row by row against "
        "the ATOP 5.1 member files; no obligation is invented. Reasons by kind:",
        *(f"  - `{k}`: {v}" for k, v in ATOP_OUTSIDE.items()),
        "- COW, Gleditsch-Ward, ISO and M49 codes link to those data sets; no row of "
        "theirs is copied (COW asks that its rows not be redistributed).",
        "- **Stata**: every table is also written as a `.dta` file (format 118, Stata 14 or "
        "later, UTF-8 text) with the same rows and columns: the `label` below is the "
        "variable label, the codes of an integer column carry the value labels given under "
        "allowed values, and a column whose allowed values are listed (a SKOS vocabulary or "
        "a fixed list) is stored as codes 1, 2, ... in the order listed, each labelled with "
        "its value (`decode` gives back the text of the CSV). Codes the codebook types as "
        "strings stay strings. The `Stata` column gives each storage type (an integer "
        "column is widened to `long` only if a value needs it).",
        "",
        "## Units of analysis and joins",
        "",
        "- The key of each table (below, and `primaryKey` in datapackage.json) is unique: "
        "one row per key.",
        "- `dyad_year.csv` and `dyad_year_undirected.csv` have one row per dyad-year "
        "(`ccode1`, `ccode2`, `year`), so a left join from a dyad-year panel on those three "
        "columns keeps the panel's rows (pandas `validate=\"m:1\"`, Stata `merge m:1`). "
        "The agreements of a dyad-year are aggregated into counts, one 0/1 flag per "
        "agreement kind and the list of their IRIs.",
        "- `dyad_year_agreement.csv` keeps one row per dyad, agreement and year: join it to "
        "agreement-level data, or aggregate it to your panel's unit first.",
        "- For a state-year (country-year) panel, aggregate a dyad-year table by `ccode1` and "
        "`year` first; `actors.csv` joins on `cow_code`, a string there (convert one side), "
        "and has one row per state code.",
        "- Counts and flags are over the agreements the graph holds (one essay's agreements "
        "and their later history), not a census: a 0 says none of those, and an absent "
        "dyad-year is NA in a join, never 0.",
        "",
        "## Which years are in an agreement's life cycle (dyad-year tables)",
        "",
        "- From the year of its earliest **dated** step (`trilat:date`; steps known only by "
        "`trilat:notAfter` or `trilat:during` do not count), of any type (talks agreed, "
        "negotiations started ...).",
        f"- To: the year of its first ending step ({', '.join(sorted(ENDING_STEPS))}) if it "
        "has one; otherwise, if it was concluded "
        f"({', '.join(sorted(CONCLUDING_STEPS))}), the coverage end year ({last}), with "
        "`carried_forward = 1` for the years after its last dated step; otherwise (never "
        "concluded) the year of its last dated step.",
        "- A termination notice does not end the life cycle (a notice can be suspended or "
        "withdrawn); it shows in `steps_in_year`.",
        "- Status columns describe 31 December of the year.",
        "",
        "## Positions, and the deprecated columns of stances.csv",
        "",
        "- A claim's polarity toward what it is about is in its positions, one per target: "
        "`positions.csv` has one row per position (`position_iri`), with the holders, the "
        "one target (`target_iri`) and the polarity toward it. A claim can be negative "
        "toward an objection and take no position on the law the objection is about; such a "
        "law is in stances.csv `mentions`, never in positions.csv.",
        "- A claim that takes no side (a description, a report of an event) has no row in "
        "positions.csv and an empty `polarity` in stances.csv: empty means no position, "
        "not a neutral one.",
        "- stances.csv `targets` and `polarity` read the deprecated trilat:target and "
        "trilat:polarity (kept in the data for one release, derived from the positions): "
        "`targets` is the position targets, the mentions and the claims a claim qualifies "
        "or concedes; `polarity` the one polarity its positions share, `mixed` where they "
        "differ. They are kept, unchanged in name and place, so that scripts written for "
        "earlier releases run; a count of stances toward a target by `targets` and "
        "`polarity` counts mentions as stances. Count on positions.csv.",
        "- The holders, modality, as-of date and time held of a position are its claim's. "
        "`as_of` is when the source reports the claim; `held_from` / `held_until` (with "
        "their precision) or `held_from_event` / `held_until_event` (a life-cycle step) are "
        "when the holder held it. A claim with none of them is attested held on its `as_of` "
        "date.",
        "",
    ]
    for t in TABLES:
        out += [
            f"## {t.path}: {t.title}",
            "",
            t.description,
            "",
            f"- Unit of analysis: {t.unit}",
            f"- Rows: {t.rows_rule}",
            f"- Key (unique): {', '.join(f'`{k}`' for k in t.key)}",
            f"- Stata: `{t.dta_path}`, data label \"{t.title}\"",
            "",
            "| variable | label | type | allowed values | missing | source | Stata "
            "| description |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in t.columns:
            enum = docs.enum(c)
            rule = docs.shape(c)
            if c.value_labels:
                allowed = ", ".join(f"`{k}` = {v}" for k, v in sorted(c.value_labels.items()))
            elif enum is not None:
                allowed = ", ".join(f"`{v}`" for v in enum)
            else:
                allowed = ""
            pattern = c.pattern or rule.get("pattern")
            if pattern:
                allowed = (allowed + " " if allowed else "") + f"pattern `{pattern}`"
            if c.multi:
                allowed = (allowed + " " if allowed else "") + "(`;`-separated list)"
            source = ", ".join(_curie(p) for p in c.prop) or "derived"
            description = docs.description(c)
            if rule.get("msg"):
                description += f" Shape: {rule['msg']}"
            out.append(f"| `{c.name}` | {_md(c.label)} | {c.type} | {_md(allowed)} "
                       f"| {_md(_missing_rule(c))} | {_md(source)} "
                       f"| {_md(stata_type(c, enum))} | {_md(description)} |")
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- writing


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def render_files(store: pyoxigraph.Store | None = None, *, extra: Sequence[Path | str] = (),
                 coverage_end: int | None = None, dta: bool | None = None) -> dict[str, bytes]:
    """Every output file's name and bytes, computed in memory from one store.

    ``dta``: also the Stata files, one ``.dta`` per table (:mod:`trilat_kg.stata`). ``None``
    (the default) writes them when pandas is installed; ``True`` requires them (a
    :class:`UsageError` without pandas); ``False`` leaves them out.
    """
    if dta is None:
        dta = stata.available()
    elif dta and not stata.available():
        raise UsageError(stata.INSTALL_HINT)
    g = _graph(store, extra, coverage_end)
    built = {t.name: t.build(g) for t in TABLES}
    files = {t.path: _csv_bytes(t.header, built[t.name]) for t in TABLES}
    package = datapackage(_graph_=g)
    files[DATAPACKAGE_FILE] = (json.dumps(package, ensure_ascii=False, indent=2)
                               + "\n").encode("utf-8")
    files[CODEBOOK_FILE] = codebook_markdown(_graph_=g).encode("utf-8")
    if dta:
        docs = g.docs
        for t in TABLES:
            enums = {c.name: docs.enum(c) for c in t.columns}
            files[t.dta_path] = stata.dta_bytes(t, built[t.name], enums=enums,
                                                modified=docs.modified)
    return files


_STAGING_PREFIX = ".trilat-tables."


def _check_out_dir(out_dir: Path) -> None:
    try:
        if out_dir.exists():
            if not out_dir.is_dir():
                raise LocalIOError(f"{out_dir}: exists and is not a folder")
            if not os.access(out_dir, os.W_OK | os.X_OK):
                raise LocalIOError(f"{out_dir}: folder is not writable")
            return
        parent = out_dir.absolute().parent
        if not parent.is_dir():
            raise LocalIOError(f"{out_dir}: parent folder {parent} does not exist")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise LocalIOError(f"{out_dir}: parent folder {parent} is not writable")
    except OSError as exc:
        raise LocalIOError(f"{out_dir}: {exc.strerror or exc}") from exc


def _clean_stale_staging(out_dir: Path) -> None:
    """Remove staging folders of runs killed before they could clean up (older than 15 min)."""
    cutoff = time.time() - STALE_AFTER
    for leftover in out_dir.glob(_STAGING_PREFIX + "*"):
        with contextlib.suppress(OSError):
            if leftover.is_dir() and leftover.stat().st_mtime < cutoff:
                shutil.rmtree(leftover)


def output_names() -> list[str]:
    """The names of every file :func:`write_tables` may write (the .dta files included)."""
    return [*(t.path for t in TABLES), DATAPACKAGE_FILE, CODEBOOK_FILE,
            *(t.dta_path for t in TABLES)]


def write_tables(out_dir: Path, *, extra: Sequence[Path | str] = (),
                 coverage_end: int | None = None, dta: bool | None = None) -> list[Path]:
    """Write the CSV tables, datapackage.json, CODEBOOK.md and the Stata files into
    ``out_dir``; return the paths written.

    The Stata files (one ``.dta`` per table) need pandas; ``dta`` is as in
    :func:`render_files`. When they are not written, ``.dta`` files of an earlier run are
    removed once the new files are in place, so no file describes an older graph.

    ``out_dir`` is created if missing, but only when its parent folder exists (a typo in a
    path should fail, not create a tree): otherwise :class:`LocalIOError` (exit 4), raised
    before the graph is loaded. ``extra`` are the user's RDF files (``--data``). All tables
    are computed first; then each file is written with :func:`write_atomic` into a staging
    folder inside ``out_dir`` and, once all are complete, renamed into place. So a failure
    (bad data, full disk, Ctrl-C) leaves the files of an earlier run unchanged, and a
    symlink at a target name is refused rather than written through.
    """
    out_dir = Path(out_dir)
    _check_out_dir(out_dir)
    if out_dir.is_dir():
        for name in output_names():
            check_target(out_dir / name)
    files = render_files(extra=extra, coverage_end=coverage_end, dta=dta)
    try:
        out_dir.mkdir(exist_ok=True)
        _clean_stale_staging(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=out_dir))
    except OSError as exc:
        raise LocalIOError(f"{out_dir}: {exc.strerror or exc}") from exc
    written: list[Path] = []
    try:
        for name, data in files.items():
            write_atomic(staging / name, data)
        for name in files:
            target = out_dir / name
            with contextlib.suppress(FileNotFoundError):
                os.chmod(staging / name, os.stat(target).st_mode & 0o7777)
            os.replace(staging / name, target)
            written.append(target)
        for name in output_names():
            if name not in files:  # a .dta of an earlier run, when this one writes none
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(out_dir / name)
    except OSError as exc:
        raise LocalIOError(f"{out_dir}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written
