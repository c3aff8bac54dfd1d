"""Re-anchor a passage to a new exact quote, in place, for data authors.

    python tools/requote.py ESSAY.txt FILE.ttl SLUG "new exact quote"

Rewrites the exact, prefix, suffix, start and end of passage:SLUG in FILE.ttl (written in the
layout tools/anchor.py prints) and, if the quote moved, its trilat:inParagraph. Used to
shorten a quotation without retyping offsets by hand.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from anchor import turtle_string

from trilat_kg.passages import paragraphs, selectors_for


def main() -> None:
    essay, file, slug, exact = sys.argv[1:]
    text = Path(essay).read_text(encoding="utf-8")
    s = selectors_for(text, exact)
    para = next(p for p in paragraphs(text) if p.start <= s["start"] and s["end"] <= p.end)
    path = Path(file)
    ttl = path.read_text(encoding="utf-8")
    base = f"https://w3id.org/trilat-kg/id/passages/{slug}"
    quote = re.compile(
        rf"(<{re.escape(base)}#quote> a oa:TextQuoteSelector ;\n)\s*oa:exact .*? ;\n"
        r"\s*oa:prefix .*? ;\n\s*oa:suffix .*? \.\n")
    new_quote = (f"    oa:exact {turtle_string(s['exact'])} ;\n"
                 f"    oa:prefix {turtle_string(s['prefix'])} ;\n"
                 f"    oa:suffix {turtle_string(s['suffix'])} .\n")
    ttl, n1 = quote.subn(lambda m: m.group(1) + new_quote, ttl)
    pos = re.compile(
        rf"(<{re.escape(base)}#position> a oa:TextPositionSelector ;\n)"
        r"\s*oa:start \d+ ; oa:end \d+ \.")
    ttl, n2 = pos.subn(
        lambda m: m.group(1) + f"    oa:start {s['start']} ; oa:end {s['end']} .", ttl)
    para_re = re.compile(
        rf"(passage:{re.escape(slug)} a trilat:Passage ;\n(?:.*\n)*?\s*trilat:inParagraph )"
        r"paragraph:soeya-2016-p\d\d")
    ttl = para_re.sub(
        lambda m: m.group(1) + f"paragraph:soeya-2016-p{para.number:02d}", ttl, count=1)
    if (n1, n2) != (1, 1):
        raise SystemExit(f"passage {slug} not found in the expected layout in {file}")
    path.write_text(ttl, encoding="utf-8")


if __name__ == "__main__":
    main()
