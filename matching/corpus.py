"""All texts of a community analysed at once, with array operations instead of a Python loop
per text. Produces exactly the features of `text.analyse_many` (tests/matching check this on
the dev set and on generated texts), about 10-20x faster, and keeps only compact arrays in
memory: an `Analysis` (tokens with character spans, concept phrases) is rebuilt lazily from
those arrays for the few texts an explanation needs.

Steps: one regex scan per text (words and clause-break marks together); a dictionary from
each distinct word to its stem and stop-word flag; thesaurus phrases matched per phrase over
the positions of its first stem (numpy, same gap and clause-break rules as text._extend);
"longest match wins" as a self-join of hits within each text; merged phrase ranges counted
per (text, concept); words, adjacent-word bigrams and concepts summed (words) or maxed
(concepts) per document.
"""
from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from .text import (BLOCK_WEIGHTS, CONCEPT_BY_KEY, MAX_GAP, RELATED_WEIGHT, STOP_WORDS, _TOKEN_RE,
                   _TRIGGERS, Analysis, ConceptHit, Token, _fold, stem)

_BREAK_CHARS = ".:;!?()[]|\n"
_SCAN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.:;!?()\[\]|\n\0]")
_CONCEPT_KEYS = sorted(CONCEPT_BY_KEY)
_CONCEPT_ID = {k: i for i, k in enumerate(_CONCEPT_KEYS)}
_RELATED = [[_CONCEPT_ID[r] for r in CONCEPT_BY_KEY[k].related] for k in _CONCEPT_KEYS]


def _unique_inverse(x: np.ndarray):
    """np.unique(x, return_inverse=True) by one sort (numpy's hash-based unique is slower here)."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    new = np.ones(xs.size, dtype=bool)
    new[1:] = xs[1:] != xs[:-1]
    inv = np.empty(x.size, dtype=np.int64)
    inv[order] = np.cumsum(new) - 1
    return xs[new], inv


def _is_stop(raw: str) -> bool:
    return raw in STOP_WORDS or (len(raw) == 1 and not raw.isdigit())


class Corpus:
    """Documents (each a list of short texts, e.g. an offer and its tags) analysed together.

    raw: documents x features (CSR, float64) with the raw feature values of
    text.analyse_many (word and bigram counts, concept weights); names[j] is feature j's
    name ("w:stem", "w:stem stem", "c:concept"), sorted."""

    def __init__(self, docs: Sequence[Sequence[str]]):
        parts: list[str] = []
        part_doc: list[int] = []
        for d, texts in enumerate(docs):
            for t in texts:
                if t and t.strip():
                    parts.append(t)
                    part_doc.append(d)
        self.n_docs = len(docs)
        self.parts = parts
        self.part_doc = np.asarray(part_doc, dtype=np.int64)
        self.doc_part_start = np.searchsorted(self.part_doc, np.arange(self.n_docs + 1))
        self._cache: dict[int, Analysis] = {}
        self._tokenise()
        self._match_concepts()
        self._features()

    # --- tokens ---------------------------------------------------------------------------
    def _tokenise(self) -> None:
        n_marks = len(_BREAK_CHARS)
        # one scan over all texts joined by NUL (its own mark, ends a text); NUL inside a
        # text is neither a word nor a break, so it becomes a space
        texts = [t.lower() if t.isascii() else _fold(t) for t in self.parts]
        joined = "\0".join(t.replace("\0", " ") if "\0" in t else t for t in texts)
        toks = _SCAN_RE.findall(joined)
        vocab = set(toks)
        words = list(_BREAK_CHARS) + ["\0"] + sorted(vocab.difference(_BREAK_CHARS + "\0"))
        word_id = {w: i for i, w in enumerate(words)}
        scanned_all = np.fromiter(map(word_id.__getitem__, toks), dtype=np.int64, count=len(toks))
        sep = scanned_all == n_marks
        spart_all = np.cumsum(sep)
        scanned, spart = scanned_all[~sep], spart_all[~sep]
        n_marks += 1
        words = list(word_id)
        stem_id: dict[str, int] = {}
        w_stem = np.full(len(words), -1, dtype=np.int64)
        w_stop = np.zeros(len(words), dtype=bool)
        for i in range(n_marks, len(words)):
            w_stem[i] = stem_id.setdefault(stem(words[i]), len(stem_id))
            w_stop[i] = _is_stop(words[i])
        self.stems = list(stem_id)
        self.stem_id = stem_id
        mark = scanned < n_marks
        prev_mark = np.zeros(scanned.size, dtype=bool)
        if scanned.size:
            prev_mark[1:] = mark[:-1] & (spart[1:] == spart[:-1])
        keep = ~mark
        self.tok_stem = w_stem[scanned[keep]]
        self.tok_stop = w_stop[scanned[keep]]
        self.tok_part = spart[keep]
        self.tok_brk_real = prev_mark[keep]  # a clause break just before the token, in its text
        self.part_tok_start = np.searchsorted(self.tok_part, np.arange(len(self.parts) + 1))
        first = np.zeros(self.tok_stem.size, dtype=bool)
        first[self.part_tok_start[:-1][np.diff(self.part_tok_start) > 0]] = True
        self.tok_brk = self.tok_brk_real | first  # phrases never run across texts

    # --- thesaurus phrases ----------------------------------------------------------------
    def _match_concepts(self) -> None:
        S, B = self.tok_stem, self.tok_brk
        N = S.size
        order = np.argsort(S, kind="stable")
        bounds = np.searchsorted(S[order], np.arange(len(self.stems) + 1))
        hc, hf, hl = [], [], []
        for first_stem, phrases in _TRIGGERS.items():
            s0 = self.stem_id.get(first_stem)
            if s0 is None:
                continue
            P = order[bounds[s0]:bounds[s0 + 1]]
            if P.size == 0:
                continue
            for key, phrase in phrases:
                want_ids = [self.stem_id.get(w, -1) for w in phrase[1:]]
                if -1 in want_ids:
                    continue
                # as in text.find_concepts, a stop word alone is never a concept
                start = j = P[~self.tok_stop[P]] if len(phrase) == 1 else P
                for want in want_ids:
                    found = np.full(j.size, -1, dtype=np.int64)
                    blocked = np.zeros(j.size, dtype=bool)
                    for step in range(1, MAX_GAP + 2):
                        k = j + step
                        kc = np.minimum(k, N - 1)
                        blocked |= (k >= N) | B[kc]
                        hit = (found < 0) & ~blocked & (S[kc] == want)
                        found[hit] = k[hit]
                    ok = found >= 0
                    start, j = start[ok], found[ok]
                    if j.size == 0:
                        break
                if j.size:
                    hc.append(np.full(j.size, _CONCEPT_ID[key], dtype=np.int64))
                    hf.append(start)
                    hl.append(j)
        self._set_hits(hc, hf, hl)

    def _set_hits(self, hc, hf, hl) -> None:
        e = np.zeros(0, dtype=np.int64)
        c = np.concatenate(hc) if hc else e
        f = np.concatenate(hf) if hf else e
        l = np.concatenate(hl) if hl else e
        part = self.tok_part[f] if f.size else e
        order = np.lexsort((l, f, c, part))
        c, f, l, part = c[order], f[order], l[order], part[order]
        # longest match wins: drop a hit lying inside a strictly longer hit of another concept
        # in the same text (a self-join within each text; texts hold few hits)
        if c.size:
            per_part = np.bincount(part)
            gsize = per_part[part]
            gstart = (np.cumsum(per_part) - per_part)[part]
            h = np.repeat(np.arange(c.size), gsize)
            o = np.repeat(gstart, gsize) + (np.arange(h.size) - np.repeat(np.cumsum(gsize) - gsize, gsize))
            inside = ((c[o] != c[h]) & (f[o] <= f[h]) & (l[h] <= l[o])
                      & ((l[o] - f[o]) > (l[h] - f[h])))
            drop = np.zeros(c.size, dtype=bool)
            drop[h[inside]] = True
            c, f, l, part = c[~drop], f[~drop], l[~drop], part[~drop]
        self.hit_concept, self.hit_first, self.hit_last, self.hit_part = c, f, l, part
        self.part_hit_start = np.searchsorted(part, np.arange(len(self.parts) + 1))

    # --- features -------------------------------------------------------------------------
    def _features(self) -> None:
        n_stems = len(self.stems)
        n_docs = self.n_docs
        # words: content tokens, counted
        content = ~self.tok_stop
        cs, cp = self.tok_stem[content], self.tok_part[content]
        w_doc, w_feat = self.part_doc[cp], cs
        # bigrams: neighbouring content tokens of one text
        adj = np.flatnonzero(cp[1:] == cp[:-1]) if cs.size else np.zeros(0, dtype=np.int64)
        bkey = cs[adj] * np.int64(n_stems) + cs[adj + 1]
        b_doc = self.part_doc[cp[adj]]
        bigrams, b_feat = _unique_inverse(bkey)
        n_wb = n_stems + bigrams.size
        wb = sp.csr_matrix((np.ones(w_doc.size + b_doc.size),
                            (np.concatenate([w_doc, b_doc]), np.concatenate([w_feat, n_stems + b_feat.ravel()]))),
                           shape=(n_docs, n_wb))
        wb.sum_duplicates()
        word_doc = np.repeat(np.arange(n_docs, dtype=np.int64), np.diff(wb.indptr))
        word_feat, word_val = wb.indices.astype(np.int64), wb.data
        del wb
        # concepts: 1 + log(number of merged phrase ranges) per text, related ones RELATED_WEIGHT,
        # max over a document's texts
        c, f, l, p = self.hit_concept, self.hit_first, self.hit_last, self.hit_part
        nc = len(_CONCEPT_KEYS)
        if c.size:
            grp = p * nc + c  # hits are sorted by (part, concept, first, last)
            big = np.int64(self.tok_stem.size + 2)
            run = np.maximum.accumulate(grp * big + l)  # running max of `last` within the group
            new = np.ones(c.size, dtype=bool)
            new[1:] = (grp[1:] != grp[:-1]) | (f[1:] > (run[:-1] - grp[:-1] * big) + 1)
            gfirst = np.ones(grp.size, dtype=bool)
            gfirst[1:] = grp[1:] != grp[:-1]
            gkey = grp[gfirst]
            ranges = np.bincount(np.cumsum(gfirst)[new] - 1, minlength=gkey.size)
            d_part, d_con = gkey // nc, gkey % nc
            d_val = 1.0 + np.log(ranges.astype(np.float64))
            rel_len = np.array([len(r) for r in _RELATED], dtype=np.int64)
            rel_flat = np.array([x for r in _RELATED for x in r], dtype=np.int64)
            rel_start = np.cumsum(rel_len) - rel_len
            cnt = rel_len[d_con]
            r_part = np.repeat(d_part, cnt)
            r_con = rel_flat[np.repeat(rel_start[d_con], cnt) + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))]
            all_doc = self.part_doc[np.concatenate([d_part, r_part])]
            all_con = np.concatenate([d_con, r_con])
            all_val = np.concatenate([d_val, np.full(r_con.size, RELATED_WEIGHT)])
            key = all_doc * nc + all_con
            o = np.lexsort((-all_val, key))
            key, all_val = key[o], all_val[o]
            firsts = np.ones(key.size, dtype=bool)
            firsts[1:] = key[1:] != key[:-1]
            con_doc, con_feat, con_val = key[firsts] // nc, key[firsts] % nc, all_val[firsts]
        else:
            con_doc = con_feat = np.zeros(0, dtype=np.int64)
            con_val = np.zeros(0)
        # names, sorted as text.Vectorizer sorts them
        big_names = [f"w:{self.stems[k // n_stems]} {self.stems[k % n_stems]}" for k in bigrams.tolist()]
        names_all = ([f"w:{s}" for s in self.stems] + big_names + [f"c:{k}" for k in _CONCEPT_KEYS])
        feat = np.concatenate([word_feat, n_wb + con_feat])
        doc = np.concatenate([word_doc, con_doc])
        val = np.concatenate([word_val, con_val])
        present = np.zeros(len(names_all), dtype=bool)
        present[feat] = True
        used = np.flatnonzero(present)
        names = [names_all[i] for i in used.tolist()]
        rank = np.argsort(np.array(names, dtype=object), kind="stable") if names else np.zeros(0, dtype=np.int64)
        new_id = np.empty(used.size, dtype=np.int64)
        new_id[rank] = np.arange(used.size)
        self.names = [names[i] for i in rank.tolist()]
        pos = np.zeros(len(names_all), dtype=np.int64)
        pos[used] = new_id
        col = pos[feat]
        m = sp.csr_matrix((val, (doc, col)), shape=(n_docs, len(self.names)))
        m.sum_duplicates()
        m.sort_indices()
        self.raw = m

    # --- lazy per-document analysis (for explanations) -----------------------------------
    def _part_analysis(self, p: int) -> Analysis:
        text = self.parts[p]
        folded = _fold(text)
        spans = [m.span() for m in _TOKEN_RE.finditer(folded)]
        s, e = int(self.part_tok_start[p]), int(self.part_tok_start[p + 1])
        stems = self.stems
        # tuple.__new__ instead of the NamedTuple's Python-level __new__: this
        # runs for every token of every explained text
        starts = [a for a, _ in spans]
        ends = [b for _, b in spans]
        stops = self.tok_stop[s:e].tolist()      # bool arrays: Python bools
        brks = self.tok_brk_real[s:e].tolist()
        new = tuple.__new__
        tokens = [new(Token, t) for t in zip(map(stems.__getitem__, self.tok_stem[s:e].tolist()),
                                             starts, ends, stops, brks)]
        hs, he = self.part_hit_start[p], self.part_hit_start[p + 1]
        hits = [new(ConceptHit, (_CONCEPT_KEYS[c], tokens[f - s][1], tokens[l - s][2], f - s, l - s))
                for c, f, l in zip(self.hit_concept[hs:he].tolist(), self.hit_first[hs:he].tolist(),
                                   self.hit_last[hs:he].tolist())]
        return Analysis(text, tokens, hits, {})

    def features_of(self, d: int) -> dict[str, float]:
        """Document d's raw features by name (a direct CSR slice: scipy row indexing costs
        about 0.4 ms a call)."""
        raw, names = self.raw, self.names
        r0, r1 = raw.indptr[d], raw.indptr[d + 1]
        return {names[j]: v for j, v in zip(raw.indices[r0:r1].tolist(), raw.data[r0:r1].tolist())}

    def analysis(self, d: int) -> Analysis:
        """Document d as text.analyse_many would give it (tokens, concept hits, features)."""
        a = self._cache.get(d)
        if a is not None:
            return a
        ps = range(self.doc_part_start[d], self.doc_part_start[d + 1])
        parts = [self._part_analysis(p) for p in ps]
        if len(parts) == 1:
            pa = parts[0]
            a = _CorpusAnalysis(pa.text, pa.tokens, pa.hits, None)
        else:
            joined = " | ".join(p.text for p in parts)
            tokens: list[Token] = []
            hits: list[ConceptHit] = []
            offset = 0
            for pa in parts:
                base = len(tokens)
                tokens.extend(Token(t.stem, t.start + offset, t.end + offset, t.stop, t.brk or k == 0)
                              for k, t in enumerate(pa.tokens))
                hits.extend(ConceptHit(h.concept, h.start + offset, h.end + offset, h.first + base,
                                       h.last + base) for h in pa.hits)
                offset += len(pa.text) + 3
            a = _CorpusAnalysis(joined, tokens, hits, None)
        a._source = (self, d)
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[d] = a
        return a


class _CorpusAnalysis(Analysis):
    """An Analysis whose `features` dict is built from the corpus on first use: explanations
    never read it, and building it was a large part of explaining 40k pairs."""

    _source = None

    @property
    def features(self) -> dict[str, float]:
        f = self.__dict__.get("_features")
        if f is None:
            corpus, d = self._source
            f = self.__dict__["_features"] = corpus.features_of(d)
        return f

    @features.setter
    def features(self, value) -> None:
        self.__dict__["_features"] = value


class LazyAnalyses(Sequence):
    """A read-only sequence of a slice of a corpus' documents as Analysis objects."""

    def __init__(self, corpus: Corpus, start: int, stop: int):
        self.corpus, self.start, self.stop = corpus, start, stop

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.corpus.analysis(self.start + i)


def tfidf(corpus: Corpus, block_weights: dict[str, float] | None = None):
    """TF-IDF as text.Vectorizer(block_weights).fit(all).transform(all), from a corpus:
    (matrix float32 documents x vocabulary, vocab dict name -> column, idf)."""
    bw = dict(block_weights or BLOCK_WEIGHTS)
    if bw.get("g"):
        raise ValueError("the character n-gram block is not supported by the corpus analyser")
    raw = corpus.raw
    names = corpus.names
    keep_cols = np.array([bw.get(nm[0], 0.0) > 0 for nm in names], dtype=bool)
    if not keep_cols.all():
        raw = raw[:, np.flatnonzero(keep_cols)]
        names = [nm for nm, k in zip(names, keep_cols) if k]
    n = raw.shape[0]
    df = np.bincount(raw.indices, minlength=raw.shape[1])
    idf = np.log((1 + n) / (1 + df)) + 1.0
    block_of = np.array(["wcg".index(nm[0]) for nm in names], dtype=np.int64)
    m = raw.copy()
    is_word = block_of[m.indices] != 1
    m.data = np.where(is_word & (m.data > 0), 1.0 + np.log(np.where(m.data > 0, m.data, 1.0)), m.data)
    m.data *= idf[m.indices]
    rows = np.repeat(np.arange(n), np.diff(m.indptr))
    blk = block_of[m.indices]
    sq = np.bincount(rows * 3 + blk, weights=m.data ** 2, minlength=3 * n).reshape(n, 3)
    norms = np.sqrt(sq)
    scale = np.array([math.sqrt(bw.get(b, 0.0)) for b in "wcg"])
    denom = norms[rows, blk]
    with np.errstate(divide="ignore", invalid="ignore"):
        m.data = np.where(denom > 0, m.data / denom, 0.0) * scale[blk]
    m.eliminate_zeros()
    return m.astype(np.float32), {k: i for i, k in enumerate(names)}, idf
