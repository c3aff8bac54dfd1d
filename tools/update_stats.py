"""Regenerate the VoID statistics at the end of data/dataset.ttl, and print them for the README.

    python tools/update_stats.py [--check]

With --check, change nothing and exit 1 if the block is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from trilat_kg.resources import data_root
from trilat_kg.void import content_stats, render_block, replace_block


def main() -> int:
    path = data_root() / "data" / "dataset.ttl"
    stats = content_stats()
    text = path.read_text(encoding="utf-8")
    new = replace_block(text, render_block(stats))
    if "--check" in sys.argv:
        return 0 if new == text else 1
    path.write_text(new, encoding="utf-8")
    print(f"| triples | {stats.triples} |")
    for graph, n in sorted(stats.graphs.items()):
        print(f"| {graph} | {n} |")
    for cls, n in sorted(stats.class_entities.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"| {cls} | {n} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
