"""Where the ontology, data, shapes and queries live.

Inside an installed wheel they sit under ``trilat_kg/_data``; in a source checkout (or an
editable install) they are the top-level folders of the repository. Keeping the lookup in
one place means every other module, and a notebook, can stay unaware of the difference.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["GRAPHS", "GRAPH_FILES", "data_root", "files_for", "ontology_files", "shape_files"]

BASE = "https://w3id.org/trilat-kg/"
GRAPH_BASE = BASE + "graphs/"

#: Named graphs of the dataset: name -> folder globs (relative to the data root).
#: "What the essay says (as of March 2016)" and "what happened later" live apart.
GRAPH_FILES: dict[str, tuple[str, ...]] = {
    "ontology": ("ontology/*.ttl",),
    "essay": ("data/essay/*.ttl",),
    "external": ("data/external/*.ttl",),
    "metadata": ("data/dataset.ttl",),
}

GRAPHS: dict[str, str] = {name: GRAPH_BASE + name for name in GRAPH_FILES}


def data_root() -> Path:
    """Return the folder that holds ontology/, data/, shapes/ and queries/."""
    packaged = Path(__file__).resolve().parent / "_data"
    if (packaged / "ontology").is_dir():
        return packaged
    source = Path(__file__).resolve().parents[2]
    if (source / "ontology").is_dir():
        return source
    raise FileNotFoundError(
        "trilat-kg data files not found: reinstall the package or run from a source checkout"
    )


def files_for(graph: str, root: Path | None = None) -> list[Path]:
    """Return the files loaded into a named graph, sorted for reproducible loading."""
    root = root or data_root()
    out: list[Path] = []
    for pattern in GRAPH_FILES[graph]:
        out.extend(sorted(root.glob(pattern)))
    return out


def ontology_files(root: Path | None = None) -> list[Path]:
    """Return the ontology files (the ontology and its controlled vocabularies)."""
    return files_for("ontology", root)


def shape_files(root: Path | None = None) -> list[Path]:
    """Return the SHACL shape files."""
    root = root or data_root()
    return sorted((root / "shapes").glob("*.ttl"))
