"""The array analyser (matching.corpus) gives exactly what the per-text analyser gives."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.corpus import Corpus, tfidf
from matching.text import Vectorizer, analyse_many

DEV = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "matching_dev.json"

WORDS = ["who", "knows", "whom", "mapping", "peer", "support", "plain", "english", "report",
         "nobody", "reads", "our", "the", "a", "I", "data", "analysis", "it's", "Café", "naïve",
         "help", "from", "peers", "participants", "set", "agenda", "x", "7", "loneliness",
         "more", "morale", "experienced"]  # a stop word stemming like a trigger word ("mor")
SEPS = [" ", " ", " ", ". ", "; ", " (", ") ", ", ", " | ", "\n", "’s ", "-", " \x00 "]


def _same(docs):
    old = [analyse_many(d) for d in docs]
    c = Corpus(docs)
    for i, a in enumerate(old):
        b = c.analysis(i)
        assert (a.text, a.tokens, sorted(a.hits), a.features) == (b.text, b.tokens, sorted(b.hits), b.features), docs[i]
    if any(a.features for a in old):
        v = Vectorizer().fit(old)
        m, vocab, idf = tfidf(c)
        assert vocab == v.vocab
        assert np.allclose(idf, v.idf)
        assert abs(v.transform(old) - m).max() < 1e-6


def test_dev_set_texts():
    data = json.loads(DEV.read_text(encoding="utf-8"))
    docs = []
    for m in data["members"]:
        docs += [[x["text"], *x.get("tags", [])] for x in m.get("asks", []) + m.get("offers", [])]
        if m.get("interests"):
            docs.append(list(m["interests"]))
    _same(docs + [["", "  "], ["Who knows whom? (mapping) who knows. whom", "peer support | peer"]])


text = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPS)), max_size=12).map(
    lambda xs: "".join(w + s for w, s in xs))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(text, max_size=3), min_size=1, max_size=6))
def test_generated_texts(docs):
    _same(docs)


def test_two_stage_dense_topk_matches_a_full_sort():
    from matching.candidates import _row_top_idx

    rng = np.random.default_rng(0)
    for n in (50, 1000, 5003):
        B = (rng.random((40, n)) ** 8).astype(np.float32)
        B[B < 0.3] = 0
        B[:, 5] = B[:, 6]
        for k in (1, 5, 30):
            got = np.sort(np.take_along_axis(B, _row_top_idx(B, k), 1), 1)
            assert np.array_equal(got, np.sort(B, 1)[:, n - k:])


def test_sparse_row_topk_and_pruning():
    import scipy.sparse as sp

    from matching.candidates import _sparse_rows_topk, prune_rows

    rng = np.random.default_rng(1)
    M = sp.random(60, 3000, density=0.05, random_state=2, format="csr", dtype=np.float32)
    M = sp.vstack([M, sp.csr_matrix(np.ones((1, 3000), dtype=np.float32) * rng.random(3000).astype(np.float32))]).tocsr()
    r, c, v = _sparse_rows_topk(M, 7)
    D = M.toarray()
    for i in range(D.shape[0]):
        want = np.sort(D[i][D[i] > 0])[::-1][:7]
        assert np.allclose(np.sort(v[r == i])[::-1], want)
        assert np.allclose(D[i, c[r == i]], v[r == i])
    P = prune_rows(M, 7)
    assert (np.diff(P.indptr) <= 7).all() and abs(P.toarray()[P.toarray() > 0] - D[P.toarray() > 0]).max() == 0
