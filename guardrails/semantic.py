"""The semantic check: nearest exemplar utterances, embedded once with the product's model."""

from __future__ import annotations

import threading

from knowledge.embeddings import Embedder, Vectors, encode_singly

COUNTERWEIGHTS = ("faq", "off_topic")  # ordinary questions, and ordinary questions that are not ours


class ExemplarClassifier:
    def __init__(self, embedder: Embedder, exemplars: dict[str, list[str]]) -> None:
        self.embedder = embedder
        self.exemplars = exemplars
        self._matrix: Vectors | None = None
        self._labels: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            if self._matrix is None:
                texts = [t for cat in self.exemplars for t in self.exemplars[cat]]
                self._labels = [(cat, i) for cat in self.exemplars for i in range(len(self.exemplars[cat]))]
                self._matrix = encode_singly(self.embedder, texts)

    def scores(self, vector: Vectors) -> dict[str, tuple[float, str]]:
        """Per category: the best cosine similarity to one of its exemplars, and that exemplar's id."""
        self.warm_up()
        assert self._matrix is not None
        sims = self._matrix @ vector
        best: dict[str, tuple[float, str]] = {}
        for (cat, i), sim in zip(self._labels, sims.tolist(), strict=True):
            if cat not in best or sim > best[cat][0]:
                best[cat] = (float(sim), f"{cat}#{i}")
        return best

    @staticmethod
    def counterweight(scores: dict[str, tuple[float, str]], category: str) -> float:
        """How close the message is to things that are not ``category``'s concern."""
        return max(scores.get(c, (-1.0, ""))[0] for c in COUNTERWEIGHTS if c != category)
