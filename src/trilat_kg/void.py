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

__all__ = [
    "BEGIN", "END", "README_BEGIN", "README_END", "content_stats", "render_block",
    "render_readme_counts", "replace_block", "replace_readme_counts",
]

BEGIN = "# BEGIN GENERATED STATISTICS (tools/update_stats.py)"
END = "# END GENERATED STATISTICS"
DATASET = "https://w3id.org/trilat-kg/"
README_BEGIN = "<!-- BEGIN COUNTS -->"
README_END = "<!-- END COUNTS -->"
_SHORT = {"https://w3id.org/trilat-kg/ontology#": "trilat:",
          "http://www.w3.org/2004/02/skos/core#": "skos:",
          "http://www.w3.org/ns/oa#": "oa:", "http://www.w3.org/2002/07/owl#": "owl:"}


def content_stats(root: Path | None = None) -> Stats:
    """Count the VoID figures of every named graph except the metadata graph."""
    from .loader import load_quads
    from .store import store_from_quads

    parts = [name for name in GRAPHS if name != "metadata"]
    return compute_stats(store_from_quads(load_quads(root=root or data_root(), graphs=parts)))


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


def _short(iri: str) -> str:
    for ns, prefix in _SHORT.items():
        if iri.startswith(ns):
            return prefix + iri[len(ns):]
    return iri


def render_readme_counts(stats: Stats) -> str:
    """The README's counts: triples per named graph, then entities per class (most first)."""
    graphs = ", ".join(f"{g.rsplit('/', 1)[-1]} {n:,}" for g, n in sorted(stats.graphs.items()))
    lines = [README_BEGIN,
             f"Triples by named graph: {graphs}; {stats.triples:,} distinct triples in all "
             "(the metadata graph, which describes the dataset, comes on top).", "",
             "| class | entities |", "|---|---|"]
    for cls, n in sorted(stats.class_entities.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"| `{_short(cls)}` | {n:,} |")
    lines.append(README_END)
    return "\n".join(lines)


def replace_readme_counts(text: str, block: str) -> str:
    """Put ``block`` between the README's count markers."""
    head = text[: text.index(README_BEGIN)]
    tail = text[text.index(README_END) + len(README_END):]
    return head + block + tail
