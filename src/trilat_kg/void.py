"""The generated VoID statistics block of data/dataset.ttl.

The description of the dataset (data/dataset.ttl, the metadata graph) ends with figures that
are generated, never typed: triples per named graph and entities per class, counted over the
ontology, essay and external graphs (the metadata graph is left out, so the figures do not
count themselves). ``tools/update_stats.py`` rewrites the block; a test fails when it is stale.
"""

from __future__ import annotations

from pathlib import Path

from .resources import GRAPHS, data_root
from .stats import Stats, compute_stats

__all__ = ["BEGIN", "END", "content_stats", "render_block", "replace_block"]

BEGIN = "# BEGIN GENERATED STATISTICS (tools/update_stats.py)"
END = "# END GENERATED STATISTICS"
DATASET = "https://w3id.org/trilat-kg/"


def content_stats(root: Path | None = None) -> Stats:
    """Count the VoID figures of every named graph except the metadata graph."""
    import pyoxigraph

    from .store import load_store

    store = load_store((), root=root or data_root())
    store.remove_graph(pyoxigraph.NamedNode(GRAPHS["metadata"]))
    return compute_stats(store)


def render_block(stats: Stats) -> str:
    """Return the Turtle of the statistics block, in a stable order."""
    lines = [BEGIN]
    lines.append(f"<{DATASET}> void:triples {stats.triples} ;")
    lines.append(f"    void:entities {stats.entities} ;")
    lines.append(f"    void:classes {stats.classes} ;")
    lines.append(f"    void:properties {stats.properties} ;")
    lines.append(f"    void:distinctSubjects {stats.distinct_subjects} ;")
    lines.append(f"    void:distinctObjects {stats.distinct_objects} ;")
    parts = [f"        [ void:class <{cls}> ; void:entities {n} ]"
             for cls, n in sorted(stats.class_entities.items())]
    lines.append("    void:classPartition\n" + ",\n".join(parts) + " .")
    for graph, n in sorted(stats.graphs.items()):
        if graph != GRAPHS["metadata"]:
            lines.append(f"<{graph}> void:triples {n} .")
    lines.append(END)
    return "\n".join(lines) + "\n"


def replace_block(text: str, block: str) -> str:
    """Put ``block`` in place of the generated block of ``text`` (or append it)."""
    if BEGIN in text:
        head = text[: text.index(BEGIN)]
        tail = text[text.index(END) + len(END):].lstrip("\n")
        return head + block + tail
    return text.rstrip("\n") + "\n\n" + block
