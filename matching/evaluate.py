"""Ranking quality on a labelled set in the input format (a "gold" key mapping ask ids to the
member ids judged able to help): recall@k and MRR, for the matcher and for a plain
word-overlap baseline. Used by bench/matching_quality.py and the tests."""
from __future__ import annotations

import re
from typing import Callable, Mapping, Sequence

from .io import from_dict
from .pipeline import suggest

_WORD = re.compile(r"[a-z0-9]+")
_BASELINE_STOP = frozenset("a an and the of to in on for with our we i my is are it at by be do how "
                           "what who that this from or as can".split())


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _BASELINE_STOP}


def word_overlap_rankings(data: Mapping) -> dict[str, list[str]]:
    """Baseline: Jaccard overlap of lower-cased words between the ask (text + tags) and the
    member's offers, tags and interests. Ties by member id."""
    members = data["members"]
    profile = {m["id"]: _words(" ".join([o["text"] + " " + " ".join(o.get("tags", []))
                                         for o in m.get("offers", [])] + list(m.get("interests", []))))
               for m in members}
    out = {}
    for m in members:
        for a in m.get("asks", []):
            q = _words(a["text"] + " " + " ".join(a.get("tags", [])))
            scores = []
            for other in members:
                if other["id"] == m["id"]:
                    continue
                p = profile[other["id"]]
                j = len(q & p) / len(q | p) if q | p else 0.0
                scores.append((-j, other["id"]))
            out[a["id"]] = [mid for _, mid in sorted(scores)]
    return out


def matcher_rankings(data: Mapping) -> dict[str, list[str]]:
    community = from_dict(data)
    n = len(community.members)
    return {s.ask_id: [c.member_id for c in s.candidates] for s in suggest(community, top=n)}


def metrics(rankings: Mapping[str, Sequence[str]], gold: Mapping[str, Sequence[str]], k: int = 5) -> dict:
    recall, rr = 0.0, 0.0
    for ask_id, good in gold.items():
        ranked = list(rankings.get(ask_id, []))
        good = set(good)
        recall += len(good & set(ranked[:k])) / len(good)
        first = next((i for i, mid in enumerate(ranked) if mid in good), None)
        rr += 0.0 if first is None else 1.0 / (first + 1)
    n = max(1, len(gold))
    return {f"recall@{k}": recall / n, "mrr": rr / n, "asks": len(gold)}


def evaluate(data: Mapping, k: int = 5) -> dict[str, dict]:
    gold = data["gold"]
    return {"matcher": metrics(matcher_rankings(data), gold, k),
            "word_overlap": metrics(word_overlap_rankings(data), gold, k)}
