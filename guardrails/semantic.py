"""The semantic check: nearest exemplar utterances, embedded once with the product's model, and
a linear red-flag model fitted on the same exemplars."""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

from knowledge.embeddings import Embedder, Vectors, encode_singly

COUNTERWEIGHTS = ("faq", "off_topic")  # ordinary questions, and ordinary questions that are not ours
RED_FLAGS = ("emergency", "self_harm")


def fit_softmax(x: Vectors, y: npt.NDArray[np.int64], classes: int, *, positive_weight: float = 3.0,
                l2: float = 1e-3, rate: float = 0.5, steps: int = 3000) -> tuple[Vectors, Vectors]:
    """Multinomial logistic regression by full-batch gradient descent from zero: deterministic,
    numpy only. Classes other than 0 weigh ``positive_weight`` times more (a missed red flag
    costs more than a false alarm)."""
    weights = np.zeros((x.shape[1], classes))
    bias = np.zeros(classes)
    onehot = np.eye(classes)[y]
    sample = np.where(y > 0, positive_weight, 1.0)[:, None] / len(y)
    for _ in range(steps):
        logits = x @ weights + bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad = (p - onehot) * sample
        weights -= rate * (x.T @ grad + l2 * weights)
        bias -= rate * grad.sum(axis=0)
    return weights.astype(np.float32), bias.astype(np.float32)


class ExemplarClassifier:
    def __init__(self, embedder: Embedder, exemplars: dict[str, list[str]]) -> None:
        self.embedder = embedder
        self.exemplars = exemplars
        self._matrix: Vectors | None = None
        self._labels: list[tuple[str, int]] = []
        self._model: tuple[Vectors, Vectors] | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            if self._matrix is None:
                texts = [t for cat in self.exemplars for t in self.exemplars[cat]]
                self._labels = [(cat, i) for cat in self.exemplars for i in range(len(self.exemplars[cat]))]
                matrix = encode_singly(self.embedder, texts)
                target = np.array([RED_FLAGS.index(cat) + 1 if cat in RED_FLAGS else 0 for cat, _ in self._labels],
                                  dtype=np.int64)
                self._model = fit_softmax(matrix, target, len(RED_FLAGS) + 1)
                self._matrix = matrix

    def red_flag(self, vector: Vectors) -> tuple[str, float]:
        """The likelier red-flag category for a message and the model's probability that it is
        a red flag at all (emergency or self-harm)."""
        self.warm_up()
        assert self._model is not None
        weights, bias = self._model
        logits = vector @ weights + bias
        p = np.exp(logits - logits.max())
        p /= p.sum()
        return RED_FLAGS[int(np.argmax(p[1:]))], float(p[1:].sum())

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
