"""A small BM25 index over chunk texts (scipy sparse), rebuilt when the generation changes."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

_TOKEN = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    im ive id dont doesnt cant wont isnt arent didnt wasnt shouldnt wouldnt couldnt whats thats theres
    get got also may might must shall us u ur pls please b4 til till vs versus hi hello hey thanks thank
    name phone email""".split()
)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'injections'/'injection', 'tears'/'tear'."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: len(word) - len(suffix)] + keep
    return word


def tokenize(text: str) -> list[str]:
    words = _TOKEN.findall(text.lower().replace("’", "").replace("'", ""))
    return [stem(w) for w in words if w not in STOPWORDS and len(w) > 1]


def topic_terms(text: str, everyday: frozenset[str] = frozenset()) -> list[str]:
    """The words of a question that carry its topic, stemmed: no stopwords and no ``everyday``
    words (knowledge/everyday_words.txt)."""
    words = _TOKEN.findall(text.lower().replace("’", "").replace("'", ""))
    return [stem(w) for w in words if w not in STOPWORDS and w not in everyday and len(w) > 1]


_NEGATION = re.compile(r"(non|un|in|im|dis)-?")


def _deletes(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


class BM25Index:
    def __init__(self, ids: Sequence[str], texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.ids = list(ids)
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lengths = np.zeros(len(texts), dtype=np.float32)
        for doc, text in enumerate(texts):
            tokens = tokenize(text)
            lengths[doc] = len(tokens)
            counts: dict[int, int] = {}
            for token in tokens:
                term = vocab.setdefault(token, len(vocab))
                counts[term] = counts.get(term, 0) + 1
            rows.extend([doc] * len(counts))
            cols.extend(counts.keys())
            vals.extend(counts.values())
        self.vocab = vocab
        self._deletions: dict[str, str] | None = None
        n_docs = max(len(texts), 1)
        tf = sparse.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)),
                               shape=(len(texts), len(vocab)))
        df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=len(vocab)).astype(np.float32)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        avg = float(lengths.mean()) if len(texts) else 1.0
        norm = k1 * (1 - b + b * lengths / max(avg, 1e-9))
        coo = tf.tocoo()
        weights = coo.data * (k1 + 1) / (coo.data + norm[coo.row]) * idf[coo.col]
        # Column-major so a query touches only the columns of its own terms.
        self._matrix = sparse.csc_matrix((weights, (coo.row, coo.col)), shape=tf.shape)

    def covers(self, term: str) -> bool:
        """Whether a (stemmed) query term, or a one-letter typo of it, occurs in the index."""
        if term in self.vocab or term.isdigit():
            return True
        if len(term) < 4:
            return False
        if self._deletions is None:
            self._deletions = {}
            for word in self.vocab:
                if len(word) >= 4:
                    for variant in _deletes(word):
                        self._deletions.setdefault(variant, word)
        if any(v in self._deletions or v in self.vocab for v in _deletes(term)):
            return True
        if any(term[:i] in self.vocab for i in range(4, len(term))):
            return True
        # A negated or opposite form of a word the articles use: "unstable" (instability, stable),
        # "inpatient" (outpatient, patient), "nonsurgical".
        prefix = _NEGATION.match(term)
        return prefix is not None and len(term) - prefix.end() >= 5 and self.covers(term[prefix.end():])

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        terms = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        if not terms or not self.ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._matrix[:, terms].sum(axis=1)).ravel().astype(np.float32)

    def top(self, query: str, k: int) -> list[tuple[str, float]]:
        scores = self.scores(query)
        if k <= 0 or not scores.any():
            return []
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best])]
        return [(self.ids[i], float(scores[i])) for i in best if scores[i] > 0]
