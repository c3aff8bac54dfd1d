"""The query engine's store, fed from the one loader (:mod:`trilat_kg.loader`).

pyoxigraph answers SPARQL an order of magnitude faster than rdflib, which is what keeps a
cold ``trilat-kg query`` close to the cost of starting Python. Its store keeps *values*,
not lexical forms (``"5"^^xsd:positiveInteger`` answers as ``"5"^^xsd:integer``), so it is
used to answer queries only: exports, ``push`` and the rdflib graphs are built from the
loader's quads, the data as written.

The store holds each part in its named graph, and every query's default graph is the RDF
merge of all of them: a *set* (RDF 1.1 Semantics §4.1), so ``SELECT (COUNT(*) AS ?n)
WHERE { ?s a trilat:State }`` counts each state once even though two graphs type it.
(pyoxigraph's own ``use_default_graph_as_union`` is a bag, and would count it twice.)
``GRAPH`` reaches the named graphs.

How the merge is held: the dataset's own parts (a few thousand triples) are copied into
the store's default graph. A user's ``--data`` files go into the graph ``user`` only, once:
copying 10^6 triples a second time would double the loading time and the memory. Queries
go through :class:`DatasetStore`, which names the default graph of each query as the
store's default graph plus ``user`` (SPARQL 1.1 Protocol's ``default-graph-uri``, as
pyoxigraph's ``default_graph=``), and the triples of the default graph that ``user`` also
holds are taken out of it, so the two are disjoint and their union is the merge, a set. A
query that names its own dataset (``FROM``, ``FROM NAMED``) keeps it: the first such query
copies ``user`` into the default graph, after which the store is as if it had always been
there.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .loader import (
    ACCEPTED_SUFFIXES,
    PROCESS_LIMIT,
    USER_GRAPH,
    engine_errors,
    load_parts,
    plain_format,
    read_file,
)

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = [
    "ACCEPTED_SUFFIXES",
    "USER_GRAPH",
    "DatasetStore",
    "load_file",
    "load_store",
    "names_dataset",
    "store_from_quads",
]

# What may hide the word FROM without being the keyword: strings (four forms), IRIs and
# comments, in the order SPARQL 1.1 Query §19.8 reads them.
_Q1, _Q3 = "'", "'''"
_NOT_KEYWORDS = re.compile("|".join((
    r'"""(?:[^"\\]|\\.|"(?!""))*"""',
    _Q3 + r"(?:[^'\\]|\\.|'(?!''))*" + _Q3,
    r'"(?:[^"\\\n]|\\.)*"',
    _Q1 + r"(?:[^'\\\n]|\\.)*" + _Q1,
    r'<[^<>"{}|^`\\\x00-\x20]*>',
    r"#[^\n]*",
)), re.DOTALL)
_FROM = re.compile(r"(?<![\w:?$])FROM(?![\w:-])", re.IGNORECASE)


def names_dataset(query: str) -> bool:
    """True when the SPARQL text ``query`` may have a dataset clause (``FROM``).

    The word counts as the keyword unless it stands inside a string, an IRI or a comment, or
    is part of a longer name (``?from``, ``ex:from``); anything else that reads as
    ``FROM`` counts, so a query is never given a dataset it did not ask for.
    """
    return bool(_FROM.search(_NOT_KEYWORDS.sub(" ", query)))


class DatasetStore:
    """A pyoxigraph store whose queries see the dataset's merge as their default graph.

    What :func:`load_store` returns. It answers :meth:`query` and
    :meth:`quads_for_pattern` as a ``pyoxigraph.Store`` does, with the default graph the
    RDF merge of every part (see the module docstring); every other attribute is the
    underlying store's (:attr:`store`), whose own default graph lacks the ``user`` graph's
    triples. Functions of this package that take a store take either.
    """

    def __init__(self, store: pyoxigraph.Store, user: pyoxigraph.NamedNode | None = None):
        self.store = store
        self._user = user

    def query(self, query: str, **options: Any) -> Any:
        """``pyoxigraph.Store.query``, with the merge as default graph unless the query (or
        ``default_graph=`` / ``use_default_graph_as_union=``) names another."""
        if self._user is not None and "default_graph" not in options \
                and not options.get("use_default_graph_as_union"):
            if names_dataset(query):
                self._hold_user_in_default_graph()
            else:
                import pyoxigraph as ox

                options["default_graph"] = [ox.DefaultGraph(), self._user]
        return self.store.query(query, **options)

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any,
                          graph_name: Any = None) -> Iterator[pyoxigraph.Quad]:
        """``pyoxigraph.Store.quads_for_pattern``; for the default graph, the merge (quads of
        ``--data`` files carry the graph ``user``)."""
        import pyoxigraph as ox

        found = self.store.quads_for_pattern(subject, predicate, object, graph_name)
        if self._user is None or not isinstance(graph_name, ox.DefaultGraph):
            return iter(found)
        extra = self.store.quads_for_pattern(subject, predicate, object, self._user)
        return itertools.chain(found, extra)

    def _hold_user_in_default_graph(self) -> None:
        self.store.update(f"ADD <{USER_GRAPH}> TO DEFAULT")
        self._user = None

    def __len__(self) -> int:
        return len(self.store)

    def __iter__(self) -> Iterator[pyoxigraph.Quad]:
        return iter(self.store)

    def __contains__(self, quad: object) -> bool:
        return quad in self.store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def load_store(
    extra: Sequence[Path | str] = (),
    *,
    root: Path | None = None,
    max_bytes: int | None = PROCESS_LIMIT,
) -> DatasetStore:
    """Return an in-memory store of the dataset: named graphs, and their merge as default.

    The parts are those of :data:`trilat_kg.resources.GRAPHS`; ``extra`` files (a user's own
    data) all go into the graph ``https://w3id.org/trilat-kg/graphs/user``, even the named
    graphs of a TriG or N-Quads file. ``max_bytes`` refuses any user file larger than that
    before parsing. Raises the errors of :func:`trilat_kg.loader.read_file`.
    """
    import pyoxigraph as ox

    store = _store_from_parts(load_parts(root=root))
    if not extra:
        return DatasetStore(store)
    user = ox.NamedNode(USER_GRAPH)
    for path in extra:
        load_file(store, Path(path), user, max_bytes=max_bytes)
    default = ox.DefaultGraph()
    shared = [q for q in store.quads_for_pattern(None, None, None, default)
              if ox.Quad(q.subject, q.predicate, q.object, user) in store]
    for quad in shared:  # held by user: out of the default graph, so the union is a set
        store.remove(quad)
    return DatasetStore(store, user)


def _store_from_parts(parts: Iterable[tuple[str, Sequence[pyoxigraph.Quad]]]) -> pyoxigraph.Store:
    """A store holding each part in its named graph and their merge in the default graph.

    The quads go in as N-Triples written by pyoxigraph, which the engine reads faster than
    it takes Python quad objects one by one; a part with blank nodes goes in as quads, so
    that its two copies share them.
    """
    import pyoxigraph as ox

    nt = ox.RdfFormat.N_TRIPLES
    store = ox.Store()
    default = ox.DefaultGraph()
    for iri, triples in parts:
        graph = ox.NamedNode(iri)
        body = ox.serialize(triples, format=nt)
        if b"_:" in body:  # Store.load would give each copy blank nodes of its own
            store.extend(ox.Quad(q.subject, q.predicate, q.object, g)
                         for g in (graph, default) for q in triples)
        elif body:
            store.load(body, format=nt, to_graph=graph)
            store.load(body, format=nt, to_graph=default)
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
    graph: pyoxigraph.NamedNode | pyoxigraph.DefaultGraph,
    *,
    max_bytes: int | None = PROCESS_LIMIT,
) -> None:
    """Parse one file by the loader's rules into ``graph`` of ``store`` (only that graph).

    A plain file (:func:`trilat_kg.loader.plain_format`) is parsed straight into the store
    by the engine, which keeps a 10^6-triple ``--data`` file at the engine's own speed;
    every other file goes through :func:`trilat_kg.loader.read_file`.
    """
    import pyoxigraph as ox

    path = Path(path)
    plain = plain_format(path, max_bytes=max_bytes, check_iris=False)
    if plain is None:
        store.extend(read_file(path, graph, max_bytes=max_bytes))
        return
    fmt = getattr(ox.RdfFormat, plain.format_name)
    with engine_errors(str(path)):
        if next(iter(ox.parse(path=path, format=fmt)), None) is None:
            from .errors import DataError

            raise DataError(f"{path}: no triples (the file is empty or holds only comments)")
        store.load(path=path, format=fmt, to_graph=graph)
