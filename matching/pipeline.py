"""Orchestration: community -> vectors -> sparse candidates -> scores -> suggestions / rounds /
peer pairs. Ids outside, indices inside. Only assign.py calls solvers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

import numpy as np
import scipy.sparse as sp

from . import assign, explain
from .candidates import candidate_pairs, exact_scores, unique_sorted
from .io import coerce
from .model import (Candidate, Community, Pair, Participant, RoundOptions, Suggestion)
from .score import (activity, crossing, fairness_factor, popularity_damping, text_relevance)
from .corpus import Corpus, LazyAnalyses, tfidf
from .text import Analysis, Vectorizer

ITEMS_PER_ASK = 3  # candidate items looked at per wanted member (members have 1-3 items)


@dataclass
class Index:
    """A community turned into indices and sparse matrices."""
    community: Community
    members: tuple[Participant, ...]
    ask_member: np.ndarray       # ask index -> member index
    ask_ids: list[str]
    ask_an: Sequence[Analysis]   # built lazily (matching.corpus.LazyAnalyses)
    item_member: np.ndarray      # item index -> member index (items sorted by member)
    item_offer: list[Optional[str]]  # offer id, or None for a member's interests
    item_an: Sequence[Analysis]
    item_start: np.ndarray       # member -> first item index (CSR-like, len n_members + 1)
    interest_item: np.ndarray    # member -> its interests item index, or -1
    A: sp.csr_matrix             # asks x features
    I: sp.csr_matrix             # items x features
    vectorizer: Vectorizer
    forbidden: set[tuple[int, int]]  # unordered member index pairs from the history

    def weight(self, feature: str) -> float:
        j = self.vectorizer.vocab.get(feature)
        return float(self.vectorizer.idf[j]) if j is not None else 0.0


def build_index(community: Community | Mapping) -> Index:
    c = coerce(community)
    members = c.members
    pos = {m.id: i for i, m in enumerate(members)}
    ask_member, ask_ids, ask_docs = [], [], []
    item_member, item_offer, item_docs, item_start, interest_item = [], [], [], [], []
    for i, m in enumerate(members):
        for a in m.asks:
            ask_member.append(i)
            ask_ids.append(a.id)
            ask_docs.append([a.text, *a.tags])
        item_start.append(len(item_member))
        for o in m.offers:
            item_member.append(i)
            item_offer.append(o.id)
            item_docs.append([o.text, *o.tags])
        if any(x.strip() for x in m.interests):
            interest_item.append(len(item_member))
            item_member.append(i)
            item_offer.append(None)
            item_docs.append(list(m.interests))
        else:
            interest_item.append(-1)
    item_start.append(len(item_member))
    n_asks = len(ask_docs)
    # every text analysed at once (matching.corpus); analyses for explanations are rebuilt
    # lazily from compact arrays
    corpus = Corpus(ask_docs + item_docs)
    del ask_docs, item_docs
    M, vocab, idf = tfidf(corpus)
    A, I = M[:n_asks], M[n_asks:]
    del M
    vec = Vectorizer()
    vec.vocab, vec.idf = vocab, idf
    ask_an = LazyAnalyses(corpus, 0, n_asks)
    item_an = LazyAnalyses(corpus, n_asks, corpus.n_docs)
    forbidden = set()
    for h in c.history:
        x, y = pos[h.a], pos[h.b]
        forbidden.add((min(x, y), max(x, y)))
    return Index(c, members, np.asarray(ask_member, dtype=np.int64), ask_ids, ask_an,
                 np.asarray(item_member, dtype=np.int64), item_offer, item_an,
                 np.asarray(item_start, dtype=np.int64), np.asarray(interest_item, dtype=np.int64),
                 A, I, vec, forbidden)


@dataclass
class Scored:
    """Scored (ask, member) candidate pairs, sorted by (ask, member)."""
    ask: np.ndarray
    member: np.ndarray
    rel: np.ndarray        # text relevance x activity, before round-only terms
    best_item: np.ndarray  # item index of the best offer, or the interests item, or -1
    offer_sim: np.ndarray
    interest_sim: np.ndarray


def score_candidates(ix: Index, k: int, mode: str = "auto") -> Scored:
    """Exact relevance for the union of each ask's top-k and each item's top-k, lifted from
    items to members. Self pairs and members with capacity 0 are dropped here."""
    n_members = len(ix.members)
    empty = np.zeros(0, dtype=np.int64)
    if ix.A.shape[0] == 0 or ix.I.shape[0] == 0:
        z = np.zeros(0)
        return Scored(empty, empty, z, empty, z, z)
    r, c, _ = candidate_pairs(ix.A, ix.I, max(1, k * ITEMS_PER_ASK // 2), mode=mode, rescore=False)
    key = unique_sorted(r * n_members + ix.item_member[c])
    asks, mems = key // n_members, key % n_members
    caps = np.array([m.capacity for m in ix.members], dtype=np.int64)
    ok = (mems != ix.ask_member[asks]) & (caps[mems] > 0)
    asks, mems = asks[ok], mems[ok]
    # every item of each candidate member, scored exactly
    # (lean: these arrays are a few times longer than the pair list, so int32 indices and
    # float32 similarities, and temporaries dropped as soon as they are used)
    del r, c, key
    counts = ix.item_start[mems + 1] - ix.item_start[mems]
    idx_t = np.int32 if max(asks.size, ix.I.shape[0]) < 2 ** 31 - 1 else np.int64
    pair_of = np.repeat(np.arange(asks.size, dtype=idx_t), counts)
    items = np.arange(pair_of.size, dtype=np.int64)
    items += np.repeat(ix.item_start[mems] - (np.cumsum(counts) - counts), counts)
    items = items.astype(idx_t)
    del counts
    sims = exact_scores(ix.A, ix.I, asks[pair_of], items)  # float32; compared as float64 below
    is_interest = ix.interest_item[mems][pair_of] == items
    offer_sim = np.zeros(asks.size)
    best_offer = np.full(asks.size, -1, dtype=np.int64)
    interest_sim = np.zeros(asks.size)
    interest_sim[pair_of[is_interest]] = sims[is_interest]
    off = ~is_interest
    del is_interest
    if off.any():
        # po is sorted and items ascend within a pair: the best offer per pair is the group
        # maximum, ties to the earlier offer (linear segment reductions, no sort)
        po, it, sv = pair_of[off], items[off], sims[off]
        del pair_of, items, sims, off
        starts = np.flatnonzero(np.r_[True, po[1:] != po[:-1]])
        gmax = np.maximum.reduceat(sv, starts)
        gid = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, po.size]))
        at_max = np.flatnonzero(sv == gmax[gid])
        first = at_max[np.r_[True, gid[at_max[1:]] != gid[at_max[:-1]]]]
        offer_sim[po[first]] = sv[first]
        best_offer[po[first]] = it[first]
        del po, it, sv, gid, at_max, first
    act = np.array([activity(m.hours_given, m.hours_received) for m in ix.members])
    rel = text_relevance(offer_sim, interest_sim) * act[mems]
    best = np.where((best_offer >= 0) & (offer_sim >= 0.7 * interest_sim), best_offer,
                    np.where(ix.interest_item[mems] >= 0, ix.interest_item[mems], best_offer))
    keep = rel > 0
    return Scored(asks[keep], mems[keep], rel[keep], best[keep], offer_sim[keep], interest_sim[keep])


def _reasons(ix: Index, ask: int, member: int, item: int) -> list[str]:
    asker = ix.members[ix.ask_member[ask]]
    helper = ix.members[member]
    out: list[str] = []
    if item >= 0:
        kind = "offer" if ix.item_offer[item] is not None else "interests"
        out += explain.text_reasons(ix.ask_an[ask], ix.item_an[item], kind, ix.weight)
    ii = ix.interest_item[member]
    if ii >= 0 and ii != item:
        extra = explain.text_reasons(ix.ask_an[ask], ix.item_an[ii], "interests", ix.weight)
        out += [r for r in extra if r.startswith("interested in")][:1]
    out += explain.interest_reasons(asker, helper)
    out += explain.activity_reason(helper)
    if not out:
        out.append("similar wording (a weak match)")
    return list(dict.fromkeys(out))


def suggest(community: Community | Mapping, top: int = 5, *, spread: float = 0.1,
            mode: str = "auto") -> list[Suggestion]:
    """For every ask, up to `top` members who could help, best first, with reasons.
    The asker and members with capacity 0 are never candidates. `spread` damps helpers who
    would appear in many asks' lists (0 turns it off)."""
    if top < 1:
        raise ValueError("top must be at least 1")
    ix = build_index(community)
    s = score_candidates(ix, max(top * 4, 20), mode=mode)
    n_asks = len(ix.ask_ids)
    # how often each helper would appear in a raw top list
    order = np.lexsort((s.member, -s.rel, s.ask))
    a_sorted = s.ask[order]
    rank = np.arange(order.size) - np.searchsorted(a_sorted, a_sorted, side="left")
    load = np.bincount(s.member[order][rank < top], minlength=len(ix.members))
    caps = np.array([m.capacity for m in ix.members])
    damp = np.array([popularity_damping(int(load[j]), int(caps[j]), spread) for j in range(len(ix.members))])
    final = s.rel * damp[s.member]
    order = np.lexsort((np.array([ix.members[j].id for j in s.member]) if s.member.size else s.member,
                        -np.round(final, 9), s.ask))
    out: list[Suggestion] = []
    starts = np.searchsorted(s.ask[order], np.arange(n_asks + 1), side="left")
    for a in range(n_asks):
        sel = order[starts[a]:starts[a + 1]][:top]
        cands = []
        for p in sel:
            j, item = int(s.member[p]), int(s.best_item[p])
            cands.append(Candidate(ix.members[j].id, ix.item_offer[item] if item >= 0 else None,
                                   float(final[p]), tuple(_reasons(ix, a, j, item))))
        out.append(Suggestion(ix.ask_ids[a], ix.members[ix.ask_member[a]].id, tuple(cands)))
    return out


def _crossing_many(members, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """score.crossing(members[a[i]], members[b[i]])[0] for many pairs at once."""
    from .score import CROSS_ATTRS

    diff = np.zeros(a.size)
    for attr in CROSS_ATTRS:
        vals = [getattr(m, attr) for m in members]
        known = np.array([bool(v) for v in vals])
        names = {}
        code = np.array([names.setdefault(v.strip().casefold(), len(names)) if v else -1 for v in vals],
                        dtype=np.int64)
        diff += known[a] & known[b] & (code[a] != code[b])
    return diff / len(CROSS_ATTRS)


def round_edges(ix: Index, opts: RoundOptions, mode: str = "auto"):
    """Candidate (ask, member) edges with round weights; forbidden pairs are absent."""
    s = score_candidates(ix, opts.k, mode=mode)
    askers = ix.ask_member[s.ask]
    fair = np.array([fairness_factor(m, opts.fairness_weight) for m in ix.members])
    if opts.cross_weight:
        cross = _crossing_many(ix.members, askers, s.member)
    else:
        cross = np.zeros(s.ask.size)
    w = s.rel * fair[askers] * (1.0 + opts.cross_weight * cross)
    ok = w >= opts.min_score
    if ix.forbidden:
        lo, hi = np.minimum(askers, s.member), np.maximum(askers, s.member)
        ok &= np.array([(int(x), int(y)) not in ix.forbidden for x, y in zip(lo, hi)], dtype=bool)
    return s, ok, w


def run_round(community: Community | Mapping, options: RoundOptions | None = None, *,
              mode: str = "auto") -> list[Pair]:
    """One round of introductions over the whole community (see RoundOptions)."""
    opts = options or RoundOptions()
    ix = build_index(community)
    s, ok, w = round_edges(ix, opts, mode=mode)
    idx = np.flatnonzero(ok)
    caps = np.array([m.capacity for m in ix.members], dtype=np.int64)
    chosen = assign.solve_round(ix.ask_member, s.ask[idx], s.member[idx], w[idx], caps,
                                load_penalty=opts.load_penalty)
    pairs: list[Pair] = []
    used = np.zeros(len(ix.members), dtype=np.int64)
    for e in idx[chosen]:
        a, j, item = int(s.ask[e]), int(s.member[e]), int(s.best_item[e])
        asker = ix.members[ix.ask_member[a]]
        helper = ix.members[j]
        used[ix.ask_member[a]] += 1
        used[j] += 1
        reasons = _reasons(ix, a, j, item)
        reasons += explain.crossing_reason(asker, helper) if opts.cross_weight else []
        reasons += explain.fairness_reason(asker) if opts.fairness_weight else []
        pairs.append(Pair(asker.id, helper.id, ix.ask_ids[a],
                          ix.item_offer[item] if item >= 0 else None, float(w[e]), tuple(reasons)))
    if opts.peers:
        left = caps - used
        taken = {(min(p.a, p.b), max(p.a, p.b)) for p in pairs}
        pairs += _peer_pairs(ix, left, opts, exclude=taken)
    pairs.sort(key=lambda p: (p.ask_id is None, p.ask_id or "", p.a, p.b))
    return pairs


def _peer_pairs(ix: Index, capacity_left: np.ndarray, opts: RoundOptions,
                exclude: set[tuple[str, str]] = frozenset()) -> list[Pair]:
    members = ix.members
    who = np.flatnonzero((ix.interest_item >= 0) & (capacity_left > 0))
    if who.size < 2:
        return []
    P = ix.I[ix.interest_item[who]]
    r, c, sim = candidate_pairs(P, P, opts.k, both_ways=False)
    keep = r < c
    r, c, sim = r[keep], c[keep], sim[keep].astype(np.float64)
    a, b = who[r], who[c]
    ids = [m.id for m in members]
    w = []
    ok = []
    for x, y, v in zip(a, b, sim):
        pair = (min(ids[x], ids[y]), max(ids[x], ids[y]))
        bad = (min(x, y), max(x, y)) in ix.forbidden or pair in exclude
        ok.append(not bad)
        w.append(v * (1.0 + opts.cross_weight * crossing(members[x], members[y])[0]))
    ok = np.array(ok, dtype=bool)
    w = np.array(w)
    ok &= w >= opts.min_score
    a, b, w = a[ok], b[ok], w[ok]
    chosen = assign.solve_peers(len(members), a, b, w)
    out = []
    for e in chosen:
        x, y = int(a[e]), int(b[e])
        if ids[y] < ids[x]:
            x, y = y, x
        reasons = explain.interest_reasons(members[x], members[y])
        same = {s.casefold() for s in explain.shared_interests(members[x], members[y])}
        reasons += [r for r in explain.peer_reasons(ix.item_an[ix.interest_item[x]],
                                                    ix.item_an[ix.interest_item[y]], ix.weight)
                    if not any(f"'{s}'" in r.casefold() for s in same)]
        reasons += explain.crossing_reason(members[x], members[y]) if opts.cross_weight else []
        if not reasons:
            reasons = ["similar interests"]
        out.append(Pair(ids[x], ids[y], None, None, float(w[e]), tuple(dict.fromkeys(reasons))))
    return out


def pair_peers(community: Community | Mapping, options: RoundOptions | None = None) -> list[Pair]:
    """Pair members who share interests: a maximum-weight matching in a general graph (each
    member at most once). Members with capacity 0 and past pairs are left out."""
    opts = options or RoundOptions()
    ix = build_index(community)
    caps = np.array([m.capacity for m in ix.members], dtype=np.int64)
    pairs = _peer_pairs(ix, caps, opts)
    pairs.sort(key=lambda p: (p.a, p.b))
    return pairs
