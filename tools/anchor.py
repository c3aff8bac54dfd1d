"""Print the Turtle for a passage of the essay, for data authors.

    python tools/anchor.py ESSAY.txt SLUG PARAGRAPH "exact quote" ["exact quote" ...]

Offsets, prefix and suffix are computed from the text, so they are never typed by hand;
the quote must occur exactly once. Paste the output into a data/essay/*.ttl file.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from trilat_kg.passages import paragraphs, selectors_for


def turtle_string(s: str) -> str:
    """Escape a Python string as a Turtle string literal."""
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{out}"'


def main() -> None:
    essay, slug, *quotes = sys.argv[1:]
    text = Path(essay).read_text(encoding="utf-8")
    for i, exact in enumerate(quotes):
        s = selectors_for(text, exact)
        para = next(p for p in paragraphs(text) if p.start <= s["start"] and s["end"] <= p.end)
        name = slug if len(quotes) == 1 else f"{slug}-{i + 1}"
        iri = f"passage:{name}"
        print(f"""{iri} a trilat:Passage ;
    oa:hasSource work:soeya-2016 ;
    trilat:inParagraph paragraph:soeya-2016-p{para.number:02d} ;
    oa:hasSelector <https://w3id.org/trilat-kg/id/passages/{name}#quote>,
        <https://w3id.org/trilat-kg/id/passages/{name}#position> .
<https://w3id.org/trilat-kg/id/passages/{name}#quote> a oa:TextQuoteSelector ;
    oa:exact {turtle_string(s["exact"])} ;
    oa:prefix {turtle_string(s["prefix"])} ;
    oa:suffix {turtle_string(s["suffix"])} .
<https://w3id.org/trilat-kg/id/passages/{name}#position> a oa:TextPositionSelector ;
    oa:start {s["start"]} ; oa:end {s["end"]} .
""")


if __name__ == "__main__":
    main()
