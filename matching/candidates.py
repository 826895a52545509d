"""Top-k candidate generation over sparse vectors. Never builds a dense n x n matrix.

* Exact mode (the default while n_rows * n_cols is moderate, EXACT_LIMIT): the product
  Q @ D.T is computed in blocks of rows, each a small dense array (BLOCK_ELEMS entries); each
  row's k best columns are cut out in two stages (best groups of columns, then the best
  columns within them); the reverse direction is a second pass over D @ Q.T.
* Pruned mode (large communities): each query row keeps only its `row_features` heaviest
  features and each feature's posting list keeps only its `postings` heaviest documents
  (impact-ordered inverted index; the postings cap grows while the work budget allows). The
  product then stays sparse, each row's top-k is cut out of it by partitioning padded rows,
  and every surviving pair is
  re-scored exactly afterwards (`exact_scores`), so pruning only decides *which* pairs are
  looked at, never their score.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

EXACT_LIMIT = 4e8     # n_rows * n_cols up to which the exact product is used (dense blocks)
BLOCK_ELEMS = 4_000_000  # entries of one dense score block (16 MB as float32)
PRUNED_WORK = 1.2e8   # multiply-adds allowed per direction of the pruned product
WORKERS = min(2, os.cpu_count() or 1)  # threads for blocks of products (scipy and numpy
#                                        release the GIL in the work itself)
PARALLEL_MIN_BLOCKS = 4  # fewer blocks than this run in the calling thread


def _map_blocks(fn, blocks):
    """[fn(b) for b in blocks], in order, over WORKERS threads when there are enough blocks.
    The result never depends on the number of threads: each block is computed on its own and
    the results are concatenated in block order."""
    blocks = list(blocks)
    if WORKERS <= 1 or len(blocks) < PARALLEL_MIN_BLOCKS:
        return [fn(b) for b in blocks]
    with ThreadPoolExecutor(max_workers=WORKERS) as ex:
        return list(ex.map(fn, blocks))


def unique_sorted(x: np.ndarray) -> np.ndarray:
    """np.unique for int64 keys, by one sort (numpy's hash-based unique is slower here)."""
    x = np.sort(x)
    keep = np.ones(x.size, dtype=bool)
    keep[1:] = x[1:] != x[:-1]
    return x[keep]


def _empty():
    e = np.zeros(0, dtype=np.int64)
    return e, e, np.zeros(0, dtype=np.float32)


GROUP = 32  # columns per group in the two-stage dense top-k


def _row_top_idx(B: np.ndarray, k: int) -> np.ndarray:
    """Column indices (rows x k) of each row's k largest entries, k < columns. Two stages:
    the maximum of every group of GROUP columns, then the k best groups' columns only (the
    k largest entries of a row always lie in its k groups with the largest maxima)."""
    n_rows, n_cols = B.shape
    full = n_cols // GROUP
    if full < 4 * k:
        return np.argpartition(B, n_cols - k, axis=1)[:, n_cols - k:]
    gm = B[:, :full * GROUP].reshape(n_rows, full, GROUP).max(axis=2)
    if n_cols > full * GROUP:
        gm = np.hstack([gm, B[:, full * GROUP:].max(axis=1, keepdims=True)])
    ng = gm.shape[1]
    tg = np.argpartition(gm, ng - k, axis=1)[:, ng - k:]
    cand = (tg[:, :, None] * GROUP + np.arange(GROUP)).reshape(n_rows, k * GROUP)
    valid = cand < n_cols
    cand = np.where(valid, cand, 0)
    vals = np.where(valid, np.take_along_axis(B, cand, axis=1), -np.inf)
    sel = np.argpartition(vals, vals.shape[1] - k, axis=1)[:, vals.shape[1] - k:]
    return np.take_along_axis(cand, sel, axis=1)


def _block_topk(B: np.ndarray, k: int):
    """Per-row top-k of a dense block: (rows, cols, vals) of the positive entries among each
    row's k largest."""
    n_rows, n_cols = B.shape
    if n_rows == 0 or n_cols == 0 or k <= 0:
        return _empty()
    if k < n_cols:
        part = _row_top_idx(B, k)
    else:
        part = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols))
    vals = np.take_along_axis(B, part, axis=1)
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), part.shape[1])
    cols, vals = part.ravel().astype(np.int64), vals.ravel()
    keep = vals > 0
    return rows[keep], cols[keep], vals[keep]


def _sparse_rows_topk(C: sp.csr_matrix, k: int):
    """Per-row top-k of a sparse matrix (rows, cols, vals; positive entries only). Rows with
    at most k entries are kept whole; longer rows are padded into dense arrays bucketed by
    length (powers of two, so padding at most doubles the work) and partitioned there
    (linear time, no sort of the whole matrix)."""
    counts = np.diff(C.indptr)
    if C.nnz == 0 or k <= 0:
        return _empty()
    outs = []
    short = np.flatnonzero(counts <= k)
    if short.size:
        sel = np.repeat(C.indptr[short], counts[short]) + (
            np.arange(counts[short].sum()) - np.repeat(np.cumsum(counts[short]) - counts[short], counts[short]))
        outs.append((np.repeat(short, counts[short]), C.indices[sel].astype(np.int64),
                     C.data[sel].astype(np.float32)))
    long_rows = np.flatnonzero(counts > k)
    if long_rows.size:
        bucket = np.ceil(np.log2(counts[long_rows])).astype(np.int64)
        for b in np.unique(bucket):
            rows_b = long_rows[bucket == b]
            L = int(counts[rows_b].max())
            step = max(1, int(BLOCK_ELEMS // L))
            for s0 in range(0, rows_b.size, step):
                rb = rows_b[s0:s0 + step]
                cnt = counts[rb]
                rr = np.repeat(np.arange(rb.size), cnt)
                pos = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
                src = np.repeat(C.indptr[rb], cnt) + pos
                V = np.full((rb.size, L), -np.inf, dtype=np.float32)
                V[rr, pos] = C.data[src]
                r, p, v = _block_topk(V, k)
                outs.append((rb[r], C.indices[C.indptr[rb[r]] + p].astype(np.int64), v))
    r = np.concatenate([o[0] for o in outs]).astype(np.int64)
    c = np.concatenate([o[1] for o in outs])
    v = np.concatenate([o[2] for o in outs])
    keep = v > 0
    r, c, v = r[keep], c[keep], v[keep]
    order = np.argsort(r, kind="stable")
    return r[order], c[order], v[order]


def topk_dense(Q: sp.csr_matrix, D: sp.csr_matrix, k: int):
    """Exact: every row of Q's k best rows of D (positive dot products only), over dense
    blocks of Q @ D.T of BLOCK_ELEMS entries. Returns (q, d, score) grouped by q."""
    Q = sp.csr_matrix(Q, dtype=np.float32)
    DT = sp.csr_matrix(D, dtype=np.float32).T.tocsr()
    nq, nd = Q.shape[0], D.shape[0]
    if nq == 0 or nd == 0 or k <= 0:
        return _empty()
    step = max(1, int(BLOCK_ELEMS // max(1, nd)))

    def block(start):
        B = (Q[start:start + step] @ DT).toarray()
        r, c, v = _block_topk(B, k)
        return r + start, c, v

    outs = _map_blocks(block, range(0, nq, step))
    return (np.concatenate([o[0] for o in outs]), np.concatenate([o[1] for o in outs]),
            np.concatenate([o[2] for o in outs]))


def topk(Q: sp.csr_matrix, D: sp.csr_matrix, k: int, chunk_nnz: int = 4_000_000):
    """For every row of Q, the k columns (rows of D) with the largest positive dot product.
    Returns int64 rows, int64 cols, float32 values, grouped by row, best first."""
    Q = sp.csr_matrix(Q, dtype=np.float32)
    DT = sp.csr_matrix(D, dtype=np.float32).T.tocsr()
    n = Q.shape[0]
    if n == 0 or D.shape[0] == 0 or k <= 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0, dtype=np.float32)
    # estimate the product's nnz per query row to size chunks
    df = np.diff(sp.csc_matrix(D).indptr) if D.shape[1] else np.zeros(0)
    per_row = np.asarray(Q.astype(bool).astype(np.float64) @ df.astype(np.float64)).ravel() + 1
    bounds = []
    start = 0
    cum = np.cumsum(per_row)
    while start < n:
        base = cum[start - 1] if start else 0.0
        stop = int(np.searchsorted(cum, base + chunk_nnz, side="right"))
        stop = min(n, max(stop, start + 1))
        bounds.append((start, stop))
        start = stop

    def block(b):
        start, stop = b
        C = (Q[start:stop] @ DT).tocsr()
        r, c, v = _sparse_rows_topk(C, k)
        return r + start, c, v

    outs = _map_blocks(block, bounds)
    return (np.concatenate([o[0] for o in outs]), np.concatenate([o[1] for o in outs]),
            np.concatenate([o[2] for o in outs]))


def prune_rows(M: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """Keep each row's `keep` heaviest entries (linear-time selection per row)."""
    M = sp.csr_matrix(M)
    counts = np.diff(M.indptr)
    if counts.size == 0 or counts.max(initial=0) <= keep:
        return M
    r, c, v = _sparse_rows_topk(M, keep)
    out = sp.csr_matrix((v.astype(M.dtype), (r, c)), shape=M.shape)
    out.sort_indices()
    return out


def prune_postings(M: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """Keep, for each feature (column), only the `keep` documents that weigh it most."""
    return prune_rows(sp.csc_matrix(M).T.tocsr(), keep).T.tocsr()


def exact_scores(Q: sp.csr_matrix, D: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray,
                 chunk: int = 250_000) -> np.ndarray:
    """Dot products Q[rows[i]] . D[cols[i]] for a list of pairs, without forming Q @ D.T."""
    Q = sp.csr_matrix(Q, dtype=np.float32)
    D = sp.csr_matrix(D, dtype=np.float32)
    out = np.empty(rows.size, dtype=np.float32)

    def block(s):
        r, c = rows[s:s + chunk], cols[s:s + chunk]
        out[s:s + chunk] = np.asarray(Q[r].multiply(D[c]).sum(axis=1)).ravel()

    _map_blocks(block, range(0, rows.size, chunk))
    return out


def pruned_caps(Q: sp.csr_matrix, row_features: int = 12) -> int:
    """Posting-list length for the pruned product: as long as the work budget allows
    (PRUNED_WORK multiply-adds per direction), at least 400."""
    return int(max(400, PRUNED_WORK / max(1, Q.shape[0] * row_features)))


def candidate_pairs(Q: sp.csr_matrix, D: sp.csr_matrix, k: int, *, both_ways: bool = True,
                    mode: str = "auto", row_features: int = 12, postings: int | None = None,
                    rescore: bool = True, reverse_k: int = 5):
    """The union of each query's top-k documents and (if both_ways) each document's top-k
    queries. Returns unique (rows, cols, scores) sorted by (row, col); scores are exact dot
    products (with rescore=False in pruned mode they are zeros: the caller scores).

    mode: "exact", "pruned" or "auto" (exact while n_q * n_d <= EXACT_LIMIT). Exact mode
    looks at every pair in dense blocks; pruned mode keeps each row's `row_features`
    heaviest features and each feature's `postings` heaviest documents (impact-ordered
    postings; by default as long as the work budget allows), so it never touches most pairs
    that share only very common features; the reverse direction keeps each document's
    `reverse_k` best queries (fewer than k: at this size the candidate set must stay small)."""
    nq, nd = Q.shape[0], D.shape[0]
    if nq == 0 or nd == 0 or k <= 0:
        return _empty()
    if mode == "auto":
        mode = "exact" if nq * nd <= EXACT_LIMIT else "pruned"
    if mode == "exact":
        r, c, v = topk_dense(Q, D, k)
        if both_ways:
            c2, r2, v2 = topk_dense(D, Q, k)
            r, c, v = np.r_[r, r2], np.r_[c, c2], np.r_[v, v2]
        key = r * np.int64(nd) + c
        order = np.argsort(key, kind="stable")
        key, v = key[order], v[order]
        first = np.ones(key.size, dtype=bool)
        first[1:] = key[1:] != key[:-1]
        key = key[first]
        return key // nd, key % nd, v[first].astype(np.float32)
    Qs = prune_rows(Q, row_features)
    Ds = prune_rows(D, row_features)
    parts_r, parts_c = [], []
    k_rev = min(k, reverse_k)
    r, c, _ = topk(Qs, prune_postings(Ds, postings or pruned_caps(Q, row_features)), k)
    parts_r.append(r)
    parts_c.append(c)
    if both_ways:
        c2, r2, _ = topk(Ds, prune_postings(Qs, postings or pruned_caps(D, row_features)), k_rev)
        parts_r.append(r2)
        parts_c.append(c2)
    r = np.concatenate(parts_r)
    c = np.concatenate(parts_c)
    if r.size == 0:
        return _empty()
    key = unique_sorted(r * np.int64(nd) + c)
    r, c = key // nd, key % nd
    return r, c, (exact_scores(Q, D, r, c) if rescore else np.zeros(r.size, dtype=np.float32))
