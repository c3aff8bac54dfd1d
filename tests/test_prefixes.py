"""One prefix table: the data files' header, rdflib bindings and result display agree."""

from __future__ import annotations

import re
from pathlib import Path

from trilat_kg.namespaces import PREFIXES
from trilat_kg.prefixes import KINDS, VOCABULARIES
from trilat_kg.results import DISPLAY_PREFIXES

HEADER = Path(__file__).resolve().parents[1] / "tools" / "prefixes.ttl"


def header_prefixes() -> dict[str, str]:
    text = HEADER.read_text(encoding="utf-8")
    return dict(re.findall(r"@prefix\s+([\w-]*):\s+<([^>]+)>\s*\.", text))


def test_data_file_header_declares_every_kind_and_vocabulary() -> None:
    declared = header_prefixes()
    assert declared, "no prefixes found in tools/prefixes.ttl"
    for table in (KINDS, VOCABULARIES):
        for prefix, iri in table.items():
            if prefix in declared:
                assert declared[prefix] == iri, prefix
    missing = set(KINDS) - set(declared) - {"graph"}
    assert not missing


def test_rdflib_bindings_and_display_come_from_the_same_table() -> None:
    for prefix, iri in PREFIXES.items():
        if prefix in DISPLAY_PREFIXES:
            assert DISPLAY_PREFIXES[prefix] == iri
    assert DISPLAY_PREFIXES["state"] == "https://w3id.org/trilat-kg/id/states/"


def test_every_data_file_uses_the_shared_header() -> None:
    """Data files declare the shared prefixes with the same IRIs (no drifting copies)."""
    declared = header_prefixes()
    root = HEADER.parents[1]
    files = sorted((root / "data").rglob("*.ttl"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        for prefix, iri in re.findall(r"@prefix\s+([\w-]*):\s+<([^>]+)>\s*\.", text):
            if prefix in declared:
                assert declared[prefix] == iri, f"{path.name}: {prefix}"
