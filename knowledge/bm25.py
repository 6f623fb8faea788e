"""BM25 over chunk texts with bm25s, on the shared normaliser's terms (core.text: Snowball stems,
no stopwords). Rebuilt when the index generation changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

Terms = Callable[[str], list[str]]


class BM25Index:
    def __init__(self, ids: Sequence[str], texts: Sequence[str], terms: Terms, k1: float = 1.2,
                 b: float = 0.75) -> None:
        import bm25s

        self.ids = list(ids)
        self.terms = terms
        self.vocabulary: frozenset[str] = frozenset()
        self._index: bm25s.BM25 | None = None
        tokens = [terms(t) for t in texts]
        if any(tokens):
            self._index = bm25s.BM25(k1=k1, b=b)
            self._index.index(tokens, show_progress=False)
            self.vocabulary = frozenset(t for t in self._index.vocab_dict if t)
        # Inverse document frequency of each term (BM25's own formula), for weighting words by
        # how much they tell one passage from another.
        df: dict[str, int] = {}
        for doc in tokens:
            for term in set(doc):
                df[term] = df.get(term, 0) + 1
        n = max(1, len(tokens))
        self.idf: dict[str, float] = {t: float(np.log1p((n - f + 0.5) / (f + 0.5))) for t, f in df.items()}

    def covers(self, term: str) -> bool:
        """Whether a (stemmed) term occurs anywhere in the index."""
        return term in self.vocabulary or term.isdigit()

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        known = [t for t in self.terms(query) if t in self.vocabulary]
        if not known or self._index is None:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._index.get_scores(known), dtype=np.float32)

    def top(self, query: str, k: int) -> list[tuple[str, float]]:
        scores = self.scores(query)
        if k <= 0 or not scores.any():
            return []
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in best if scores[i] > 0]
