"""Property tests (hypothesis): whatever the community, a round never pairs anyone with
themselves, never repeats a past pair, respects capacities and answers each ask at most once;
peers are really paired (each member at most once); groups hold everyone exactly once."""
from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import RoundOptions, form_groups, load, pair_peers, run_round

PHRASES = ["plain English editing", "nobody reads our report", "Kumu network mapping",
           "who knows whom", "burnout and wellbeing", "the team is exhausted", "volunteers drop out",
           "volunteer recruitment", "data dashboards", "run charts for improvement",
           "peer assist sessions", "open space events", "psychological safety", "grant reporting"]
INTERESTS = ["wellbeing", "data", "writing", "network weaving", "facilitation", "psychological safety"]
ORGS = [None, "Trust A", "Charity B", "Council C"]


@st.composite
def communities(draw, max_members=8):
    n = draw(st.integers(2, max_members))
    members = []
    k = 0
    for i in range(n):
        offers, asks = [], []
        for _ in range(draw(st.integers(0, 2))):
            k += 1
            (asks if draw(st.booleans()) else offers).append(
                {"id": f"i{k}", "text": draw(st.sampled_from(PHRASES)), "tags": []})
        members.append({"id": f"m{i}", "interests": draw(st.lists(st.sampled_from(INTERESTS), max_size=3)),
                        "offers": offers, "asks": asks, "capacity": draw(st.integers(0, 3)),
                        "hours_given": draw(st.integers(0, 20)), "hours_received": draw(st.integers(0, 20)),
                        "attributes": {"organisation": draw(st.sampled_from(ORGS))}})
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=4))
    history = [{"a": f"m{a}", "b": f"m{b}", "outcome": draw(st.sampled_from(["introduced", "declined"]))}
               for a, b in pairs if a != b]
    return {"members": members, "history": history}


FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(communities(), st.booleans())
def test_round_respects_every_rule(data, peers):
    c = load(data)
    pairs = run_round(c, RoundOptions(peers=peers))
    cap = {m.id: m.capacity for m in c.members}
    owner = {a.id: m.id for m in c.members for a in m.asks}
    past = {frozenset((h.a, h.b)) for h in c.history}
    use = Counter()
    seen_pairs = set()
    for p in pairs:
        assert p.a != p.b
        assert frozenset((p.a, p.b)) not in past
        assert frozenset((p.a, p.b)) not in seen_pairs
        seen_pairs.add(frozenset((p.a, p.b)))
        use[p.a] += 1
        use[p.b] += 1
        if p.ask_id is not None:
            assert owner[p.ask_id] == p.a
        assert p.reasons
    assert all(use[m] <= cap[m] for m in use)
    asks = [p.ask_id for p in pairs if p.ask_id]
    assert len(asks) == len(set(asks))


@FAST
@given(communities())
def test_peers_are_really_paired(data):
    c = load(data)
    pairs = pair_peers(c)
    ids = [x for p in pairs for x in (p.a, p.b)]
    assert len(ids) == len(set(ids))
    past = {frozenset((h.a, h.b)) for h in c.history}
    cap = {m.id: m.capacity for m in c.members}
    for p in pairs:
        assert p.a != p.b and p.ask_id is None and frozenset((p.a, p.b)) not in past
        assert cap[p.a] > 0 and cap[p.b] > 0


@FAST
@given(communities(max_members=14), st.sampled_from([(3, 3), (4, 5), (6, 8)]))
def test_groups_hold_everyone_exactly_once(data, size):
    lo, hi = size
    c = load(data)
    groups = form_groups(c, lo, hi)
    everyone = [m for g in groups for m in g.members]
    assert sorted(everyone) == sorted(m.id for m in c.members)
    n = len(c.members)
    outside = [g for g in groups if not lo <= len(g.members) <= hi]
    if n >= lo - 1:
        assert all(lo - 1 <= len(g.members) <= hi + 1 for g in groups)
    for g in outside:
        assert any("range" in r for r in g.reasons)
    holders = {m.id for m in c.members if m.asks}
    for g in groups:
        if g.presenter is not None:
            assert g.presenter in holders and g.members[0] == g.presenter
    # a challenge-holder presents in every group where there are enough of them
    assert sum(g.presenter is not None for g in groups) == min(len(groups), len(holders))
