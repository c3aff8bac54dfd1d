"""Load the trilat-kg dataset (its named graphs) with rdflib.

The dataset is a set of Turtle files; the folder a file sits in decides its named graph
(see :data:`trilat_kg.resources.GRAPH_FILES`). rdflib is used here because pySHACL and the
notebook API need an rdflib graph; fast querying goes through pyoxigraph elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from .namespaces import PREFIXES
from .resources import GRAPHS, data_root, files_for

__all__ = ["load_dataset", "load_union", "parse_turtle"]


def parse_turtle(path: Path, into: Graph | None = None) -> Graph:
    """Parse one Turtle file into ``into`` (or a new graph)."""
    graph = into if into is not None else Graph()
    graph.parse(path, format="turtle")
    return graph


def _bind(graph: Graph) -> None:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)


def load_dataset(root: Path | None = None, extra: Iterable[Path] = ()) -> Dataset:
    """Return the dataset with one named graph per part (ontology, essay, external, metadata).

    ``extra`` files (a user's additions) go into the graph ``graphs/user``.
    """
    root = root or data_root()
    ds = Dataset(default_union=True)  # default graph = union, as in pyoxigraph queries
    _bind(ds)
    for name, iri in GRAPHS.items():
        g = ds.graph(URIRef(iri))
        for path in files_for(name, root):
            parse_turtle(path, g)
    extra = list(extra)
    if extra:
        g = ds.graph(URIRef(GRAPHS["ontology"].rsplit("/", 1)[0] + "/user"))
        for path in extra:
            parse_turtle(Path(path), g)
    return ds


def load_union(root: Path | None = None, extra: Iterable[Path] = (),
               graphs: Iterable[str] | None = None) -> Graph:
    """Return one graph holding the union of the named graphs (all, or those named)."""
    root = root or data_root()
    union = Graph()
    _bind(union)
    for name in graphs or GRAPHS:
        for path in files_for(name, root):
            parse_turtle(path, union)
    for path in extra:
        parse_turtle(Path(path), union)
    return union
