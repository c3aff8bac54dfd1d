"""Passages: anchoring claims and facts to the essay, and checking the anchors.

A passage keeps both a text-quote selector (exact, prefix, suffix) and a text-position
selector (start, end). Offsets count Unicode code points from 0 in the UTF-8 text whose
SHA-256 the essay records. Keeping both lets :func:`verify_passages` refuse a quote that
occurs twice or has drifted, the silent re-anchoring that quote-only annotations suffer.

The essay itself is not redistributed; :func:`locate_essay` finds a copy the user supplies.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from .namespaces import OA, TRILAT

__all__ = [
    "ESSAY_ENV",
    "Paragraph",
    "essay_record",
    "locate_essay",
    "paragraphs",
    "selectors_for",
    "verify_passages",
]

#: Environment variable naming a local copy of the essay's text.
ESSAY_ENV = "TRILAT_ESSAY"
CONTEXT = 32


@dataclass(frozen=True)
class Paragraph:
    """A block of the essay between blank lines, by its offsets."""

    number: int
    start: int
    end: int


def paragraphs(text: str) -> list[Paragraph]:
    """Split the essay into blocks separated by blank lines (1-based numbering)."""
    return [Paragraph(i, m.start(), m.end())
            for i, m in enumerate(re.finditer(r"[^\n]+(?:\n[^\n]+)*", text), start=1)]


def selectors_for(text: str, exact: str, context: int = CONTEXT) -> dict[str, object]:
    """Return start, end, prefix and suffix for a quote that occurs exactly once in ``text``."""
    count = text.count(exact)
    if count != 1:
        raise ValueError(
            f"quote occurs {count} times in the essay (must be exactly once): {exact!r}")
    start = text.index(exact)
    end = start + len(exact)
    return {
        "exact": exact,
        "start": start,
        "end": end,
        "prefix": text[max(0, start - context):start],
        "suffix": text[end:end + context],
    }


def essay_record(graph: Graph) -> tuple[URIRef, str] | None:
    """Return the essay's IRI and its recorded SHA-256, from the graph."""
    for work, digest in graph.subject_objects(TRILAT.textSha256):
        return URIRef(str(work)), str(digest)
    return None


def locate_essay(expected_sha256: str | None = None) -> Path | None:
    """Find a local copy of the essay: the file named by $TRILAT_ESSAY, else ``essay/*.txt``.

    When ``expected_sha256`` is given, only a file with that digest is returned.
    """
    candidates: list[Path] = []
    env = os.environ.get(ESSAY_ENV)
    if env:
        candidates.append(Path(env))
    repo_essays = Path(__file__).resolve().parents[2] / "essay"
    if repo_essays.is_dir():
        candidates.extend(sorted(repo_essays.glob("*.txt")))
    for path in candidates:
        if not path.is_file():
            continue
        if expected_sha256 is None or sha256_of(path) == expected_sha256:
            return path
    return None


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify_passages(graph: Graph, text: str) -> list[str]:
    """Check every passage of ``graph`` against the essay text; return one message per fault.

    A passage is sound when its exact quote occurs exactly once in the text, at its recorded
    start and end, with its recorded prefix and suffix around it, and inside the paragraph
    it names (when it names one).
    """
    problems: list[str] = []
    paras = {p.number: p for p in paragraphs(text)}
    para_numbers = {s: int(o) for s, o in graph.subject_objects(TRILAT.ordinal)
                    if (s, RDF.type, TRILAT.EssayParagraph) in graph}
    for passage in sorted(set(graph.subjects(RDF.type, TRILAT.Passage))):
        quote = position = None
        for sel in graph.objects(passage, OA.hasSelector):
            if (sel, RDF.type, OA.TextQuoteSelector) in graph:
                quote = sel
            elif (sel, RDF.type, OA.TextPositionSelector) in graph:
                position = sel
        if quote is None or position is None:
            problems.append(f"{passage}: needs a TextQuoteSelector and a TextPositionSelector")
            continue
        exact = str(graph.value(quote, OA.exact) or "")
        start = _int(graph.value(position, OA.start))
        end = _int(graph.value(position, OA.end))
        count = text.count(exact) if exact else 0
        if count != 1:
            problems.append(f"{passage}: quote occurs {count} times in the essay: {exact[:60]!r}")
            continue
        if start is None or end is None or text[start:end] != exact:
            problems.append(f"{passage}: offsets {start}-{end} do not hold the quote")
            continue
        prefix = graph.value(quote, OA.prefix)
        suffix = graph.value(quote, OA.suffix)
        if prefix is not None and not text[:start].endswith(str(prefix)):
            problems.append(f"{passage}: prefix does not match the text before the quote")
        if suffix is not None and not text[end:].startswith(str(suffix)):
            problems.append(f"{passage}: suffix does not match the text after the quote")
        para = graph.value(passage, TRILAT.inParagraph)
        if para is not None:
            number = para_numbers.get(para)
            block = paras.get(number) if number else None
            if block is None or not (block.start <= start and end <= block.end):
                problems.append(f"{passage}: not inside its paragraph {para}")
    return problems


def _int(value: object) -> int | None:
    if isinstance(value, Literal):
        try:
            return int(value.toPython())
        except (TypeError, ValueError):
            return None
    return None
