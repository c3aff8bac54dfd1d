"""The dataset as rdflib objects (for pySHACL and notebooks), built from the one loader.

Files are read by :mod:`trilat_kg.loader` only (the same rules, verdicts and messages as
every other command); this module turns its quads into rdflib terms. No rdflib parser runs
on a user's file, so rdflib never fetches a JSON-LD context, never bakes a ``file:`` IRI
into the data and never logs a traceback for an ill-typed literal.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import BNode, Dataset, Graph, Literal, URIRef

from .loader import USER_GRAPH, load_parts, load_quads, read_file
from .namespaces import PREFIXES

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = [
    "bound_graph",
    "dataset_from_quads",
    "graph_from_triples",
    "load_dataset",
    "load_union",
    "offline_sparql",
    "parse_file",
    "parse_turtle",
    "to_rdflib",
]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def offline_sparql() -> None:
    """Stop rdflib's SPARQL engine from loading ``FROM`` / ``FROM NAMED`` graphs off the web.

    rdflib's default (``SPARQL_LOAD_GRAPHS = True``) fetches any IRI a query names in
    ``FROM``, including ``file:`` IRIs; trilat-kg queries its own data only.
    """
    import rdflib.plugins.sparql as sparql

    sparql.SPARQL_LOAD_GRAPHS = False


def to_rdflib(term: object) -> URIRef | BNode | Literal:
    """The rdflib term for a pyoxigraph term (lexical form and datatype as they are)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        # normalize=False: rdflib would otherwise rewrite "07"^^xsd:positiveInteger to "7"
        # (and pySHACL turns that global default back on after each run), so a shape could
        # not see the form as written.
        if term.language:
            return Literal(term.value, lang=term.language, normalize=False)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value, normalize=False)
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)
    raise TypeError(f"not an RDF term: {term!r}")


def _bind(graph: Graph) -> None:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)


def bound_graph() -> Graph:
    """An empty graph with the project's prefixes bound, as :func:`load_union` gives them."""
    graph = Graph()
    _bind(graph)
    return graph


def dataset_from_quads(quads: Iterable[pyoxigraph.Quad]) -> Dataset:
    """An rdflib Dataset with each quad in its named graph; default graph = their union."""
    ds = Dataset(default_union=True)
    _bind(ds)
    graphs: dict[str, Graph] = {}
    for q in quads:
        name = q.graph_name.value
        graph = graphs.get(name)
        if graph is None:
            graph = graphs[name] = ds.graph(URIRef(name))
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return ds


def load_dataset(root: Path | None = None, extra: Iterable[Path] = ()) -> Dataset:
    """Return the dataset with one named graph per part (ontology, essay, external, metadata).

    ``extra`` files (a user's additions) go into the graph ``graphs/user``. Read by
    :func:`trilat_kg.loader.load_quads`, whose errors it raises.
    """
    offline_sparql()
    return dataset_from_quads(load_quads(list(extra), root=root))


def load_union(root: Path | None = None, extra: Iterable[Path] = (),
               graphs: Iterable[str] | None = None) -> Graph:
    """Return one graph holding the RDF merge of the named graphs (all, or those named).

    ``extra`` files are merged in too. Read by :func:`trilat_kg.loader.load_parts`, whose
    errors it raises; the project's prefixes are bound (:func:`bound_graph`).
    """
    offline_sparql()
    parts = load_parts(list(extra), root=root, graphs=graphs)
    return graph_from_triples(chain.from_iterable(t for _, t in parts), bound_graph())


def graph_from_triples(triples: Iterable[pyoxigraph.Quad | pyoxigraph.Triple],
                       into: Graph | None = None) -> Graph:
    """Add pyoxigraph triples (or quads, their graph names dropped) to ``into`` or a new graph.

    Terms are converted by :func:`to_rdflib` (lexical forms and datatypes as written); a
    blank node keeps its pyoxigraph label, so the same triples give the same rdflib nodes.
    """
    graph = into if into is not None else Graph()
    for q in triples:
        graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graph


def parse_file(path: Path, into: Graph | None = None) -> Graph:
    """Read one file by the loader's rules (format by suffix) into ``into`` or a new graph.

    Named graphs of a TriG, N-Quads or JSON-LD file are merged into the one graph.
    """
    import pyoxigraph as ox

    return graph_from_triples(read_file(Path(path), ox.NamedNode(USER_GRAPH)), into)


def parse_turtle(path: Path, into: Graph | None = None) -> Graph:
    """Read one Turtle file (see :func:`parse_file`); kept for callers of version 0.1."""
    return parse_file(path, into)


