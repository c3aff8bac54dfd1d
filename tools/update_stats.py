"""Regenerate the VoID statistics at the end of data/dataset.ttl and the counts in README.md.

    python tools/update_stats.py [--check]

With --check, change nothing and exit 1 if the block is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from trilat_kg.resources import data_root
from trilat_kg.void import (
    content_stats,
    render_block,
    render_readme_counts,
    replace_block,
    replace_readme_counts,
)


def main() -> int:
    path = data_root() / "data" / "dataset.ttl"
    readme = Path(__file__).resolve().parents[1] / "README.md"
    stats = content_stats()
    text = path.read_text(encoding="utf-8")
    new = replace_block(text, render_block(stats))
    readme_text = readme.read_text(encoding="utf-8")
    new_readme = replace_readme_counts(readme_text, render_readme_counts(stats))
    if "--check" in sys.argv:
        return 0 if (new, new_readme) == (text, readme_text) else 1
    path.write_text(new, encoding="utf-8")
    readme.write_text(new_readme, encoding="utf-8")
    print(render_readme_counts(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
