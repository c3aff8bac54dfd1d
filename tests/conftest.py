"""Shared pytest fixtures: the repository's folders and its parsed ontology.

Kept minimal and side-effect free (no network, nothing written): other test modules may
add fixtures here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from trilat_kg.resources import data_root, ontology_files


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The folder holding ontology/, data/, shapes/ and queries/."""
    return data_root()


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    """The ontology and its controlled vocabularies, parsed once per session.

    Tests must not modify it: copy it (``graph + other``) before adding triples.
    """
    graph = Graph()
    for path in ontology_files():
        graph.parse(path, format="turtle")
    return graph
