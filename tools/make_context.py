"""Add a term to the published JSON-LD context for every trilat: property the ontology defines.

The context (``src/trilat_kg/context.jsonld``, published as
https://w3id.org/trilat-kg/context.jsonld) keeps its existing terms as they are; a property the
ontology gained gets ``{"@id": "trilat:name"}``, with ``"@type": "@id"`` for an object property
and its ``rdfs:range`` for a datatype property with an XSD range. Run after changing the
ontology; tests/test_export.py fails while a property has no term.

    python tools/make_context.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONTEXT = REPO / "src" / "trilat_kg" / "context.jsonld"
TRILAT = "https://w3id.org/trilat-kg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def main() -> int:
    from rdflib import OWL, RDF, RDFS, Graph, URIRef

    ontology = Graph().parse(REPO / "ontology" / "trilat.ttl", format="turtle")
    doc = json.loads(CONTEXT.read_text(encoding="utf-8"))
    terms = doc["@context"]
    added = []
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in sorted(ontology.subjects(RDF.type, kind)):
            if not isinstance(prop, URIRef) or not str(prop).startswith(TRILAT):
                continue
            name = str(prop)[len(TRILAT):]
            if name in terms:
                continue
            term: dict[str, str] = {"@id": f"trilat:{name}"}
            if kind == OWL.ObjectProperty:
                term["@type"] = "@id"
            else:
                ranges = [str(r) for r in ontology.objects(prop, RDFS.range)]
                if len(ranges) == 1 and ranges[0].startswith(XSD) and \
                        not ranges[0].endswith("#string"):
                    term["@type"] = "xsd:" + ranges[0][len(XSD):]
            terms[name] = term
            added.append(name)
    prefixes = {k: v for k, v in terms.items() if isinstance(v, str)}
    rest = {k: terms[k] for k in sorted(k for k in terms if k not in prefixes)}
    doc["@context"] = {**prefixes, **rest}
    CONTEXT.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"context: {len(added)} term(s) added: {', '.join(added) or 'none'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
