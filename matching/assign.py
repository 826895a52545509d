"""The only module that calls solvers. Everything here works on indices and arrays; ids stay
outside. Forbidden pairs are simply absent edges.

Round (ask -> helper): a capacitated assignment solved as a min-cost flow (OR-Tools
SimpleMinCostFlow) on the sparse candidate graph:

    source -> asker (cap = min(capacity, #asks)) -> ask (cap 1) -> helper (one arc per edge)
           -> sink (unit arcs with convex cost: the 2nd suggestion to one helper costs
              load_penalty, the 3rd 2 * load_penalty, ...)        plus a free source -> sink bypass

so every ask is answered at most once, nobody exceeds their capacity on either side, and
only pairs that add weight are used. A member who both asks and helps shares one capacity
across the two roles; a flow cannot say that, so when the flow answer over-uses such a member
the problem is re-solved exactly as an integer program (scipy's HiGHS) if it is small, or
repaired by lowering that member's helper capacity and re-solving if it is large.

Peers (general graph): rustworkx's exact blossom max_weight_matching while the graph is small
enough, else a deterministic greedy matching (about 0.9 of optimal, see DESIGN.md section 6).
"""
from __future__ import annotations

import numpy as np

from .errors import SolverError
from .score import load_cost

SCALE = 1_000_000        # integer costs for the flow solver
MILP_EDGE_LIMIT = 20_000  # exact integer program for joint-capacity conflicts up to this size
PEER_EXACT_NODES = 4_000  # exact blossom matching up to this many members with edges


def _int_w(w: np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(w, dtype=np.float64) * SCALE).astype(np.int64)


def solve_flow(ask_owner: np.ndarray, e_ask: np.ndarray, e_help: np.ndarray, w: np.ndarray,
               ask_cap: np.ndarray, help_cap: np.ndarray, load_penalty: float = 0.0) -> np.ndarray:
    """Max-weight capacitated assignment (separate capacities per side). Returns the indices
    of chosen edges, sorted."""
    from ortools.graph.python import min_cost_flow

    e_ask = np.asarray(e_ask, dtype=np.int64)
    e_help = np.asarray(e_help, dtype=np.int64)
    if e_ask.size == 0:
        return np.zeros(0, dtype=np.int64)
    wi = _int_w(w)
    pos = wi > 0
    asks_used = np.unique(e_ask[pos])
    helpers = np.unique(e_help[pos])
    askers = np.unique(ask_owner[asks_used])
    # node numbering: 0 source, 1 sink, askers, asks, helpers, shared pair nodes
    n_askers, n_asks, n_helpers = askers.size, asks_used.size, helpers.size
    n_m = int(max(help_cap.size, ask_cap.size, int(ask_owner.max(initial=0)) + 1))
    asker_node = np.full(n_m, -1, dtype=np.int64)
    asker_node[askers] = 2 + np.arange(n_askers)
    ask_node = np.full(int(ask_owner.size), -1, dtype=np.int64)
    ask_node[asks_used] = 2 + n_askers + np.arange(n_asks)
    helper_base = 2 + n_askers + n_asks
    helper_node = np.full(n_m, -1, dtype=np.int64)
    helper_node[helpers] = helper_base + np.arange(n_helpers)

    asks_per_owner = np.bincount(ask_owner[asks_used], minlength=n_m)
    src_cap = np.minimum(ask_cap[askers], asks_per_owner[askers]).astype(np.int64)
    supply = int(src_cap.sum())
    T = [np.zeros(n_askers, dtype=np.int64), asker_node[ask_owner[asks_used]]]
    H = [asker_node[askers], ask_node[asks_used]]
    C = [src_cap, np.ones(n_asks, dtype=np.int64)]
    K = [np.zeros(n_askers, dtype=np.int64), np.zeros(n_asks, dtype=np.int64)]
    edge_arc0 = n_askers + n_asks
    idx = np.flatnonzero(pos)
    # two people are introduced at most once per round: when one asker has several asks the
    # same helper could answer, those edges pass through a shared unit-capacity node
    pair_key = ask_owner[e_ask[idx]] * np.int64(n_m) + e_help[idx]
    uniq, inverse, counts = np.unique(pair_key, return_inverse=True, return_counts=True)
    multi = counts[inverse.ravel()] > 1
    edge_heads = helper_node[e_help[idx]]
    next_node = helper_base + n_helpers
    mk = uniq[counts > 1]
    if mk.size:
        mk_node = next_node + np.arange(mk.size)
        edge_heads[multi] = mk_node[np.searchsorted(mk, pair_key[multi])]
        next_node += mk.size
    T.append(ask_node[e_ask[idx]]); H.append(edge_heads)
    C.append(np.ones(idx.size, dtype=np.int64)); K.append(-wi[idx])
    if mk.size:
        T.append(mk_node); H.append(helper_node[mk % n_m])
        C.append(np.ones(mk.size, dtype=np.int64)); K.append(np.zeros(mk.size, dtype=np.int64))
    hc = help_cap[helpers].astype(np.int64)
    if load_penalty > 0:
        units = np.minimum(hc, supply)
        h_rep = np.repeat(helper_node[helpers], units)
        u = np.arange(units.sum()) - np.repeat(np.cumsum(units) - units, units)
        T.append(h_rep); H.append(np.ones(h_rep.size, dtype=np.int64))
        C.append(np.ones(h_rep.size, dtype=np.int64))
        K.append(np.rint(np.array([load_cost(int(x), load_penalty) for x in range(int(units.max(initial=0)))]
                                  or [0.0])[u] * SCALE).astype(np.int64) if u.size else np.zeros(0, dtype=np.int64))
    else:
        sel = hc > 0
        T.append(helper_node[helpers[sel]]); H.append(np.ones(int(sel.sum()), dtype=np.int64))
        C.append(hc[sel]); K.append(np.zeros(int(sel.sum()), dtype=np.int64))
    T.append(np.zeros(1, dtype=np.int64)); H.append(np.ones(1, dtype=np.int64))
    C.append(np.array([supply], dtype=np.int64)); K.append(np.zeros(1, dtype=np.int64))
    tails, heads = np.concatenate(T), np.concatenate(H)
    caps, costs = np.concatenate(C), np.concatenate(K)

    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32),
                                              caps.astype(np.int64), costs.astype(np.int64))
    n_nodes = next_node
    supplies = np.zeros(n_nodes, dtype=np.int64)
    supplies[0], supplies[1] = supply, -supply
    smcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status}")
    flows = smcf.flows(np.arange(edge_arc0, edge_arc0 + idx.size, dtype=np.int32))
    return np.sort(idx[np.asarray(flows) > 0])


def solve_milp(ask_owner: np.ndarray, e_ask: np.ndarray, e_help: np.ndarray, w: np.ndarray,
               capacity: np.ndarray, load_penalty: float = 0.0) -> np.ndarray:
    """Exact integer program with one shared capacity per member (asker and helper roles)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    import scipy.sparse as sp

    wi = _int_w(w).astype(np.float64) / SCALE
    idx = np.flatnonzero(wi > 0)
    if idx.size == 0:
        return np.zeros(0, dtype=np.int64)
    ea, eh, we = e_ask[idx], e_help[idx], wi[idx]
    ne = idx.size
    helpers = np.unique(eh)
    # load variables: y[h, u] for u >= 1 (the first unit is free)
    units = []
    if load_penalty > 0:
        for h in helpers:
            for u in range(1, int(capacity[h])):
                units.append((int(h), u))
    nv = ne + len(units)
    c = np.concatenate([-we, [round(load_cost(u, load_penalty) * SCALE) / SCALE for _, u in units]])
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0
    for a in np.unique(ea):  # each ask at most once
        sel = np.flatnonzero(ea == a)
        rows += [r] * sel.size; cols += sel.tolist(); vals += [1.0] * sel.size
        lo.append(0); hi.append(1); r += 1
    members = np.unique(np.concatenate([ask_owner[ea], eh]))
    for m in members:  # shared capacity
        sel = np.flatnonzero((ask_owner[ea] == m) | (eh == m))
        rows += [r] * sel.size; cols += sel.tolist()
        vals += [1.0] * sel.size
        lo.append(0); hi.append(int(capacity[m])); r += 1
    lo_m, hi_m = np.minimum(ask_owner[ea], eh), np.maximum(ask_owner[ea], eh)
    owner_help = lo_m * np.int64(capacity.size) + hi_m
    for key in np.unique(owner_help):  # the same two people at most once per round
        sel = np.flatnonzero(owner_help == key)
        if sel.size > 1:
            rows += [r] * sel.size; cols += sel.tolist(); vals += [1.0] * sel.size
            lo.append(0); hi.append(1); r += 1
    if units:  # edges at h - paid units <= 1 (the first unit is free)
        for h in helpers:
            sel = np.flatnonzero(eh == h)
            us = [ne + ui for ui, (hh, _) in enumerate(units) if hh == h]
            rows += [r] * (sel.size + len(us)); cols += sel.tolist() + us
            vals += [1.0] * sel.size + [-1.0] * len(us)
            lo.append(-np.inf); hi.append(1); r += 1
    A = sp.csr_matrix((vals, (rows, cols)), shape=(r, nv))
    res = milp(c, constraints=LinearConstraint(A, lo, hi), integrality=np.ones(nv),
               bounds=Bounds(0, 1), options={"disp": False})
    if res.status != 0 or res.x is None:
        raise SolverError(f"integer program ended with status {res.status}: {res.message}")
    x = np.rint(res.x[:ne]).astype(bool)
    return np.sort(idx[x])


def _usage(ask_owner, e_ask, e_help, chosen, n_members):
    use = np.bincount(ask_owner[e_ask[chosen]], minlength=n_members)
    use += np.bincount(e_help[chosen], minlength=n_members)
    return use


def solve_round(ask_owner: np.ndarray, e_ask: np.ndarray, e_help: np.ndarray, w: np.ndarray,
                capacity: np.ndarray, load_penalty: float = 0.0) -> np.ndarray:
    """Choose edges (ask e_ask[i] answered by member e_help[i], weight w[i]) maximising total
    weight minus load penalties, each ask at most once, each member in at most capacity[m]
    chosen edges counting both roles, and the same two people at most once. Self edges must
    not be passed in."""
    ask_owner = np.asarray(ask_owner, dtype=np.int64)
    e_ask = np.asarray(e_ask, dtype=np.int64)
    e_help = np.asarray(e_help, dtype=np.int64)
    w = np.asarray(w, dtype=np.float64)
    capacity = np.asarray(capacity, dtype=np.int64)
    n = capacity.size
    if np.any(ask_owner[e_ask] == e_help):
        raise ValueError("self edges (a member answering their own ask) are not allowed")
    ask_cap = capacity.copy()
    help_cap = capacity.copy()
    active = np.ones(e_ask.size, dtype=bool)

    def solve() -> np.ndarray:
        sub = np.flatnonzero(active)
        return sub[solve_flow(ask_owner, e_ask[sub], e_help[sub], w[sub], ask_cap, help_cap, load_penalty)]

    chosen = solve()
    if _feasible(ask_owner, e_ask, e_help, chosen, capacity):
        return chosen
    if e_ask.size <= MILP_EDGE_LIMIT:
        return solve_milp(ask_owner, e_ask, e_help, w, capacity, load_penalty)
    for _ in range(20):  # repair large instances, then re-solve
        use = _usage(ask_owner, e_ask, e_help, chosen, n)
        over = np.flatnonzero(use > capacity)
        dup = _mutual_duplicates(ask_owner, e_ask, e_help, w, chosen)
        if over.size == 0 and dup.size == 0:
            return chosen
        as_asker = np.bincount(ask_owner[e_ask[chosen]], minlength=n)
        help_cap[over] = np.maximum(0, capacity[over] - as_asker[over])
        active[dup] = False
        chosen = solve()
    # last resort: keep the heaviest edges that still fit
    keep, met = [], set()
    use = np.zeros(n, dtype=np.int64)
    for e in chosen[np.argsort(-w[chosen], kind="stable")]:
        a, h = ask_owner[e_ask[e]], e_help[e]
        key = (min(a, h), max(a, h))
        if use[a] < capacity[a] and use[h] < capacity[h] and key not in met:
            use[a] += 1
            use[h] += 1
            met.add(key)
            keep.append(e)
    return np.sort(np.asarray(keep, dtype=np.int64))


def _mutual_duplicates(ask_owner, e_ask, e_help, w, chosen) -> np.ndarray:
    """Chosen edges that introduce two people who are already introduced by a heavier chosen
    edge (A answers B's ask and B answers A's ask)."""
    seen: dict[tuple[int, int], int] = {}
    drop = []
    for e in chosen[np.argsort(-w[chosen], kind="stable")]:
        a, h = int(ask_owner[e_ask[e]]), int(e_help[e])
        key = (min(a, h), max(a, h))
        if key in seen:
            drop.append(int(e))
        else:
            seen[key] = int(e)
    return np.asarray(drop, dtype=np.int64)


def _feasible(ask_owner, e_ask, e_help, chosen, capacity) -> bool:
    use = _usage(ask_owner, e_ask, e_help, chosen, capacity.size)
    if np.any(use > capacity):
        return False
    a, h = ask_owner[e_ask[chosen]], e_help[chosen]
    keys = np.minimum(a, h) * np.int64(capacity.size) + np.maximum(a, h)
    return np.unique(keys).size == keys.size


def solve_peers(n_nodes: int, a: np.ndarray, b: np.ndarray, w: np.ndarray,
                exact_limit: int = PEER_EXACT_NODES) -> list[int]:
    """Maximum-weight matching in a general graph: each node in at most one chosen edge.
    Returns chosen edge indices, sorted."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    wi = _int_w(w)
    good = np.flatnonzero((wi > 0) & (a != b))
    if good.size == 0:
        return []
    nodes = np.unique(np.concatenate([a[good], b[good]]))
    if nodes.size <= exact_limit:
        import rustworkx as rx

        local = {int(v): i for i, v in enumerate(nodes)}
        g = rx.PyGraph(multigraph=False)
        g.add_nodes_from(range(nodes.size))
        best: dict[tuple[int, int], int] = {}
        for e in good:
            x, y = local[int(a[e])], local[int(b[e])]
            key = (min(x, y), max(x, y))
            if key not in best or wi[e] > wi[best[key]]:
                best[key] = int(e)
        for (x, y), e in sorted(best.items()):
            g.add_edge(x, y, int(wi[e]))
        matching = rx.max_weight_matching(g, max_cardinality=False, weight_fn=lambda x: x)
        chosen = []
        for x, y in matching:
            chosen.append(best[(min(x, y), max(x, y))])
        return sorted(chosen)
    # greedy: heaviest edge first, ties by node ids
    order = np.lexsort((np.maximum(a[good], b[good]), np.minimum(a[good], b[good]), -wi[good]))
    used = np.zeros(n_nodes, dtype=bool)
    chosen = []
    for e in good[order]:
        if not used[a[e]] and not used[b[e]]:
            used[a[e]] = used[b[e]] = True
            chosen.append(int(e))
    return sorted(chosen)
