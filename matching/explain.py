"""Plain-language reasons. Every quoted term is taken from the member's own text, so a reason
only names what really occurs on both sides."""
from __future__ import annotations

from typing import Callable, Optional

from .model import Participant
from .score import crossing, share_given
from .text import CONCEPT_BY_KEY, Analysis

MAX_CONCEPT_REASONS = 2
MAX_WORD_REASONS = 2


def _norm(s: str) -> str:
    return " ".join(s.casefold().split())


def _same(a: str, b: str) -> bool:
    return _norm(a) == _norm(b)


def text_reasons(ask: Analysis, item: Analysis, kind: str,
                 weight: Optional[Callable[[str], float]] = None) -> list[str]:
    """Why an offer (kind="offer") or a member's interests (kind="interests") answer an ask."""
    weight = weight or (lambda feature: 1.0)
    out: list[str] = []
    shared = sorted(ask.concepts & item.concepts, key=lambda c: (-weight("c:" + c), c))
    covered: set[str] = set()
    for c in shared[:MAX_CONCEPT_REASONS]:
        label = CONCEPT_BY_KEY[c].label
        a_spans, o_spans = ask.spans(c), item.spans(c)
        common = [x for x in a_spans if any(_same(x, y) for y in o_spans)]
        a_span, o_span = (common[0], common[0]) if common else (a_spans[0], o_spans[0])
        covered.update(_norm(x) for x in ask.spans(c) + item.spans(c))
        if _same(a_span, o_span):
            out.append(f"both mention '{a_span}' ({label})")
        elif kind == "offer":
            out.append(f"offers '{o_span}', which answers '{a_span}' ({label})")
        else:
            out.append(f"interested in '{o_span}', which relates to '{a_span}' ({label})")
    if not shared:  # a weaker link through related concepts
        links = sorted(((ca, co) for ca in ask.concepts for co in item.concepts
                        if co in CONCEPT_BY_KEY[ca].related or ca in CONCEPT_BY_KEY[co].related),
                       key=lambda p: (-(weight("c:" + p[0]) + weight("c:" + p[1])), p))
        for ca, co in links[:1]:
            verb = "offers" if kind == "offer" else "interested in"
            out.append(f"{verb} '{item.spans(co)[0]}' ({CONCEPT_BY_KEY[co].label}), which is close to "
                       f"'{ask.spans(ca)[0]}' ({CONCEPT_BY_KEY[ca].label})")
    words = sorted(ask.stems & item.stems, key=lambda s: (-weight("w:" + s), s))
    n = 0
    for s in words:
        surface = ask.surface(s)
        if any(surface.casefold() in c for c in covered):
            continue
        out.append(f"both mention '{surface}'")
        n += 1
        if n >= MAX_WORD_REASONS:
            break
    return out


def peer_reasons(x: Analysis, y: Analysis, weight: Optional[Callable[[str], float]] = None) -> list[str]:
    """Why two members' interests go together (concepts first, then shared words)."""
    weight = weight or (lambda feature: 1.0)
    out = []
    for c in sorted(x.concepts & y.concepts, key=lambda c: (-weight("c:" + c), c))[:MAX_CONCEPT_REASONS]:
        xs, ys = x.spans(c)[0], y.spans(c)[0]
        label = CONCEPT_BY_KEY[c].label
        if _same(xs, ys):
            out.append(f"both interested in '{xs}' ({label})")
        else:
            out.append(f"both interested in {label} ('{xs}' / '{ys}')")
    if not out:
        links = sorted(((cx, cy) for cx in x.concepts for cy in y.concepts
                        if cy in CONCEPT_BY_KEY[cx].related or cx in CONCEPT_BY_KEY[cy].related),
                       key=lambda p: (-(weight("c:" + p[0]) + weight("c:" + p[1])), p))
        for cx, cy in links[:1]:
            out.append(f"related interests: '{x.spans(cx)[0]}' ({CONCEPT_BY_KEY[cx].label}) and "
                       f"'{y.spans(cy)[0]}' ({CONCEPT_BY_KEY[cy].label})")
    if not out:
        for s in sorted(x.stems & y.stems, key=lambda s: (-weight("w:" + s), s))[:MAX_WORD_REASONS]:
            out.append(f"both mention '{x.surface(s)}'")
    return out


def shared_interests(a: Participant, b: Participant) -> list[str]:
    """Interests written the same way by both (case and spacing ignored), in a's order."""
    theirs = {_norm(x) for x in b.interests}
    seen, out = set(), []
    for x in a.interests:
        if _norm(x) in theirs and _norm(x) not in seen:
            seen.add(_norm(x))
            out.append(x.strip())
    return out


def interest_reasons(a: Participant, b: Participant) -> list[str]:
    common = shared_interests(a, b)
    if not common:
        return []
    if len(common) == 1:
        return [f"both interested in {common[0]}"]
    return [f"both interested in {', '.join(common[:-1])} and {common[-1]}"]


def activity_reason(helper: Participant) -> list[str]:
    if helper.hours_given > 0:
        return [f"has given {helper.hours_given:g} hours to other members"]
    return []


def crossing_reason(a: Participant, b: Participant) -> list[str]:
    _, diff = crossing(a, b)
    if not diff:
        return []
    parts = [f"{attr} ({getattr(a, attr)} / {getattr(b, attr)})" for attr in diff]
    return ["connects across " + ", ".join(parts)]


def fairness_reason(asker: Participant) -> list[str]:
    if asker.hours_given > asker.hours_received and share_given(asker.hours_given, asker.hours_received) > 0.6:
        return [f"the asker has given {asker.hours_given:g} hours and received {asker.hours_received:g}, "
                f"so their ask comes first"]
    return []
