"""VoID statistics of the dataset: triples per graph, entities per class, triples per property.

The figures are counted by SPARQL on the embedded store, so they describe exactly what a
query sees. They feed ``trilat-kg stats`` and are meant to generate the ``void:`` figures of
``data/dataset.ttl`` (statistics are generated, never typed).

The default graph is the union of the named graphs, and pyoxigraph's union is a bag: a
triple stated in two graphs appears twice. Dataset-wide figures therefore count
``DISTINCT`` triples, subjects and objects; per-graph figures count each graph alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .results import IRI, Literal, QueryResult

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = ["VOID", "Stats", "compute_stats", "dataset_stats"]

VOID = "http://rdfs.org/ns/void#"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

_DATASET = """
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
       (COUNT(DISTINCT ?o) AS ?objects) (COUNT(DISTINCT ?p) AS ?properties)
WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }
"""
_ENTITIES = """
SELECT (COUNT(DISTINCT ?s) AS ?n) (COUNT(DISTINCT ?c) AS ?classes)
WHERE { ?s a ?c . FILTER (isIRI(?s)) }
"""
_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_CLASSES = """
SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c
"""
_PROPERTIES = """
SELECT ?p (COUNT(*) AS ?n)
WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p
"""


@dataclass
class Stats:
    """The VoID figures: whole-dataset counts and the graph, class and property partitions."""

    triples: int
    entities: int
    classes: int
    properties: int
    distinct_subjects: int
    distinct_objects: int
    graphs: dict[str, int] = field(default_factory=dict)
    class_entities: dict[str, int] = field(default_factory=dict)
    property_triples: dict[str, int] = field(default_factory=dict)

    def to_result(self) -> QueryResult:
        """One table (partition, iri, figure, value) so every result format can show it."""
        rows: list[tuple[object, ...]] = []

        def add(partition: str, iri: str | None, figure: str, value: int) -> None:
            rows.append((Literal(partition), IRI(iri) if iri else None,
                         IRI(VOID + figure), Literal(str(value), XSD_INTEGER)))

        add("dataset", None, "triples", self.triples)
        add("dataset", None, "entities", self.entities)
        add("dataset", None, "classes", self.classes)
        add("dataset", None, "properties", self.properties)
        add("dataset", None, "distinctSubjects", self.distinct_subjects)
        add("dataset", None, "distinctObjects", self.distinct_objects)
        for graph, n in self.graphs.items():
            add("graph", graph, "triples", n)
        for cls, n in self.class_entities.items():
            add("class", cls, "entities", n)
        for prop, n in self.property_triples.items():
            add("property", prop, "triples", n)
        return QueryResult(["partition", "iri", "figure", "value"], rows)  # type: ignore[arg-type]


def compute_stats(store: pyoxigraph.Store) -> Stats:
    """Count the VoID figures of a loaded store."""

    def query(text: str) -> list[list[object]]:
        answer = store.query(text)
        width = len(answer.variables)
        return [[sol[i] for i in range(width)] for sol in answer]

    def number(term: object) -> int:
        return int(term.value) if term is not None else 0  # type: ignore[attr-defined]

    triples, subjects, objects, properties = (number(t) for t in query(_DATASET)[0])
    entities, classes = (number(t) for t in query(_ENTITIES)[0])
    return Stats(
        triples=triples,
        entities=entities,
        classes=classes,
        properties=properties,
        distinct_subjects=subjects,
        distinct_objects=objects,
        graphs={g.value: number(n) for g, n in query(_GRAPHS)},  # type: ignore[attr-defined]
        class_entities={c.value: number(n) for c, n in query(_CLASSES)  # type: ignore[attr-defined]
                        if type(c).__name__ == "NamedNode"},
        property_triples={p.value: number(n) for p, n in query(_PROPERTIES)},  # type: ignore[attr-defined]
    )


def dataset_stats(extra: Sequence[Path | str] = (), *, root: Path | None = None) -> Stats:
    """Load the dataset (with ``extra`` files) and count its VoID figures."""
    from .store import load_store

    return compute_stats(load_store(extra, root=root))
