"""The round is optimal: compared against brute force on small instances (n <= 8), in the
style of scipy's own assignment-solver tests (random instances, two independent solvers)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from matching.assign import solve_peers, solve_round
from matching.score import load_cost


def brute_force_round(ask_owner, e_ask, e_help, w, capacity, load_penalty):
    n_asks = len(ask_owner)
    by_ask = [[i for i in range(len(e_ask)) if e_ask[i] == a] for a in range(n_asks)]
    best = 0.0

    def rec(a, use, total, count):
        nonlocal best
        if a == n_asks:
            pen = sum(load_cost(u, load_penalty) for h, c in count.items() for u in range(c))
            best = max(best, total - pen)
            return
        rec(a + 1, use, total, count)
        for e in by_ask[a]:
            x, h = ask_owner[a], e_help[e]
            if use[x] < capacity[x] and use[h] < capacity[h] and (min(x, h), max(x, h)) not in met:
                use[x] += 1
                use[h] += 1
                met.add((min(x, h), max(x, h)))
                count[h] = count.get(h, 0) + 1
                rec(a + 1, use, total + w[e], count)
                count[h] -= 1
                met.discard((min(x, h), max(x, h)))
                use[x] -= 1
                use[h] -= 1

    met: set = set()
    rec(0, [0] * len(capacity), 0.0, {})
    return best


def _objective(ask_owner, e_ask, e_help, w, capacity, load_penalty, chosen):
    count = np.bincount(np.asarray(e_help)[chosen], minlength=len(capacity)) if len(chosen) else np.zeros(1, int)
    return float(np.sum(np.asarray(w)[chosen])) - sum(load_cost(u, load_penalty) for c in count for u in range(c))


def _random_instance(rng, n_members, n_asks, density):
    capacity = rng.integers(0, 4, size=n_members)
    ask_owner = rng.integers(0, n_members, size=n_asks)
    edges = [(a, h) for a in range(n_asks) for h in range(n_members)
             if h != ask_owner[a] and rng.random() < density]
    e_ask = np.array([a for a, _ in edges], dtype=np.int64)
    e_help = np.array([h for _, h in edges], dtype=np.int64)
    w = np.round(rng.random(len(edges)), 3) + 0.001
    return ask_owner, e_ask, e_help, w, capacity


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("load_penalty", [0.0, 0.05])
def test_round_matches_brute_force_on_small_random_instances(seed, load_penalty):
    rng = np.random.default_rng(seed)
    n_members = int(rng.integers(2, 9))
    inst = _random_instance(rng, n_members, int(rng.integers(1, 7)), float(rng.uniform(0.3, 1.0)))
    chosen = solve_round(*inst, load_penalty=load_penalty)
    got = _objective(*inst, load_penalty, chosen)
    want = brute_force_round(*inst, load_penalty)
    assert got == pytest.approx(want, abs=1e-4)


def test_round_is_optimal_when_a_member_both_asks_and_helps():
    # member 0 asks and could help member 1; capacity 1 must be shared across both roles
    ask_owner = np.array([0, 1])
    e_ask = np.array([0, 1, 1])
    e_help = np.array([2, 0, 2])
    w = np.array([0.9, 0.8, 0.5])
    capacity = np.array([1, 1, 2])
    chosen = solve_round(ask_owner, e_ask, e_help, w, capacity)
    assert _objective(ask_owner, e_ask, e_help, w, capacity, 0.0, chosen) == pytest.approx(
        brute_force_round(ask_owner, e_ask, e_help, w, capacity, 0.0))


def test_capacity_zero_helper_is_never_used():
    chosen = solve_round(np.array([0]), np.array([0, 0]), np.array([1, 2]), np.array([0.9, 0.1]),
                         np.array([1, 0, 1]))
    assert chosen.tolist() == [1]


def test_self_edges_are_refused():
    with pytest.raises(ValueError):
        solve_round(np.array([0]), np.array([0]), np.array([0]), np.array([1.0]), np.array([1]))


def brute_force_matching(n, edges, w):
    best = 0.0
    for r in range(0, n // 2 + 1):
        for combo in itertools.combinations(range(len(edges)), r):
            nodes = [v for e in combo for v in edges[e]]
            if len(nodes) == len(set(nodes)):
                best = max(best, sum(w[e] for e in combo))
    return best


@pytest.mark.parametrize("seed", range(25))
def test_peer_matching_matches_brute_force(seed):
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(2, 9))
    edges = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.5]
    if not edges:
        return
    w = np.round(rng.random(len(edges)), 3) + 0.001
    a = np.array([e[0] for e in edges])
    b = np.array([e[1] for e in edges])
    chosen = solve_peers(n, a, b, w)
    nodes = [v for e in chosen for v in edges[e]]
    assert len(nodes) == len(set(nodes))
    assert sum(w[e] for e in chosen) == pytest.approx(brute_force_matching(n, edges, w), abs=1e-4)


def test_greedy_peer_fallback_is_a_valid_matching():
    rng = np.random.default_rng(7)
    n = 30
    edges = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.3]
    a = np.array([e[0] for e in edges])
    b = np.array([e[1] for e in edges])
    chosen = solve_peers(n, a, b, rng.random(len(edges)), exact_limit=0)
    nodes = [v for e in chosen for v in edges[e]]
    assert len(nodes) == len(set(nodes)) and chosen
