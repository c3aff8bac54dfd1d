"""The query engine's store, fed from the one loader (:mod:`trilat_kg.loader`).

pyoxigraph answers SPARQL an order of magnitude faster than rdflib, which is what keeps a
cold ``trilat-kg query`` close to the cost of starting Python. Its store keeps *values*,
not lexical forms (``"5"^^xsd:positiveInteger`` answers as ``"5"^^xsd:integer``), so it is
used to answer queries only: exports, ``push`` and the rdflib graphs are built from the
loader's quads, the data as written.

The store holds each part in its named graph and, in its default graph, the RDF merge of
all of them: a *set* (RDF 1.1 Semantics §4.1), so ``SELECT (COUNT(*) AS ?n) WHERE { ?s a
trilat:State }`` counts each state once even though two graphs type it. (pyoxigraph's own
``use_default_graph_as_union`` is a bag, and would count it twice.) Every query of the
package runs against this default graph; ``GRAPH`` reaches the named graphs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .loader import (
    ACCEPTED_SUFFIXES,
    PROCESS_LIMIT,
    USER_GRAPH,
    load_file_into,
    load_quads,
    read_file,
)

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = ["ACCEPTED_SUFFIXES", "USER_GRAPH", "load_file", "load_store", "store_from_quads"]


def load_store(
    extra: Sequence[Path | str] = (),
    *,
    root: Path | None = None,
    max_bytes: int | None = PROCESS_LIMIT,
) -> pyoxigraph.Store:
    """Return an in-memory store of the dataset: named graphs, and their merge as default.

    The parts are those of :data:`trilat_kg.resources.GRAPHS`; ``extra`` files (a user's own
    data) all go into the graph ``https://w3id.org/trilat-kg/graphs/user``, even the named
    graphs of a TriG or N-Quads file. ``max_bytes`` refuses any user file larger than that
    before parsing. Raises the errors of :func:`trilat_kg.loader.read_file`.
    """
    import pyoxigraph as ox

    store = store_from_quads(load_quads(root=root))
    user = ox.NamedNode(USER_GRAPH)
    for path in extra:
        load_file_into(store, Path(path), user, max_bytes=max_bytes)
    return store


def store_from_quads(quads: Iterable[pyoxigraph.Quad]) -> pyoxigraph.Store:
    """A store holding ``quads`` in their named graphs and their RDF merge in the default graph."""
    import pyoxigraph as ox

    quads = list(quads)
    store = ox.Store()
    default = ox.DefaultGraph()
    store.extend(quads)
    store.extend(ox.Quad(q.subject, q.predicate, q.object, default) for q in quads)
    return store


def load_file(
    store: pyoxigraph.Store,
    path: Path,
    graph: pyoxigraph.NamedNode,
    *,
    max_bytes: int | None = PROCESS_LIMIT,
) -> None:
    """Parse one file by the loader's rules into ``graph`` of ``store`` (not the default graph)."""
    store.extend(read_file(Path(path), graph, max_bytes=max_bytes))
