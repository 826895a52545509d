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
         "help", "from", "peers", "participants", "set", "agenda", "x", "7", "loneliness"]
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
