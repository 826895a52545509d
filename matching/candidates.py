"""Top-k candidate generation over sparse vectors. Never builds a dense n x n matrix.

* Exact mode (the default while n_rows * n_cols is moderate): the product Q @ D.T is computed
  in row chunks, each chunk kept sparse, and the k best columns per row are cut out.
* Pruned mode (large communities): each query row keeps only its `row_features` heaviest
  features and each feature's posting list keeps only its `postings` heaviest documents
  (impact-ordered inverted index). The product then stays sparse, and every surviving pair is
  re-scored exactly afterwards (`exact_scores`), so pruning only decides *which* pairs are
  looked at, never their score.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

EXACT_LIMIT = 2.5e7  # n_rows * n_cols up to which the exact product is used


def _chunk_topk(C: sp.csr_matrix, k: int, row_offset: int):
    """Per-row top-k of a chunk of scores: (rows, cols, vals), best first within a row, ties
    broken by the lower column index (deterministic)."""
    n_rows, n_cols = C.shape  # a product from csr_matmat has no duplicate entries
    if C.nnz == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0, dtype=np.float32)
    if C.nnz > 0.2 * n_rows * n_cols and n_cols > k:
        # dense-ish: argpartition on a dense block (the chunk is sized to keep this small)
        M = C.toarray()
        part = np.argpartition(-M, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(M, part, axis=1)
        rows = np.repeat(np.arange(n_rows, dtype=np.int64), k)
        cols, vals = part.ravel().astype(np.int64), vals.ravel()
        keep = vals > 0
        rows, cols, vals = rows[keep], cols[keep], vals[keep].astype(np.float32)
    else:
        C.sort_indices()  # column order within rows: ties below fall to the lower column
        rows = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(C.indptr))
        cols = C.indices.astype(np.int64)
        vals = C.data.astype(np.float32)
        keep = vals > 0
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
    # one composite sort key: row ascending, value descending, column ascending (stable)
    order = np.argsort(rows * 4.0 + (2.0 - vals.astype(np.float64)), kind="stable")
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.searchsorted(rows, rows, side="left")
    rank = np.arange(rows.size) - starts
    sel = rank < k
    return rows[sel] + row_offset, cols[sel], vals[sel]


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
    out_r, out_c, out_v = [], [], []
    start = 0
    cum = np.cumsum(per_row)
    while start < n:
        base = cum[start - 1] if start else 0.0
        stop = int(np.searchsorted(cum, base + chunk_nnz, side="right"))
        stop = min(n, max(stop, start + 1))
        C = (Q[start:stop] @ DT).tocsr()
        r, c, v = _chunk_topk(C, k, start)
        out_r.append(r)
        out_c.append(c)
        out_v.append(v)
        start = stop
    return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_v)


def prune_rows(M: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """Keep each row's `keep` heaviest entries (ties: lower column first)."""
    M = sp.csr_matrix(M)
    counts = np.diff(M.indptr)
    if counts.size == 0 or counts.max(initial=0) <= keep:
        return M
    rows = np.repeat(np.arange(M.shape[0]), counts)
    order = np.lexsort((M.indices, -M.data, rows))
    starts = np.repeat(M.indptr[:-1], counts)
    rank = np.arange(M.nnz) - starts
    sel = order[rank < keep]
    sel.sort()
    out = sp.csr_matrix((M.data[sel], M.indices[sel], np.concatenate(
        [[0], np.cumsum(np.minimum(counts, keep))])), shape=M.shape)
    return out


def prune_postings(M: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """Keep, for each feature (column), only the `keep` documents that weigh it most."""
    return prune_rows(sp.csc_matrix(M).T.tocsr(), keep).T.tocsr()


def exact_scores(Q: sp.csr_matrix, D: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray,
                 chunk: int = 500_000) -> np.ndarray:
    """Dot products Q[rows[i]] . D[cols[i]] for a list of pairs, without forming Q @ D.T."""
    Q = sp.csr_matrix(Q, dtype=np.float32)
    D = sp.csr_matrix(D, dtype=np.float32)
    out = np.empty(rows.size, dtype=np.float32)
    for s in range(0, rows.size, chunk):
        r, c = rows[s:s + chunk], cols[s:s + chunk]
        out[s:s + chunk] = np.asarray(Q[r].multiply(D[c]).sum(axis=1)).ravel()
    return out


def candidate_pairs(Q: sp.csr_matrix, D: sp.csr_matrix, k: int, *, both_ways: bool = True,
                    mode: str = "auto", row_features: int = 12, postings: int = 400):
    """The union of each query's top-k documents and (if both_ways) each document's top-k
    queries, scored exactly. Returns unique (rows, cols, scores) sorted by (row, col).

    mode: "exact", "pruned" or "auto" (exact while n_q * n_d <= EXACT_LIMIT)."""
    nq, nd = Q.shape[0], D.shape[0]
    if mode == "auto":
        mode = "exact" if nq * nd <= EXACT_LIMIT else "pruned"
    if mode == "exact":
        Qs, Ds = Q, D
    else:
        Qs = prune_rows(Q, row_features)
        Ds = prune_rows(D, row_features)
        Qs_idx, Ds_idx = prune_postings(Qs, postings), prune_postings(Ds, postings)
    parts_r, parts_c = [], []
    if mode == "exact":
        r, c, _ = topk(Qs, Ds, k)
    else:
        r, c, _ = topk(Qs, Ds_idx, k)
    parts_r.append(r)
    parts_c.append(c)
    if both_ways:
        if mode == "exact":
            c2, r2, _ = topk(Ds, Qs, k)
        else:
            c2, r2, _ = topk(Ds, Qs_idx, k)
        parts_r.append(r2)
        parts_c.append(c2)
    r = np.concatenate(parts_r)
    c = np.concatenate(parts_c)
    if r.size == 0:
        return r, c, np.zeros(0, dtype=np.float32)
    key = np.unique(r * np.int64(nd) + c)
    r, c = key // nd, key % nd
    return r, c, exact_scores(Q, D, r, c)
