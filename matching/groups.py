"""Breakout groups for an event (Troika Consulting 3, Wise Crowds 4-5, peer assist 6-8).

1. Sizes: split the registrants into groups within [min_size, max_size], choosing the number
   of groups closest to the number of challenge-holders. When no split fits, as few groups as
   possible go one outside the range (one below min or one above max), and say so.
2. One challenge-holder (a member with an ask) presents in each group where possible; those who
   have given many hours and received few present first.
3. The other members fill the seats by relevance to that group's challenge (an assignment
   solved with scipy's linear_sum_assignment on members x seats: an event is small), then
   pairwise swaps mix organisations without giving up much relevance.
"""
from __future__ import annotations

from typing import Mapping, Optional

import numpy as np

from .errors import GroupSizeError
from .io import coerce
from .model import Community, Group, GroupReason, Participant
from .score import INTEREST_WEIGHT, share_given

ORG_PENALTY = 0.15      # cost of each pair of members from the same organisation in a group
MAX_SWAP_PASSES = 8

PRESETS = {"troika": (3, 3), "wise-crowds": (4, 5), "peer-assist": (6, 8)}


def plan_sizes(n: int, min_size: int, max_size: int, presenters: int = 0) -> list[int]:
    """Group sizes, largest first. Fits the range when possible; otherwise as few groups as
    possible are one outside it."""
    if min_size < 1 or max_size < min_size:
        raise GroupSizeError(f"group sizes must satisfy 1 <= min <= max, got min {min_size} and max {max_size}")
    if n <= 0:
        return []
    best: Optional[tuple] = None
    for g in range(1, n + 1):
        lo, hi = g * min_size, g * max_size
        need = max(0, lo - n, n - hi)  # people who do not fit; each outlier group absorbs one
        if need > g or (lo > n and min_size - 1 < 1):
            continue
        key = (need, abs(g - presenters) if presenters else 0, g)
        if best is None or key < best[0]:
            best = (key, g, need)
    if best is None:  # too few people for even one group one below the range
        return [n]
    _, g, need = best
    if n < g * min_size:           # `need` groups one below the range
        sizes = [min_size - 1] * need + [min_size] * (g - need)
        extra = n - sum(sizes)
    elif n > g * max_size:         # `need` groups one above the range
        sizes = [max_size + 1] * need + [max_size] * (g - need)
        extra = n - sum(sizes)
    else:                           # balanced within range
        sizes = [n // g + (1 if i < n % g else 0) for i in range(g)]
        extra = 0
    assert extra == 0, (n, min_size, max_size, sizes)
    return sorted(sizes, reverse=True)


def _org(p: Participant) -> Optional[str]:
    return p.organisation.strip().casefold() if p.organisation and p.organisation.strip() else None


def _same_org_pairs(members: list[Participant]) -> int:
    orgs = [o for o in (_org(m) for m in members) if o]
    return sum(orgs.count(o) * (orgs.count(o) - 1) // 2 for o in set(orgs))


def form_groups(community: Community | Mapping, min_size: int = 4, max_size: int = 5) -> list[Group]:
    """Every member in exactly one group; members with an ask are the challenge-holders."""
    from scipy.optimize import linear_sum_assignment

    from .pipeline import _reasons, build_index

    if isinstance(min_size, bool) or isinstance(max_size, bool) or not isinstance(min_size, int) \
            or not isinstance(max_size, int):
        raise GroupSizeError("group sizes must be whole numbers")
    if min_size < 1 or max_size < min_size:
        raise GroupSizeError(f"group sizes must satisfy 1 <= min <= max, got min {min_size} and max {max_size}")
    c = coerce(community)
    members = list(c.members)
    n = len(members)
    if n == 0:
        return []
    holders = [i for i, m in enumerate(members) if m.asks]
    holders.sort(key=lambda i: (-share_given(members[i].hours_given, members[i].hours_received), members[i].id))
    sizes = plan_sizes(n, min_size, max_size, len(holders))
    g = len(sizes)
    presenters = holders[:g]
    # seats: presenter i takes one seat of group i; groups are ordered by size
    ix = build_index(c)
    first_ask: dict[int, int] = {}
    for a in range(len(ix.ask_ids)):
        first_ask.setdefault(int(ix.ask_member[a]), a)
    rest = [i for i in range(n) if i not in set(presenters)]
    rel = np.zeros((n, g))
    best_item = np.full((n, g), -1, dtype=np.int64)
    if presenters and ix.I.shape[0]:
        # relevance of every member to each presenter's asks (small: presenters x items)
        for gi, p in enumerate(presenters):
            asks = np.flatnonzero(ix.ask_member == p)
            S = (ix.A[asks] @ ix.I.T).toarray()  # |asks of p| x items: never n x n
            for item in range(ix.I.shape[0]):
                m = int(ix.item_member[item])
                v = float(S[:, item].max()) if S.size else 0.0
                if ix.item_offer[item] is None:  # interests count less than an offer
                    v *= INTEREST_WEIGHT
                if m != p and v > rel[m, gi]:
                    rel[m, gi] = v
                    best_item[m, gi] = item
    seats = []
    for gi, size in enumerate(sizes):
        seats += [gi] * (size - (1 if gi < len(presenters) else 0))
    groups_of: list[list[int]] = [[presenters[gi]] if gi < len(presenters) else [] for gi in range(g)]
    if rest:
        cost = -rel[np.asarray(rest)][:, np.asarray(seats)]
        # deterministic tie-breaks: a tiny preference for lower indices
        cost = cost + 1e-9 * np.arange(len(seats))[None, :]
        rows, cols = linear_sum_assignment(cost)
        for r, col in zip(rows, cols):
            groups_of[seats[col]].append(rest[r])
    _mix_organisations(groups_of, members, rel, set(presenters))
    out = []
    for gi, idxs in enumerate(groups_of):
        pres = presenters[gi] if gi < len(presenters) else None
        helpers = sorted((i for i in idxs if i != pres), key=lambda i: (-rel[i, gi], members[i].id))
        order = ([pres] if pres is not None else []) + helpers
        reasons = []  # about one member (their id) or, with None, the group as a whole
        if pres is not None:
            ask = members[pres].asks[0]
            text = ask.text if len(ask.text) <= 120 else ask.text[:117].rstrip() + "..."
            reasons.append(GroupReason(members[pres].id, f"brings the challenge '{text}'"))
            for h in helpers:
                if rel[h, gi] > 0 and best_item[h, gi] >= 0:
                    why = _reasons(ix, first_ask[pres], h, int(best_item[h, gi]))
                    if why and not why[0].startswith("similar wording"):
                        reasons.append(GroupReason(members[h].id, why[0]))
        else:
            reasons.append(GroupReason(None, "no challenge-holder was left for this group: members help each "
                                             "other with whatever they bring"))
        for h in helpers:
            if members[h].asks:
                reasons.append(GroupReason(members[h].id, "also has a challenge and can bring it if time allows"))
        orgs = sorted({members[i].organisation.strip() for i in idxs
                       if members[i].organisation and members[i].organisation.strip()})
        if len(orgs) > 1:
            reasons.append(GroupReason(None, f"mixes {len(orgs)} organisations ({', '.join(orgs)})"))
        elif len(orgs) == 1 and len(idxs) > 1 and _same_org_pairs([members[i] for i in idxs]):
            reasons.append(GroupReason(None, f"members share one organisation ({orgs[0]}): there were not "
                                             "enough others to mix"))
        size = len(idxs)
        if size < min_size:
            reasons.append(GroupReason(None, f"size {size} is {min_size - size} below the {min_size}-{max_size} "
                                             f"range, because {n} people cannot be split into groups of "
                                             f"{min_size}-{max_size}"))
        elif size > max_size:
            reasons.append(GroupReason(None, f"size {size} is {size - max_size} above the {min_size}-{max_size} "
                                             f"range, because {n} people cannot be split into groups of "
                                             f"{min_size}-{max_size}"))
        out.append(Group(tuple(members[i].id for i in order),
                         members[pres].id if pres is not None else None, tuple(reasons)))
    return out


def _mix_organisations(groups_of: list[list[int]], members: list[Participant], rel: np.ndarray,
                       fixed: set[int]) -> None:
    """Swap non-presenters between groups while total (relevance - org penalty) improves."""
    if not any(_org(m) for m in members):
        return

    def value(gi: int, idxs: list[int]) -> float:
        return float(sum(rel[i, gi] for i in idxs if i not in fixed)) - \
            ORG_PENALTY * _same_org_pairs([members[i] for i in idxs])

    for _ in range(MAX_SWAP_PASSES):
        improved = False
        for g1 in range(len(groups_of)):
            for g2 in range(g1 + 1, len(groups_of)):
                for x in list(groups_of[g1]):
                    if x in fixed:
                        continue
                    for y in list(groups_of[g2]):
                        if y in fixed:
                            continue
                        before = value(g1, groups_of[g1]) + value(g2, groups_of[g2])
                        a = [i if i != x else y for i in groups_of[g1]]
                        b = [i if i != y else x for i in groups_of[g2]]
                        if value(g1, a) + value(g2, b) > before + 1e-9:
                            groups_of[g1], groups_of[g2] = a, b
                            improved = True
                            break
                    else:
                        continue
                    break
        if not improved:
            break
