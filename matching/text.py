"""Turning asks, offers and interests into sparse vectors, offline.

Representation (all stdlib + numpy + scipy, nothing downloaded):
  * words: stemmed unigrams and adjacent bigrams, TF-IDF;
  * concepts: phrases from the domain thesaurus (matching.thesaurus) found in the text, so
    "nobody reads our 40-page report" and "plain English editing" meet in one concept even
    though they share no word; related concepts get a weaker link;
  * character 3-5-grams of each word (weak), which forgives spelling variants and compounds.
Each block is TF-IDF weighted and L2-normalised on its own, then scaled by sqrt(block weight),
so the cosine of two vectors is the weighted sum of the per-block cosines.

Analysis keeps character spans of matched phrases so explanations can quote the member's
own words.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, NamedTuple, Sequence

import numpy as np
import scipy.sparse as sp

from .thesaurus import CONCEPTS

BLOCK_WEIGHTS = {"w": 0.45, "c": 0.55, "g": 0.0}
RELATED_WEIGHT = 0.35
MAX_GAP = 1  # words allowed between neighbouring words of a thesaurus phrase

STOP_WORDS = frozenset("""
a about above after again against all also am an and any are aren as at be because been before
being below between both but by can cannot could couldn did didn do does doesn doing don down
during each etc few for from further get gets getting got had has have having he her here hers
herself him himself his how i if in into is isn it its itself just let lets like may me might
more most much must my myself of off on once only or other ought our ours ourselves out over own
please quite rather really same shall she should so some such than that the their theirs them
themselves then there these they this those through to too under until up us very was we were
what when where which while who whom why will with would you your yours yourself yourselves
want wants wanted keen hoping hope looking anyone someone somebody anybody something thing things
one's e g ie eg i'm i've we're we've it's they're don't can't
""".split())
# Deliberately NOT stop words: no, not, nobody, never, none, without, nothing — they carry meaning
# in phrases such as "nobody reads" or "without blame".

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_BREAK_RE = re.compile(r"[.:;!?()\[\]|\n]")

_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("isations", ""), ("izations", ""), ("isation", ""), ("ization", ""), ("ational", ""),
    ("fulness", ""), ("ousness", ""), ("iveness", ""), ("ations", ""), ("ation", ""),
    ("ators", ""), ("ator", ""), ("ating", ""), ("ated", ""), ("ates", ""), ("ate", ""),
    ("ising", ""), ("izing", ""), ("ised", ""), ("ized", ""), ("ises", ""), ("izes", ""),
    ("ise", ""), ("ize", ""), ("ments", ""), ("ment", ""), ("ness", ""), ("ship", ""),
    ("ings", ""), ("ing", ""), ("ities", ""), ("ity", ""), ("ies", "y"), ("ied", "y"),
    ("ers", ""), ("er", ""), ("ed", ""), ("es", ""), ("ly", ""), ("ful", ""), ("ive", ""),
    ("al", ""), ("s", ""), ("e", ""),
)


_IRREGULAR = {"lonely": "lonely", "loneliness": "lonely", "lonelier": "lonely", "news": "news",
              "data": "data", "analysis": "analys", "analyses": "analys", "analyse": "analys",
              "analyze": "analys", "analysing": "analys", "analyzing": "analys", "people": "people",
              "children": "child", "women": "woman", "men": "man", "better": "better"}


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A small, deterministic suffix-stripping stemmer (English). Only consistency matters:
    member text and thesaurus phrases go through the same function."""
    w = word.replace("'", "")
    if w.endswith("s") and word.endswith("'s"):
        w = w[:-1]
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or w.isdigit():
        return w
    for _ in range(3):
        changed = False
        for suf, rep in _SUFFIXES:
            if not w.endswith(suf):
                continue
            base = w[: -len(suf)]
            if len(base) + len(rep) < 3:
                continue
            if suf == "s" and base.endswith(("s", "u", "i")):
                continue
            if suf == "es" and not base.endswith(("s", "x", "z", "ch", "sh")):
                base, rep = w[:-1], ""  # "slides" -> "slide", "processes" -> "process"
            w = base + rep
            changed = True
            break
        if not changed or len(w) <= 3:
            break
    return w


class Token(NamedTuple):
    stem: str
    start: int  # character span in the original text
    end: int
    stop: bool = False
    brk: bool = False  # a clause break (. : ; ! ? brackets) comes just before this token


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")


def tokenize_all(text: str) -> list[Token]:
    """Every word with its stem and character span; stop words are flagged, not dropped,
    because thesaurus phrases such as "who knows whom" need them."""
    folded = _fold(text)
    breaks = [m.start() for m in _BREAK_RE.finditer(folded)]
    out = []
    prev_end = 0
    b = 0
    for m in _TOKEN_RE.finditer(folded):
        raw = m.group(0)
        start = m.start()
        brk = False
        while b < len(breaks) and breaks[b] < start:
            if breaks[b] >= prev_end:
                brk = True
            b += 1
        out.append(Token(stem(raw), start, m.end(), raw in STOP_WORDS or (len(raw) == 1 and not raw.isdigit()), brk))
        prev_end = m.end()
    return out


def tokenize(text: str) -> list[Token]:
    """Stemmed content words with their character spans (stop words dropped)."""
    return [t for t in tokenize_all(text) if not t.stop]


def words_of(text: str) -> set[str]:
    return {t.stem for t in tokenize(text)}


# --- the thesaurus, compiled ---------------------------------------------------------------

@dataclass(frozen=True)
class Concept:
    key: str
    label: str
    related: tuple[str, ...]


CONCEPT_BY_KEY: dict[str, Concept] = {}
_TRIGGERS: dict[str, list[tuple[str, tuple[str, ...]]]] = {}


def _compile() -> None:
    for key, label, related, triggers in CONCEPTS:
        if key in CONCEPT_BY_KEY:
            raise ValueError(f"thesaurus concept {key!r} defined twice")
        CONCEPT_BY_KEY[key] = Concept(key, label, tuple(related))
        for phrase in triggers.split("|"):
            stems = tuple(t.stem for t in tokenize_all(phrase))
            if not stems:
                continue
            lst = _TRIGGERS.setdefault(stems[0], [])
            if (key, stems) not in lst:
                lst.append((key, stems))
    for c in CONCEPT_BY_KEY.values():
        for r in c.related:
            if r not in CONCEPT_BY_KEY:
                raise ValueError(f"thesaurus concept {c.key!r} relates to unknown {r!r}")
    for lst in _TRIGGERS.values():  # longest phrase first: deterministic and most specific
        lst.sort(key=lambda kv: (-len(kv[1]), kv[0], kv[1]))


_compile()


class ConceptHit(NamedTuple):
    concept: str
    start: int  # character span of the matched phrase in the original text
    end: int
    first: int  # token positions
    last: int


def _extend(tokens: Sequence[Token], stems: list[str], i: int, phrase: tuple[str, ...]) -> int:
    """Match phrase[1:] after position i (at most MAX_GAP words between neighbours, never
    across a clause break); the last matched position, or -1."""
    j, n = i, len(stems)
    for want in phrase[1:]:
        found = -1
        for step in range(1, MAX_GAP + 2):
            k = j + step
            if k >= n or tokens[k].brk:
                break
            if stems[k] == want:
                found = k
                break
        if found < 0:
            return -1
        j = found
    return j


def find_concepts(tokens: Sequence[Token]) -> list[ConceptHit]:
    hits: list[ConceptHit] = []
    stems = [t.stem for t in tokens]
    present = set(stems)
    for i, s in enumerate(stems):
        for key, phrase in _TRIGGERS.get(s, ()):
            if len(phrase) == 1:
                # A stop word alone is never a concept, even when it stems like a trigger word
                # ("more" and "morale" both stem to "mor"): a reason would quote "more" as overlap.
                if not tokens[i].stop:
                    hits.append(ConceptHit(key, tokens[i].start, tokens[i].end, i, i))
                continue
            if not present.issuperset(phrase[1:]):
                continue
            j = _extend(tokens, stems, i, phrase)
            if j >= 0:
                hits.append(ConceptHit(key, tokens[i].start, tokens[j].end, i, j))
    # longest match wins: drop a hit lying strictly inside a longer hit of another concept
    # ("help" inside "help from peers", "agenda" inside "participants set the agenda")
    kept = []
    for h in hits:
        inside = any(o.concept != h.concept and o.first <= h.first and h.last <= o.last
                     and (o.last - o.first) > (h.last - h.first) for o in hits)
        if not inside:
            kept.append(h)
    return kept


@dataclass
class Analysis:
    """One text, analysed: tokens, features, and the concept phrases found (with spans)."""
    text: str
    tokens: list[Token]
    hits: list[ConceptHit]
    features: dict[str, float] = field(default_factory=dict)

    @property
    def concepts(self) -> set[str]:
        return {h.concept for h in self.hits}

    @property
    def stems(self) -> set[str]:
        """Content-word stems (stop words excluded)."""
        return {t.stem for t in self.tokens if not t.stop}

    def spans(self, concept: str) -> list[str]:
        """Surface phrases that triggered a concept, adjacent ones merged, longest first."""
        merged = _merged_ranges([h for h in self.hits if h.concept == concept], self.tokens)
        out = [_surface(self, a, b) for a, b in merged]
        return sorted(out, key=lambda s: (-len(s), s))

    def surface(self, stem_: str) -> str:
        for t in self.tokens:
            if t.stem == stem_ and not t.stop:
                return _surface_span(self.text, t.start, t.end)
        return stem_


def _merged_ranges(hits: Sequence[ConceptHit], tokens: Sequence[Token] | None = None) -> list[list[int]]:
    merged: list[list[int]] = []
    for h in sorted(hits, key=lambda h: (h.first, h.last)):
        touching = merged and h.first <= merged[-1][1] + 1
        if touching and tokens is not None and h.first > merged[-1][1] and tokens[h.first].brk:
            touching = False
        if touching:
            merged[-1][1] = max(merged[-1][1], h.last)
        else:
            merged.append([h.first, h.last])
    return merged


def _surface(a: Analysis, first: int, last: int) -> str:
    return _surface_span(a.text, a.tokens[first].start, a.tokens[last].end)


def _surface_span(text: str, start: int, end: int) -> str:
    folded = _fold(text)
    src = text if len(folded) == len(text) else folded
    return " ".join(src[start:end].split())


def _char_ngrams(word: str) -> Iterable[str]:
    w = f"<{word}>"
    for n in (3, 4, 5):
        for i in range(len(w) - n + 1):
            yield w[i: i + n]


def _raw_features(tokens: Sequence[Token], hits: Sequence[ConceptHit]) -> dict[str, float]:
    f: dict[str, float] = {}
    stems = [t.stem for t in tokens]
    for s in stems:
        f["w:" + s] = f.get("w:" + s, 0.0) + 1.0
    for a, b in zip(stems, stems[1:]):
        k = "w:" + a + " " + b
        f[k] = f.get(k, 0.0) + 1.0
    if BLOCK_WEIGHTS.get("g"):
        for s in set(stems):
            for g in _char_ngrams(s):
                f["g:" + g] = f.get("g:" + g, 0.0) + 1.0
    direct = {h.concept for h in hits}
    for c in direct:
        spans = _merged_ranges([h for h in hits if h.concept == c])
        f["c:" + c] = 1.0 + math.log(len(spans))
    for c in direct:
        for r in CONCEPT_BY_KEY[c].related:
            if r not in direct:
                f["c:" + r] = max(f.get("c:" + r, 0.0), RELATED_WEIGHT)
    return f


_ANALYSE_CACHE: dict[str, Analysis] = {}


def analyse(text: str) -> Analysis:
    """Analyse one text (cached by exact text; analyses are treated as immutable)."""
    a = _ANALYSE_CACHE.get(text)
    if a is None:
        tokens = tokenize_all(text)
        hits = find_concepts(tokens)
        a = Analysis(text, tokens, hits, _raw_features([t for t in tokens if not t.stop], hits))
        if len(_ANALYSE_CACHE) > 500_000:
            _ANALYSE_CACHE.clear()
        _ANALYSE_CACHE[text] = a
    return a


def analyse_many(texts: Sequence[str]) -> Analysis:
    """Several short texts (a member's interests, an offer and its tags) as one bag:
    phrases never run across text boundaries."""
    parts = [analyse(t) for t in texts if t and t.strip()]
    if len(parts) == 1:
        return parts[0]
    joined = " | ".join(p.text for p in parts)
    tokens: list[Token] = []
    hits: list[ConceptHit] = []
    offset = 0
    for p in parts:
        base = len(tokens)
        tokens.extend(Token(t.stem, t.start + offset, t.end + offset, t.stop, t.brk or k == 0)
                      for k, t in enumerate(p.tokens))
        hits.extend(ConceptHit(h.concept, h.start + offset, h.end + offset, h.first + base, h.last + base)
                    for h in p.hits)
        offset += len(p.text) + 3
    feats: dict[str, float] = {}
    for p in parts:
        for k, v in p.features.items():
            feats[k] = max(feats[k], v) if k.startswith("c:") and k in feats else feats.get(k, 0.0) + v
    return Analysis(joined, tokens, hits, feats)


class Vectorizer:
    """TF-IDF over the three feature blocks, fitted on one community's texts."""

    def __init__(self, block_weights: dict[str, float] | None = None):
        self.block_weights = dict(block_weights or BLOCK_WEIGHTS)
        self.vocab: dict[str, int] = {}
        self.idf: np.ndarray = np.zeros(0)
        self.block_of: np.ndarray = np.zeros(0, dtype=np.int8)

    def fit(self, docs: Sequence[Analysis]) -> "Vectorizer":
        df: dict[str, int] = {}
        for d in docs:
            for k in d.features:
                df[k] = df.get(k, 0) + 1
        keys = sorted(k for k in df if self.block_weights.get(k[0], 0.0) > 0)
        self.vocab = {k: i for i, k in enumerate(keys)}
        n = len(docs)
        self.idf = np.array([math.log((1 + n) / (1 + df[k])) + 1.0 for k in keys], dtype=np.float64)
        blocks = "wcg"
        self.block_of = np.array([blocks.index(k[0]) for k in keys], dtype=np.int8)
        return self

    def transform(self, docs: Sequence[Analysis]) -> sp.csr_matrix:
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        vocab = self.vocab
        for d in docs:
            for k, v in d.features.items():
                j = vocab.get(k)
                if j is not None:
                    indices.append(j)
                    # sublinear tf for words; concept weights are already in [0, 1]
                    data.append(1.0 + math.log(v) if (k[0] != "c" and v > 0) else v)
            indptr.append(len(indices))
        m = sp.csr_matrix((np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64),
                           np.asarray(indptr, dtype=np.int64)), shape=(len(docs), len(vocab)))
        m.sort_indices()
        m.data *= self.idf[m.indices]
        # per-block L2 normalisation, then sqrt(weight) scaling
        rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
        blk = self.block_of[m.indices].astype(np.int64)
        sq = np.zeros((m.shape[0], 3))
        np.add.at(sq, (rows, blk), m.data ** 2)
        norms = np.sqrt(sq)
        scale = np.array([math.sqrt(self.block_weights.get(b, 0.0)) for b in "wcg"])
        denom = norms[rows, blk]
        with np.errstate(divide="ignore", invalid="ignore"):
            m.data = np.where(denom > 0, m.data / denom, 0.0) * scale[blk]
        m.eliminate_zeros()
        return m.astype(np.float32)
