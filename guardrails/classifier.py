"""The message classifier: which kind of message a patient sent (emergency, self_harm, diagnosis,
treatment_decision, medication, prompt_injection, abuse, off_topic, or an ordinary faq), and its
courtesy head: whether an ordinary message is only a greeting, thanks, goodbye or "ok".

A logistic regression (scikit-learn) over two kinds of features of the same message:
- the sentence embedding of its normalised text (the one embedding retrieval also uses);
- character n-grams of its cleaned text (TF-IDF), which tolerate typos and carry the Spanish.
Long messages are scored sentence by sentence as well as whole, so a red flag buried in a story
about the procedure is not averaged away; in a short message (at most ONE_READING words) a sentence
counts for the red-flag score only from the policy's ``short_sentence_floor``, since the rest of the
message is its context. Per-class thresholds come from cross-validation at
training time (guardrails/fit.py), recall first for emergency and self_harm; the other classes'
are pinned in policy.yaml and cross-validation checks they keep their precision.

Usage::

    model = MessageClassifier.load(path)           # or guardrails.fit.train(...)
    scores = model.scores(reading)                  # Reading: texts and vectors of one message
    scores.fired()                                  # [("emergency", 0.97)] when over its threshold
    model.courtesy(reading)                         # 0.93: only a courtesy (threshold: thresholds["social"])
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from core.errors import ConfigError
from core.text import clean

Vectors = npt.NDArray[np.float32]
RED_FLAGS = ("emergency", "self_harm")
# Classes scored on each sentence as well as on the whole message (the highest counts). The
# others are judged on the whole message: one off-topic aside does not make a question off topic.
BY_SENTENCE = ("emergency", "self_harm", "prompt_injection", "diagnosis")
# When several classes are over their thresholds, the first in this order decides (red flags
# by the larger share of their threshold).
PRECEDENCE = ("emergency", "self_harm", "prompt_injection", "diagnosis", "treatment_decision", "medication",
              "abuse", "off_topic")
ARTIFACT_VERSION = 3  # 3: the courtesy head

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+|(?<=[,;:])\s+(?=(?:but|and|also|oh|btw|anyway|plus)\b)", re.IGNORECASE)
WINDOW_WORDS = 24  # an unpunctuated run-on message is read in overlapping windows of this many words
ONE_READING = WINDOW_WORDS + 6  # a message (or sentence) of at most this many words is short
MAX_SEGMENTS = 16


def segments(text: str) -> list[str]:
    """The sentences of a message (windows of words where it has no punctuation); [] when the
    message is a single sentence, which the whole-message score already covers."""
    parts: list[str] = []
    for piece in _SENTENCE.split(clean(text)):
        words = piece.split()
        if len(words) <= ONE_READING:
            if words:
                parts.append(" ".join(words))
            continue
        step = WINDOW_WORDS // 2
        for start in range(0, len(words) - step, step):
            parts.append(" ".join(words[start:start + WINDOW_WORDS]))
    parts = [p for p in parts if len(p.split()) >= 2]
    return parts[:MAX_SEGMENTS] if len(parts) > 1 else []


@dataclass(frozen=True)
class Reading:
    """One message as the classifier reads it: its cleaned text (for character n-grams), the
    vector of its normalised text, and the same for each sentence of a long message."""

    text: str
    vector: Vectors
    sentences: tuple[str, ...] = ()
    sentence_vectors: Vectors | None = None


@dataclass(frozen=True)
class Scores:
    """What the model read in one message. ``best[c]``: the probability of class c, for the
    classes read sentence by sentence the highest over the whole message and its sentences.
    ``red_flag``: the probability that it is emergency or self_harm (either: both escalate, and
    the two are often confused, as with an overdose), highest over whole and sentences;
    ``red_category`` is the likelier of the two where that was."""

    classes: tuple[str, ...]
    best: dict[str, float]
    where: dict[str, str]  # class -> the sentence that scored highest ('' = the whole message)
    red_flag: float
    red_category: str
    thresholds: dict[str, float]  # per class; for emergency and self_harm, on the red-flag score
    grey: float  # the safety-net band starts here (up to the red-flag threshold)

    @property
    def red_threshold(self) -> float:
        """The red-flag score's threshold for the likelier red-flag category."""
        return self.thresholds.get(self.red_category, 2.0)

    def fired(self) -> list[tuple[str, float]]:
        """Categories over their thresholds, the deciding one first: a red flag, then the others
        in PRECEDENCE order."""
        out = [(self.red_category, self.red_flag)] if self.red_flag >= self.red_threshold else []
        return out + [(c, self.best[c]) for c in PRECEDENCE
                      if c not in RED_FLAGS and c in self.thresholds and self.best[c] >= self.thresholds[c]]

    def in_grey_band(self) -> bool:
        """Under the red-flag threshold but close enough that the reply leads with the safety line."""
        return self.grey <= self.red_flag < self.red_threshold

    def to_dict(self) -> dict[str, Any]:
        return {"red_flag": round(self.red_flag, 4), "red_category": self.red_category,
                "scores": {c: round(self.best[c], 4) for c in self.classes},
                "thresholds": {c: round(t, 4) for c, t in self.thresholds.items()}, "grey_from": round(self.grey, 4),
                "sentences": {c: s for c, s in self.where.items() if s}}


def is_short(text: str) -> bool:
    """A message short enough that the rest of it is the context of each of its sentences."""
    return len(clean(text).split()) <= ONE_READING


def red_flag_of(p: npt.NDArray[np.float64], classes: tuple[str, ...],
                sentence_floor: float = 0.0) -> tuple[float, int, str]:
    """(highest emergency+self_harm probability over the rows, its row, the likelier category there).
    Row 0 is the whole message, the others its sentences; a sentence counts only from
    ``sentence_floor`` (a short message's; 0 for a long one)."""
    em, sh = classes.index("emergency"), classes.index("self_harm")
    union = p[:, em] + p[:, sh]
    if sentence_floor > 0 and len(union) > 1:
        union = np.concatenate([union[:1], np.where(union[1:] >= sentence_floor, union[1:], 0.0)])
    row = int(np.argmax(union))
    return float(union[row]), row, ("emergency" if p[row, em] >= p[row, sh] else "self_harm")


class GramLogits:
    """The n-gram part of the classifier's logits, from the fitted vectorisers' own analysers,
    vocabularies and idf weights: sublinear term frequency times idf, unit length per vectoriser,
    times its weight in the union, times the weights.

    Written by hand (the vectorisers stay scikit-learn's, for training and for this reading)
    because ``FeatureUnion.transform`` validates its input and builds sparse matrices on every
    call: about 2.5 ms per message, the largest cost of an answer after the embedding. Computed
    in float32 as the vectorisers are; tests/guardrails/test_classifier.py checks it against
    ``vectoriser.transform(...) @ coef.T`` on the training corpus."""

    def __init__(self, union: Any, coef: npt.NDArray[np.float64]) -> None:
        weights = union.transformer_weights or {}
        self.parts: list[tuple[Any, dict[str, int], npt.NDArray[np.float32], npt.NDArray[np.float64], float]] = []
        offset = 0
        for name, vectoriser in union.transformer_list:
            size = len(vectoriser.vocabulary_)
            self.parts.append((vectoriser.build_analyzer(), vectoriser.vocabulary_,
                               np.asarray(vectoriser.idf_, dtype=np.float32),
                               np.ascontiguousarray(coef[:, offset:offset + size].T), float(weights.get(name, 1.0))))
            offset += size
        if offset != coef.shape[1]:
            raise ConfigError(f"the classifier has {coef.shape[1]} n-gram weights but its vectorisers {offset} features")
        self.classes = coef.shape[0]

    def __call__(self, texts: list[str]) -> npt.NDArray[np.float64]:
        out = np.zeros((len(texts), self.classes))
        for row, text in enumerate(texts):
            for analyse, vocabulary, idf, weights, weight in self.parts:
                counts = Counter(j for gram in analyse(text) if (j := vocabulary.get(gram)) is not None)
                if not counts:
                    continue
                index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                x = (np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts))) + np.float32(1))
                x *= idf[index]
                x /= np.sqrt(np.dot(x, x))
                x *= np.float32(weight)
                out[row] += x.astype(np.float64) @ weights[index]
        return out


@dataclass
class MessageClassifier:
    """A trained model: the character n-gram vectoriser, the linear weights, the thresholds
    chosen by cross-validation, and what it was trained on (``corpus_hash``, ``metrics``)."""

    classes: tuple[str, ...]
    vectoriser: Any  # sklearn TfidfVectorizer, fitted
    coef: npt.NDArray[np.float64]  # (classes, embedding + n-gram features)
    intercept: npt.NDArray[np.float64]
    embedding_weight: float
    thresholds: dict[str, float]
    grey: float
    corpus_hash: str
    recipe: str
    metrics: dict[str, Any] = field(default_factory=dict)
    short_sentence_floor: float = 0.0  # the policy's: where a short message's sentence starts to count
    courtesy_head: MessageClassifier | None = None  # classes ("faq", "social"); guardrails/fit.py train_courtesy
    _grams: GramLogits | None = field(default=None, init=False, repr=False, compare=False)  # built on first use

    def sentence_floor(self, text: str) -> float:
        return self.short_sentence_floor if is_short(text) else 0.0

    def probabilities(self, texts: list[str], vectors: Vectors) -> npt.NDArray[np.float64]:
        """Class probabilities, one row per text; ``vectors`` are the texts' embeddings."""
        dim = vectors.shape[1]
        lowered = [t.lower() for t in texts]
        logits = (np.asarray(vectors, dtype=np.float64) * self.embedding_weight) @ self.coef[:, :dim].T
        if len(texts) > MAX_SEGMENTS + 1:  # a batch (training, a benchmark): the vectoriser's own matrix
            logits += np.asarray(self.vectoriser.transform(lowered) @ self.coef[:, dim:].T)
        else:  # one message and its sentences
            if self._grams is None:
                self._grams = GramLogits(self.vectoriser, self.coef[:, dim:])
            logits += self._grams(lowered)
        logits += self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        out: npt.NDArray[np.float64] = p / p.sum(axis=1, keepdims=True)
        return out

    def scores(self, reading: Reading) -> Scores:
        texts = [reading.text, *reading.sentences]
        if reading.sentences and reading.sentence_vectors is not None:
            vectors = np.vstack([reading.vector[None, :], reading.sentence_vectors])
        else:
            texts, vectors = texts[:1], reading.vector[None, :]
        p = self.probabilities(texts, vectors)
        best = {c: float(p[0, i]) for i, c in enumerate(self.classes)}
        where = {c: "" for c in self.classes}
        for i, c in enumerate(self.classes):
            if c in BY_SENTENCE and len(texts) > 1:
                j = int(np.argmax(p[:, i]))
                best[c], where[c] = float(p[j, i]), texts[j] if j else ""
        red, row, category = red_flag_of(p, self.classes, self.sentence_floor(reading.text))
        where[category] = texts[row] if row else ""
        return Scores(self.classes, best, where, red, category, self.thresholds, self.grey)

    def courtesy(self, reading: Reading) -> float:
        """The probability that the whole message is only a courtesy (0.0 without a head); its
        threshold is ``thresholds["social"]``. Asked only of a message nothing else fired on."""
        if self.courtesy_head is None:
            return 0.0
        return float(self.courtesy_head.probabilities([reading.text], reading.vector[None, :])[0, 1])

    # --- the artifact ---------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        import joblib

        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        joblib.dump({"version": ARTIFACT_VERSION, **{k: v for k, v in self.__dict__.items() if not k.startswith("_")}},
                    partial)
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> MessageClassifier:
        import joblib

        try:
            data = joblib.load(path)
        except (OSError, EOFError, ValueError) as exc:
            raise ConfigError(f"cannot load the message classifier {path}: {exc}") from None
        if not isinstance(data, dict) or data.pop("version", None) != ARTIFACT_VERSION:
            raise ConfigError(f"{path} is not a message classifier of this version; run `faq train`")
        return cls(**data)
