"""The JSON-LD writer of :mod:`trilat_kg.export`: pyoxigraph's expanded JSON-LD, compacted.

pyoxigraph writes JSON-LD in expanded form (full IRIs) and takes no context. This module
writes the document around it (an inline prefix context, or the published one) and shortens
IRIs to compact IRIs (JSON-LD 1.1 §4.1.5) by byte replacement at the positions where its
output holds IRIs, batch by batch, so a 10^6-triple export stays close to pyoxigraph's own
speed and memory.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, BinaryIO

from .errors import DataError
from .loader import CONTEXT_IRI, context_document

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

__all__ = ["schemes", "write_jsonld"]

#: Quads serialised at a time (bounded memory whatever the input's size).
BATCH = 2_000

#: Where pyoxigraph's JSON-LD writer puts an IRI: a node's or an object's ``@id``, a
#: literal's datatype, a property key (after ``{`` or ``,``). Nothing else in its output
#: can precede a string with these bytes: a quote inside a JSON string is escaped.
_IRI_POSITIONS = (b'"@id":"', b'"@type":"', b'{"', b',"')
_VALUE = b'"@value":"'


def schemes(lines: list[bytes]) -> set[str]:
    """The schemes of the IRIs in N-Triples or N-Quads ``lines`` (and of ``<x:`` in literals)."""
    return {m.decode("ascii").lower()
            for m in re.findall(rb"<([A-Za-z][A-Za-z0-9+.-]*):", b"\n".join(lines))}


def write_jsonld(
    out: BinaryIO,
    quads: Iterable[pyoxigraph.Quad],
    prefixes: dict[str, str],
    mode: str,
    schemes: set[str],
) -> None:
    """JSON-LD with an inline prefix context (or the published one) and compact IRIs.

    pyoxigraph writes each batch of quads in expanded form, a node object per subject (and
    per named graph); the IRIs are then shortened to compact IRIs (JSON-LD 1.1 §4.1.5) by
    byte replacement at the positions that hold IRIs (:data:`_IRI_POSITIONS`). A prefix
    whose name is also the scheme of an IRI in the data (an IRI ``wd:Q1`` would read as
    the compact IRI ``wd:Q1``) is left out of the context; with the published context,
    which cannot leave it out, such data is refused (:class:`DataError`).
    """
    import pyoxigraph as ox

    if mode == "inline":
        usable = {p: ns for p, ns in sorted(prefixes.items()) if p.lower() not in schemes}
        context: Any = usable
    else:
        published = context_document()["@context"]
        clash = sorted(schemes & {k.lower() for k in published})
        if clash:
            raise DataError(f"cannot name the published JSON-LD context: IRIs with the scheme "
                            f"{clash[0]!r} would read as compact IRIs of its term "
                            f"{clash[0]!r}; use the inline context")
        usable = {k: v for k, v in published.items()
                  if isinstance(v, str) and v.endswith(("/", "#"))}
        context = CONTEXT_IRI
    compact = _Compactor(usable)
    head = json.dumps(context, indent=1, ensure_ascii=False).replace("\n", "\n ")
    out.write(b'{\n "@context": ' + head.encode("utf-8") + b',\n "@graph": [\n')
    first = True
    iterator = iter(quads)
    while batch := list(itertools.islice(iterator, BATCH)):
        body = ox.serialize(batch, format=ox.RdfFormat.JSON_LD).strip()[1:-1]
        body = compact(body).replace(b']},{"@id":', b']},\n{"@id":')
        out.write(body if first else b",\n" + body)
        first = False
    out.write(b"\n ]\n}\n")


class _Compactor:
    """Write the IRIs of pyoxigraph's expanded JSON-LD as compact IRIs, by byte replacement.

    Cheap on large data: the namespaces met in the previous batch are tried first (longest
    first); only when a string starting ``"http`` is left afterwards (an IRI of another
    namespace, or of none, or a literal) is every namespace looked for. A replacement is made
    only where an IRI stands (:data:`_IRI_POSITIONS`), or everywhere when no literal of the
    batch holds the namespace. An IRI may thus be written ``id:states/x`` where ``state:x``
    was possible; both expand to the same IRI.
    """

    def __init__(self, prefixes: dict[str, str]) -> None:
        # Longest namespace first, so that id/states/ wins over id/.
        self.order = [(ns.encode("utf-8"), p.encode("utf-8") + b":")
                      for p, ns in sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
        self.hot: list[tuple[bytes, bytes]] = []

    def __call__(self, body: bytes) -> bytes:
        body, met = self._apply(body, self.hot)
        if b'"http' in body:
            body, more = self._apply(body, [pair for pair in self.order if pair not in met])
            met += more
        self.hot = [pair for pair in self.order if pair in met]
        return body

    @staticmethod
    def _apply(
        body: bytes, pairs: list[tuple[bytes, bytes]]
    ) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        met = []
        for ns, prefix in pairs:
            if ns not in body:
                continue
            met.append((ns, prefix))
            # Careful where a literal holds the namespace, or an IRI would end up with an
            # empty suffix ("p:" is clearer in full) or one starting "//" ("p://x" reads as
            # an absolute IRI): then only IRI positions change, and those two are put back.
            if any(probe in body for probe in (_VALUE + ns, b'\\"' + ns, b'"' + ns + b'"',
                                                b'"' + ns + b"//")):
                for at in _IRI_POSITIONS:
                    body = body.replace(at + ns, at + prefix)
                    body = body.replace(at + prefix + b"//", at + ns + b"//")
                    body = body.replace(at + prefix + b'"', at + ns + b'"')
            else:
                body = body.replace(b'"' + ns, b'"' + prefix)
        return body, met
