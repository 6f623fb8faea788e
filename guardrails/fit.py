"""Training the message classifier from the corpus (guardrails/training/), reproducibly.

    model = train(load_corpus(folder), featurise, ThresholdPolicy(...))

- features: the embedding of each example's normalised text and character n-grams of its cleaned
  text (guardrails/classifier.py); embeddings come from a cache, so retraining is quick;
- thresholds: k-fold cross-validation gives every example (and every sentence of the long ones)
  a probability from a model that never saw it; per class the threshold is the highest that keeps
  the recall target for emergency and self_harm (recall first), and the lowest that keeps the
  precision target for the other classes; the safety-net band starts where recall reaches
  ``grey_recall``; a threshold the policy pins (policy.yaml ``classifier.thresholds`` and
  ``grey_from``) is used as it is, and cross-validation reports its precision and recall, whether it
  still keeps its target, and the threshold it would have chosen;
- the final model is then fitted on everything. Same corpus, same recipe: same model (the folds
  are seeded and the solver is deterministic); the corpus hash names both;
- the courtesy head: a second model of the same recipe with two classes, a courtesy (label
  ``social``: only a greeting, thanks, goodbye or "ok") against an ordinary message (``faq``),
  learnt from the corpus's faq and social lines plus guardrails/training/courtesy/, its threshold the
  lowest that keeps ``courtesy_precision`` in cross-validation. The message classifier learns the
  same courtesies (both places) as ordinary messages, ``social`` read as faq: "thanks heaps,
  appreciate it" is no red flag. A separate head rather than a `social` class in the classifier's
  softmax, which moved five near-threshold decisions of the regression sets, one of them a critical
  escalation (branch `social`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from core.errors import ConfigError
from core.text import TextNormaliser
from guardrails.classifier import BY_SENTENCE, RED_FLAGS, MessageClassifier, Vectors, red_flag_of, segments
from guardrails.corpus import COURTESY, LABELS, Example, corpus_hash, dedup_key, load_corpus
from knowledge.embeddings import Embedder, EmbeddingCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipe:
    """How a corpus becomes a model. Chosen by cross-validation on the corpus
    (benchmarks/classifier_bench.py compares the alternatives); part of the corpus hash."""

    embedding_weight: float = 1.0  # the embedding block against the unit-length n-gram block
    c: float = 8.0  # inverse regularisation strength
    char_ngrams: tuple[int, int] = (2, 5)  # within word boundaries: typo-tolerant
    word_ngrams: tuple[int, int] = (1, 2)  # "years ago", "what if", "last night"
    max_ngrams: int = 60_000  # per kind
    folds: int = 5
    seed: int = 0
    # The solver runs in float64 to this gradient tolerance, so that the weights are the optimum's, not
    # wherever the optimiser stopped. Two CPUs compute MiniLM's fp32 vectors with different kernels
    # (they agree to ~1e-8); fitted in float32 at tolerance 1e-5, vectors that differ that much moved
    # the probabilities of 6,000 evaluation messages by up to 0.007 (893 by over 0.001), so
    # near-threshold decisions flipped between machines. In float64: 1e-6 -> at most 8.5e-4, 1e-7 ->
    # 8.8e-5, 1e-8 -> 8.8e-6 (README "Decisions do not depend on the machine"). 1e-7 takes ~1.8x
    # the iterations of the old fit (354 against 191 on the whole corpus).
    tol: float = 1e-7

    def __str__(self) -> str:
        return (f"logreg-v3|w{self.embedding_weight}|c{self.c}|ch{self.char_ngrams}|wd{self.word_ngrams}|"
                f"n{self.max_ngrams}|k{self.folds}|s{self.seed}|segneg|courtesy-as-faq|f64tol{self.tol:g}")


@dataclass(frozen=True)
class ThresholdPolicy:
    recall: dict[str, float]  # emergency, self_harm: the recall of each to keep (on the red-flag score)
    precision: float  # every other class: the precision to keep
    grey_recall: float  # the safety net starts where the recall of both reaches this
    short_sentence_floor: float = 0.0  # a short message's sentence counts for the red flag from here
    courtesy_precision: float = 0.95  # the courtesy head's threshold keeps this precision
    # Operating thresholds the policy pins, (class, threshold) pairs: a flat precision curve lets the
    # precision rule's choice jump by 0.05-0.09 with every corpus slice (rounds r38-r41), so these are
    # set by hand from `faq train`'s figures; cross-validation checks they keep their precision target
    # within ``pinned_slack``.
    pinned: tuple[tuple[str, float], ...] = ()
    pinned_slack: float = 0.02
    # The red flags' thresholds are pinned too (with where the safety net starts): cross-validation
    # checks each still keeps its recall target within ``recall_slack``.
    grey_from: float | None = None
    recall_slack: float = 0.01

    def threshold(self, label: str, cross_validated: float) -> float:
        return dict(self.pinned).get(label, cross_validated)


# (texts to embed) -> vectors; the caller decides how (normaliser, model, cache)
Featurise = Callable[[Sequence[str]], Vectors]


def _vectoriser(recipe: Recipe) -> Any:
    """Character n-grams and word n-grams, TF-IDF each, weighted so that together they have unit length."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=recipe.char_ngrams, min_df=2, max_features=recipe.max_ngrams,
                            sublinear_tf=True, dtype=np.float32)
    words = TfidfVectorizer(analyzer="word", ngram_range=recipe.word_ngrams, min_df=2, max_features=recipe.max_ngrams,
                            sublinear_tf=True, dtype=np.float32, token_pattern=r"(?u)\b\w+\b")
    half = float(np.sqrt(0.5))
    return FeatureUnion([("chars", chars), ("words", words)], transformer_weights={"chars": half, "words": half})


def fit_model(texts: list[str], vectors: Vectors, y: npt.NDArray[np.int64], recipe: Recipe,
              classes: tuple[str, ...]) -> MessageClassifier:
    """One logistic regression of ``recipe`` on the texts' n-grams and vectors (no thresholds: ``train``
    cross-validates those)."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    vectoriser = _vectoriser(recipe)
    grams = vectoriser.fit_transform([t.lower() for t in texts])
    x = sparse.hstack([sparse.csr_matrix(vectors * recipe.embedding_weight), grams]).tocsr().astype(np.float64)
    model = LogisticRegression(C=recipe.c, max_iter=5000, tol=recipe.tol)
    model.fit(x, y)
    coef = np.zeros((len(classes), x.shape[1]))
    intercept = np.full(len(classes), -30.0)  # a class absent from this fold: never predicted
    if len(model.classes_) == 2:  # scikit-learn keeps one row, the second class's logit: softmax([0, z])
        intercept[model.classes_[0]] = 0.0
        coef[model.classes_[1]], intercept[model.classes_[1]] = model.coef_[0], model.intercept_[0]
    else:
        for row, k in enumerate(model.classes_):
            coef[k], intercept[k] = model.coef_[row], model.intercept_[row]
    return MessageClassifier(classes, vectoriser, coef, intercept, recipe.embedding_weight, {}, 0.0, "", str(recipe))


RED = "red_flag"  # the extra column _aggregate adds: the red-flag score


def _aggregate(model: MessageClassifier, texts: list[str], vectors: Vectors,
               parts: list[list[int]], seg_texts: list[str], seg_vectors: Vectors) -> npt.NDArray[np.float64]:
    """Each example's scores as at run time (one row per example, a column per class and a last
    column for the red-flag score): whole message, and for BY_SENTENCE classes and the red flag
    the highest of whole and sentences."""
    whole = model.probabilities(texts, vectors)
    seg = model.probabilities(seg_texts, seg_vectors) if seg_texts else whole[:0]
    by = [i for i, c in enumerate(model.classes) if c in BY_SENTENCE]
    out = np.zeros((len(texts), len(model.classes) + 1))
    for row, idx in enumerate(parts):
        rows = np.vstack([whole[row:row + 1], seg[idx]]) if idx else whole[row:row + 1]
        out[row, :-1] = whole[row]
        out[row, by] = rows[:, by].max(axis=0)
        out[row, -1] = red_flag_of(rows, model.classes, model.sentence_floor(texts[row]))[0]
    return out


def _threshold_for_recall(scores: npt.NDArray[np.float64], positive: npt.NDArray[np.bool_], target: float) -> float:
    pos = np.sort(scores[positive])
    if not len(pos):
        return 0.5
    return float(pos[int(np.floor((1 - target) * len(pos)))])


def _threshold_for_precision(scores: npt.NDArray[np.float64], positive: npt.NDArray[np.bool_],
                             target: float) -> float:
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(positive[order])
    precision = hits / np.arange(1, len(order) + 1)
    ok = np.nonzero(precision >= target)[0]
    if not len(ok):
        return 0.99
    return float(scores[order][ok[-1]])


def curve(scores: npt.NDArray[np.float64], positive: npt.NDArray[np.bool_]) -> list[dict[str, float]]:
    """Precision and recall at thresholds 0.05 .. 0.95 (the report's threshold curve)."""
    out = []
    for t in np.round(np.arange(0.05, 0.96, 0.05), 2):
        chosen = scores >= t
        tp = int((chosen & positive).sum())
        out.append({"threshold": float(t), "precision": round(tp / max(1, int(chosen.sum())), 4),
                    "recall": round(tp / max(1, int(positive.sum())), 4)})
    return out


def class_metrics(scores: npt.NDArray[np.float64], positive: npt.NDArray[np.bool_], threshold: float,
                  faq: npt.NDArray[np.bool_], curve_of: npt.NDArray[np.float64]) -> dict[str, Any]:
    """One class's cross-validated figures at its threshold, as `faq train` prints them; the curve is
    drawn over ``curve_of`` (the red-flag score for the red-flag row)."""
    chosen = scores >= threshold
    tp = int((chosen & positive).sum())
    return {"examples": int(positive.sum()), "threshold": round(threshold, 4),
            "precision": round(tp / max(1, int(chosen.sum())), 4), "recall": round(tp / max(1, int(positive.sum())), 4),
            "false_alarms_on_faq": int((chosen & faq).sum()), "curve": curve(curve_of, positive)}


def _with_faq_sentences(idx: npt.NDArray[np.int64], texts: list[str], vectors: Vectors, y: npt.NDArray[np.int64],
                        parts: list[list[int]], seg_texts: list[str], seg_vectors: Vectors,
                        faq: int) -> tuple[list[str], Vectors, npt.NDArray[np.int64]]:
    """The examples at ``idx`` plus every sentence of their long ordinary (faq) messages, labelled
    faq: a sentence of a harmless story read alone is harmless too, and without them scoring long
    messages sentence by sentence doubled the false alarms in cross-validation."""
    extra = [j for i in idx if y[i] == faq for j in parts[i]]
    rows = [texts[i] for i in idx] + [seg_texts[j] for j in extra]
    matrix = np.vstack([vectors[idx], seg_vectors[extra]]) if extra else vectors[idx]
    labels = np.concatenate([y[idx], np.full(len(extra), faq, dtype=np.int64)])
    return rows, matrix, labels


def train(examples: list[Example], featurise: Featurise, policy: ThresholdPolicy,
          recipe: Recipe | None = None, progress: Callable[[str], None] | None = None,
          courtesy: Sequence[Example] = ()) -> MessageClassifier:
    """The message classifier of ``examples`` and ``courtesy`` (guardrails/training/courtesy/), with
    ``social`` read as faq, and its courtesy head, which learns ``social`` against faq."""
    from sklearn.model_selection import StratifiedKFold

    recipe = recipe or Recipe()
    say = progress or (lambda _: None)
    everyone = [*examples, *courtesy]
    examples = [replace(e, label="faq") if e.label == COURTESY else e for e in everyone]  # a courtesy is ordinary
    classes = LABELS
    texts = [e.text for e in examples]
    y = np.array([classes.index(e.label) for e in examples], dtype=np.int64)
    faq = classes.index("faq")
    say(f"embedding {len(texts)} examples")
    vectors = featurise(texts)
    parts: list[list[int]] = []
    seg_texts: list[str] = []
    for text in texts:
        pieces = segments(text)
        parts.append(list(range(len(seg_texts), len(seg_texts) + len(pieces))))
        seg_texts.extend(pieces)
    say(f"embedding {len(seg_texts)} sentences of long examples")
    seg_vectors = featurise(seg_texts) if seg_texts else np.zeros((0, vectors.shape[1]), dtype=np.float32)

    oof = np.zeros((len(texts), len(classes) + 1))
    folds = StratifiedKFold(n_splits=recipe.folds, shuffle=True, random_state=recipe.seed)
    for k, (fit_idx, held_idx) in enumerate(folds.split(texts, y), start=1):
        say(f"cross-validation fold {k}/{recipe.folds}")
        fold = fit_model(*_with_faq_sentences(fit_idx, texts, vectors, y, parts, seg_texts, seg_vectors, faq), recipe,
                    classes)
        fold.short_sentence_floor = policy.short_sentence_floor
        held_parts = []
        held_seg: list[int] = []
        for i in held_idx:
            held_parts.append(list(range(len(held_seg), len(held_seg) + len(parts[i]))))
            held_seg.extend(parts[i])
        oof[held_idx] = _aggregate(fold, [texts[i] for i in held_idx], vectors[held_idx], held_parts,
                                   [seg_texts[j] for j in held_seg], seg_vectors[held_seg])

    thresholds: dict[str, float] = {}
    metrics: dict[str, Any] = {"examples": len(texts), "sentences": len(seg_texts), "classes": {}}
    red_positive = np.isin(y, [classes.index(c) for c in RED_FLAGS])
    # Each red-flag class gets the threshold on the red-flag score that keeps its recall target;
    # the safety net's band starts where both reach grey_recall.
    # A threshold the policy pins is used as it is; cross-validation's choice is reported beside it.
    recall_chosen = {c: _threshold_for_recall(oof[:, -1], y == classes.index(c), policy.recall[c]) for c in RED_FLAGS}
    for c in RED_FLAGS:
        thresholds[c] = policy.threshold(c, recall_chosen[c])
    grey_chosen = min(min(thresholds[c] for c in RED_FLAGS),
                      *(_threshold_for_recall(oof[:, -1], y == classes.index(c), policy.grey_recall) for c in RED_FLAGS))
    grey = grey_chosen if policy.grey_from is None else policy.grey_from
    if grey >= min(thresholds[c] for c in RED_FLAGS):
        raise ConfigError(f"classifier.grey_from {grey:.3f} must lie under the red-flag thresholds {thresholds}")
    red_category = np.where(oof[:, classes.index("emergency")] >= oof[:, classes.index("self_harm")], "emergency",
                            "self_harm")
    red_fired = oof[:, -1] >= np.array([thresholds[c] for c in red_category])
    columns = {RED: (red_fired.astype(float), red_positive), **{c: (oof[:, i], y == i) for i, c in enumerate(classes)
                                                                 if c != "faq" and c not in RED_FLAGS}}
    for c, (scores, positive) in columns.items():
        if c == RED:
            metrics["classes"][c] = class_metrics(scores, positive, 0.5, y == faq, oof[:, -1])
            continue
        chosen = _threshold_for_precision(scores, positive, policy.precision)
        thresholds[c] = policy.threshold(c, chosen)
        metrics["classes"][c] = _checked(c, class_metrics(scores, positive, thresholds[c], y == faq, scores), chosen,
                                         policy, policy.precision)
    metrics["classes"][RED]["thresholds"] = {c: round(thresholds[c], 4) for c in RED_FLAGS}
    red = metrics["classes"][RED]
    red["cross_validated_thresholds"] = {c: round(recall_chosen[c], 4) for c in RED_FLAGS}
    red["pinned"] = [c for c in RED_FLAGS if c in dict(policy.pinned)]
    for c in RED_FLAGS:
        positive = y == classes.index(c)
        red[f"recall_{c}"] = round(float(red_fired[positive].mean()), 4)
    short = {c: red[f"recall_{c}"] for c in RED_FLAGS if red[f"recall_{c}"] < policy.recall[c] - policy.recall_slack}
    red["meets_target"] = not short
    if short:
        log.warning("red flags: at their pinned thresholds %s the cross-validated recall is %s, under the targets %s "
                    "by more than %.2f; cross-validation would choose %s (policy.yaml classifier.thresholds)",
                    red["thresholds"], short, policy.recall, policy.recall_slack, red["cross_validated_thresholds"])
    alarming = np.array(["alarming" in e.tags for e in examples]) & (y == faq)
    metrics["classes"][RED]["false_alarms_on_alarming_faq"] = f"{int(red_fired[alarming].sum())}/{int(alarming.sum())}"
    metrics["faq_examples"] = int((y == faq).sum())
    metrics["grey_from"] = round(grey, 4)
    metrics["cross_validated_grey_from"] = round(grey_chosen, 4)

    say("fitting the final model on every example")
    everything = np.arange(len(texts))
    model = fit_model(*_with_faq_sentences(everything, texts, vectors, y, parts, seg_texts, seg_vectors, faq), recipe,
                 classes)
    model.thresholds, model.grey, model.metrics = thresholds, float(grey), metrics
    model.short_sentence_floor = policy.short_sentence_floor
    model.courtesy_head, threshold, metrics["classes"][COURTESY] = train_courtesy(everyone, featurise, policy, recipe,
                                                                                  say)
    model.thresholds[COURTESY] = threshold
    model.corpus_hash = corpus_hash(everyone, f"{recipe}|{policy}")
    return model


def _checked(label: str, metrics: dict[str, Any], chosen: float, policy: ThresholdPolicy,
             target: float) -> dict[str, Any]:
    """``metrics`` with the threshold cross-validation would have chosen and, for a pinned threshold,
    whether it still keeps its precision target (within ``pinned_slack``); a warning when not."""
    metrics["cross_validated_threshold"] = round(chosen, 4)
    metrics["pinned"] = label in dict(policy.pinned)
    metrics["meets_target"] = bool(metrics["precision"] >= target - policy.pinned_slack)
    if not metrics["meets_target"]:
        log.warning("%s: the pinned threshold %.3f keeps a cross-validated precision of %.3f, under the target "
                    "%.2f; cross-validation would choose %.3f (policy.yaml classifier.thresholds)",
                    label, metrics["threshold"], metrics["precision"], target, chosen)
    return metrics


def train_courtesy(examples: Sequence[Example], featurise: Featurise, policy: ThresholdPolicy, recipe: Recipe,
                   say: Callable[[str], None]) -> tuple[MessageClassifier, float, dict[str, Any]]:
    """The courtesy head: courtesies (``social``) against ordinary messages (``faq``), the other
    labels left out (the message classifier decides those first); the threshold is the pinned one
    or the lowest that keeps ``courtesy_precision`` in seeded k-fold cross-validation. A text in two
    files counts once."""
    from sklearn.model_selection import StratifiedKFold

    unique = {dedup_key(e.text): e for e in reversed(examples) if e.label in ("faq", COURTESY)}  # the first kept
    rows = list(reversed(unique.values()))
    texts = [e.text for e in rows]
    y = np.array([e.label == COURTESY for e in rows], dtype=np.int64)
    classes = ("faq", COURTESY)
    say(f"courtesy head: {int(y.sum())} courtesies against {len(y) - int(y.sum())} ordinary messages")
    vectors = featurise(texts)
    oof = np.zeros(len(texts))
    for fit_idx, held_idx in StratifiedKFold(n_splits=recipe.folds, shuffle=True,
                                             random_state=recipe.seed).split(texts, y):
        fold = fit_model([texts[i] for i in fit_idx], vectors[fit_idx], y[fit_idx], recipe, classes)
        oof[held_idx] = fold.probabilities([texts[i] for i in held_idx], vectors[held_idx])[:, 1]
    positive = y == 1
    chosen = _threshold_for_precision(oof, positive, policy.courtesy_precision)
    threshold = policy.threshold(COURTESY, chosen)
    metrics = _checked(COURTESY, class_metrics(oof, positive, threshold, ~positive, oof), chosen, policy,
                       policy.courtesy_precision)
    head = fit_model(texts, vectors, y, recipe, classes)
    head.thresholds = {COURTESY: threshold}
    return head, threshold, metrics


class ClassifierStore:
    """The trained model for this corpus, policy and embedding recipe: loaded from the model cache
    when an artifact with the same corpus hash is there, trained (and saved) otherwise. Built on
    first use, once; ``faq train`` calls ``train(force=True)``.

    Training reads each example as a message is read at run time: normalised (typos fixed against
    English only, so the model does not depend on which articles are indexed) and embedded."""

    def __init__(self, policy: ThresholdPolicy, training_dir: Path, embedder: Embedder, normaliser: TextNormaliser,
                 cache_dir: Path, signature: str, recipe: Recipe | None = None) -> None:
        self.policy = policy
        self.training_dir = training_dir
        self.embedder = embedder
        self.normaliser = normaliser
        self.cache_dir = cache_dir
        self.signature = signature
        self.recipe = recipe or Recipe()
        self._model: MessageClassifier | None = None
        self._lock = threading.Lock()

    def corpus(self) -> list[Example]:
        return load_corpus(self.training_dir)

    def courtesy_corpus(self) -> list[Example]:
        """The courtesy head's own examples (courtesy/ in the training folder; optional)."""
        folder = self.training_dir / "courtesy"
        return load_corpus(folder) if folder.is_dir() else []

    def artifact(self, examples: list[Example]) -> Path:
        digest = corpus_hash(examples, f"{self.recipe}|{self.signature}|{self.policy}")
        return self.cache_dir / f"classifier-{digest}.joblib"

    def featurise(self, texts: Sequence[str]) -> Vectors:
        cache = EmbeddingCache(self.cache_dir, self.signature)
        return cache.encode(self.embedder, [self.normaliser.normalise(t).text for t in texts])

    def get(self) -> MessageClassifier:
        with self._lock:
            if self._model is None:
                self._model = self._load_or_train(force=False, progress=None)
            return self._model

    def train(self, force: bool = True, progress: Callable[[str], None] | None = None) -> MessageClassifier:
        with self._lock:
            self._model = self._load_or_train(force=force, progress=progress)
            return self._model

    def _load_or_train(self, force: bool, progress: Callable[[str], None] | None) -> MessageClassifier:
        examples, courtesy = self.corpus(), self.courtesy_corpus()
        path = self.artifact([*examples, *courtesy])
        if path.is_file() and not force:
            try:
                return MessageClassifier.load(path)
            except ConfigError:
                log.warning("the cached classifier %s is unreadable; training again", path)
        started = time.perf_counter()
        log.info("training the message classifier on %d examples (cached at %s)", len(examples), path)
        model = train(examples, self.featurise, self.policy, self.recipe, progress, courtesy)
        model.corpus_hash = path.stem.removeprefix("classifier-")
        model.metrics["train_seconds"] = round(time.perf_counter() - started, 1)
        model.save(path)
        return model
