"""Ranking quality of matching.suggest on a labelled set vs a word-overlap baseline.

    python bench/matching_quality.py [PATH ...]     (default: ../shared/eval/matching_dev.json)
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matching.evaluate import evaluate  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "eval" / "matching_dev.json"


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or [DEFAULT]
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        t = time.perf_counter()
        res = evaluate(data)
        dt = time.perf_counter() - t
        print(f"{path.name}: {res['matcher']['asks']} asks, {len(data['members'])} members ({dt:.2f} s)")
        print(f"  {'method':<14}{'recall@5':>10}{'MRR':>8}")
        for name in ("word_overlap", "matcher"):
            m = res[name]
            print(f"  {name:<14}{m['recall@5']:>10.3f}{m['mrr']:>8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
