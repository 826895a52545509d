"""Scale benchmark for matching/: candidate generation and a full round at 1,000 / 10,000 /
100,000 members, against the naive dense baseline (scipy.optimize.linear_sum_assignment on the
full asks x members score matrix) at 5,000 and 10,000 members.

    python bench/matching_scale.py                       # all sizes
    python bench/matching_scale.py --sizes 1000 10000    # a subset
    python bench/matching_scale.py --dense-sizes 5000    # which sizes get the dense baseline

Every measurement runs in a fresh child process, so peak memory (VmHWM, reset just before the
measured step; ru_maxrss where that is unavailable) belongs to that step alone; matching's
worker threads (candidate products over 2 cores) live in that process, so the peak covers them. The synthetic
community: each member has 1-3 asks or 1-3 offers (about 45 % askers), an
organisation, sector and nation (helpers also list 1-3 interests); texts combine phrases people use for the field's topics with
everyday filler words. Helpers have capacity 1 and each asker as many as they have asks, so the
round is exactly the problem the dense baseline solves and the two totals compare like for like.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FILLER = ("our team local service new project staff patients people community work help support "
          "time ideas group network across practice better experience simple practical quick "
          "regular monthly online weekly small big first next share learn together start begin "
          "improve plan build grow open honest friendly short long clear real everyday").split()


def _vocabulary():
    from matching.thesaurus import CONCEPTS

    concepts = []
    for key, label, _, triggers in CONCEPTS:
        phrases = [t for t in triggers.split("|") if len(t) > 3]
        concepts.append((label, phrases))
    return concepts


def generate(n: int, seed: int = 0) -> dict:
    rng = random.Random(seed)
    concepts = _vocabulary()
    orgs = [f"org{i}" for i in range(max(10, n // 50))]
    sectors = ["nhs", "social care", "charity", "council", "university", "independent"]
    nations = ["england", "scotland", "wales", "northern ireland"]
    # made-up words make texts distinct, as real texts are
    rare = [f"w{rng.randrange(36 ** 4):04x}" for _ in range(5000)]
    members = []
    k = 0
    for i in range(n):
        asker = rng.random() < 0.45
        items = []
        for _ in range(rng.randint(1, 3)):
            k += 1
            label, phrases = concepts[min(len(concepts) - 1, int(rng.paretovariate(1.2)) - 1 + rng.randrange(4))
                                      if rng.random() < 0.3 else rng.randrange(len(concepts))]
            words = [rng.choice(phrases)]
            if rng.random() < 0.4:
                words.append(rng.choice(rng.choice(concepts)[1]))
            words += rng.sample(FILLER, rng.randint(2, 5)) + [rng.choice(rare) for _ in range(rng.randint(0, 2))]
            rng.shuffle(words)
            items.append({"id": f"{'a' if asker else 'o'}{k}", "text": " ".join(words), "tags": []})
        # askers list no interests here, so they are never helpers and the round is exactly the
        # asks x helpers assignment that the dense baseline solves
        interests = [] if asker else [rng.choice(concepts)[0] for _ in range(rng.randint(1, 3))]
        members.append({"id": f"m{i}", "interests": interests,
                        "offers": [] if asker else items, "asks": items if asker else [],
                        "capacity": len(items) if asker else 1,
                        "hours_given": rng.choice([0, 0, 1, 2, 5, 10, 20]),
                        "hours_received": rng.choice([0, 0, 1, 2, 5, 10]),
                        "attributes": {"organisation": rng.choice(orgs), "sector": rng.choice(sectors),
                                       "nation": rng.choice(nations)}})
    return {"members": members, "history": []}


# --- child process: one measured step ---------------------------------------------------------

def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_mib() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def dense_weights(ix, opts, chunk: int = 500):
    """The same edge weight as the round, for every (ask, member) pair: n_asks x n_members.
    Lean: the n x n float64 matrix that linear_sum_assignment needs is the only n x n array;
    it is filled in blocks of `chunk` asks, so temporaries stay small."""
    import numpy as np

    from matching.score import activity, fairness_factor, text_relevance

    n = len(ix.members)
    n_asks = ix.A.shape[0]
    is_offer = np.array([o is not None for o in ix.item_offer])
    oc = np.flatnonzero(is_offer)
    has = np.flatnonzero(ix.interest_item >= 0)
    act = np.array([activity(m.hours_given, m.hours_received) for m in ix.members])
    fair = np.array([fairness_factor(m, opts.fairness_weight) for m in ix.members])
    codes = []
    for attr in ("organisation", "sector", "nation"):
        vals = [(getattr(m, attr) or "").casefold() for m in ix.members]
        _, inv = np.unique(np.array(vals, dtype=object).astype(str), return_inverse=True)
        codes.append(inv)
    caps = np.array([m.capacity for m in ix.members])
    IT = ix.I.T.tocsr()
    W = np.zeros((n_asks, n), dtype=np.float64)
    for s in range(0, n_asks, chunk):
        e = min(n_asks, s + chunk)
        S = (ix.A[s:e] @ IT).toarray()                              # chunk x items
        offer_sim = np.zeros((e - s, n))
        if oc.size:  # best offer per member
            np.maximum.at(offer_sim.T, ix.item_member[oc], S[:, oc].T)
        interest_sim = np.zeros((e - s, n))
        interest_sim[:, has] = S[:, ix.interest_item[has]]
        del S
        w = text_relevance(offer_sim, interest_sim)
        del offer_sim, interest_sim
        askers = ix.ask_member[s:e]
        w *= act[None, :] * fair[askers][:, None]
        cross = np.zeros((e - s, n))
        for inv in codes:
            cross += inv[askers][:, None] != inv[None, :]
        w *= 1.0 + opts.cross_weight * cross / 3.0
        w[np.arange(e - s), askers] = 0.0                            # no self pairs
        w[:, caps == 0] = 0.0
        w[w < opts.min_score] = 0.0
        W[s:e] = w
    return W


def child(step: str, n: int, seed: int) -> dict:
    import numpy as np

    from matching import RoundOptions, load, run_round
    from matching.pipeline import build_index, score_candidates

    data = generate(n, seed)
    community = load(data)
    opts = RoundOptions()
    out = {"step": step, "n": n, "asks": sum(len(m.asks) for m in community.members)}
    base_rss = _rss_mib()
    reset = _reset_peak()
    t = time.perf_counter()
    cpu = time.process_time()
    if step == "candidates":
        ix = build_index(community)
        s = score_candidates(ix, opts.k)
        out["edges"] = int(s.ask.size)
    elif step == "round":
        pairs = run_round(community, opts)
        out["pairs"] = len(pairs)
        out["total"] = float(sum(p.score for p in pairs))
    elif step == "round_pruned":
        pairs = run_round(community, opts, mode="pruned")
        out["pairs"] = len(pairs)
        out["total"] = float(sum(p.score for p in pairs))
    elif step == "dense":
        from scipy.optimize import linear_sum_assignment

        ix = build_index(community)
        W = dense_weights(ix, opts)
        out["matrix"] = list(W.shape)
        r, c = linear_sum_assignment(W, maximize=True)
        out["total"] = float(W[r, c].sum())
        out["pairs"] = int(np.count_nonzero(W[r, c] > 0))
    out["seconds"] = time.perf_counter() - t
    out["cpu_seconds"] = time.process_time() - cpu  # this process's CPU time (the machine may be shared)
    out["peak_mib"] = _peak_mib()
    out["base_mib"] = base_rss
    out["peak_is_step_only"] = reset
    return out


def run_child(step: str, n: int, seed: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", step, str(n), str(seed)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return {"step": step, "n": n, "error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000, 100000])
    ap.add_argument("--dense-sizes", type=int, nargs="*", default=[5000, 10000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write all results to this file")
    ap.add_argument("--child", nargs=3, metavar=("STEP", "N", "SEED"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        step, n, seed = args.child
        print(json.dumps(child(step, int(n), int(seed))))
        return 0
    print(f"matching scale benchmark (seed {args.seed}, {os.cpu_count()} cpus); memory = peak RSS of the step")
    results = []
    hdr = f"{'members':>8} {'asks':>7} {'step':<13} {'seconds':>8} {'cpu s':>7} {'peak MiB':>9} {'detail'}"
    print(hdr)
    print("-" * len(hdr))
    for n in args.sizes:
        steps = ["candidates", "round"]
        if n in args.dense_sizes:
            steps += ["round_pruned", "dense"]
        res = {}
        for step in steps:
            r = run_child(step, n, args.seed)
            res[step] = r
            results.append(r)
            if "error" in r:
                print(f"{n:>8} {'':>7} {step:<13} failed: {r['error']}")
                continue
            detail = ""
            if step == "candidates":
                detail = f"{r['edges']:,} candidate (ask, member) edges"
            elif step.startswith("round"):
                detail = f"{r['pairs']:,} pairs, total score {r['total']:.2f}"
            elif step == "dense":
                detail = f"{r['matrix'][0]:,} x {r['matrix'][1]:,} matrix, total score {r['total']:.2f}"
            print(f"{n:>8} {r['asks']:>7} {step:<13} {r['seconds']:>8.2f} {r['cpu_seconds']:>7.2f} "
                  f"{r['peak_mib']:>9.0f} {detail}", flush=True)
        if "dense" in res and "error" not in res["dense"]:
            d = res["dense"]
            for step in ("round", "round_pruned"):
                r = res.get(step)
                if r and "error" not in r:
                    print(f"{'':>8} {'':>7} {step} vs dense: time x{r['seconds'] / d['seconds']:.3f} "
                          f"(cpu x{r['cpu_seconds'] / d['cpu_seconds']:.3f}), "
                          f"memory x{r['peak_mib'] / d['peak_mib']:.3f}, "
                          f"total score {r['total'] / d['total']:.4f} of the dense optimum", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
