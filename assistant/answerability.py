"""Answerability: do the articles answer this question? One named, calibrated component.

    judgement = answerability.judge(evidence_of(question_terms, result, draft, fact_missing))
    judgement.decision    # "answer" | "suggest" | "decline"
    judgement.probability # calibrated P(the articles answer it)

A logistic regression over features of the retrieval and the draft answer (below), trained by
`faq train` on labelled answerable and not-answerable questions for two knowledge bases (the
clinic's article and the MedQuAD spine corpus, assistant/training/), so that it is not fitted to
one document. Its coefficients and thresholds are written to assistant/answerability.yaml, which
is reviewed like code. Thresholds come from cross-validation: ``answer`` at the lowest
probability where at most ``max_false_answers`` of not-answerable questions would be answered;
``suggest`` (a "did you mean" reply) down to where ``suggest_recall`` of answerable questions are
above it; below that, "not in our materials".
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from core.errors import ConfigError
from knowledge.search import Passage, SearchResult

Decision = Literal["answer", "suggest", "decline"]
FEATURES = ("dense_top", "dense_margin", "sentence_top", "composer_top", "covered_top", "covered_index",
            "content_terms", "fact_missing")
TOP_PASSAGES = 3


@dataclass(frozen=True)
class Evidence:
    """What retrieval and composition found for one question, as numbers."""

    values: dict[str, float]

    def vector(self) -> list[float]:
        return [self.values[f] for f in FEATURES]


def evidence_of(terms: list[str], result: SearchResult, passages: list[Passage], composer_top: float,
                passage_terms: list[set[str]], fact_missing: bool) -> Evidence:
    """Features of one question. ``terms``: its content terms (stems); ``passage_terms``: each
    passage's terms (heading and text); ``composer_top``: the best sentence's composed score."""
    dense = sorted((p.dense for p in passages), reverse=True)
    top = passages[:TOP_PASSAGES]
    vector = result.query_vector
    sentence_top = max((float(np.max(p.sentence_vectors @ vector)) for p in top if len(p.sentence_vectors)),
                       default=0.0)
    asked = set(terms)
    in_top = set().union(*passage_terms[:TOP_PASSAGES]) if passage_terms else set()
    unknown = set(result.unknown)
    return Evidence({
        "dense_top": dense[0] if dense else 0.0,
        "dense_margin": dense[0] - dense[1] if len(dense) > 1 else (dense[0] if dense else 0.0),
        "sentence_top": sentence_top,
        "composer_top": composer_top,
        "covered_top": len(asked & in_top) / len(asked) if asked else 0.0,
        "covered_index": 1.0 - len(asked & unknown) / len(asked) if asked else 0.0,
        "content_terms": min(len(asked), 12) / 12,
        "fact_missing": 1.0 if fact_missing else 0.0,
    })


@dataclass(frozen=True)
class Judgement:
    probability: float
    decision: Decision
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"probability": round(self.probability, 4), "decision": self.decision,
                "features": {k: round(v, 4) for k, v in self.evidence.values.items()}}


@dataclass(frozen=True)
class AnswerabilityModel:
    """Standardised features -> logistic regression; thresholds from cross-validation."""

    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    answer_from: float
    suggest_from: float
    trained_on: str = ""  # hash of the training questions and the retrieval recipe
    metrics: dict[str, Any] = field(default_factory=dict)

    def probability(self, evidence: Evidence) -> float:
        z = self.intercept + sum(c * (x - m) / s for c, x, m, s in
                                 zip(self.coef, evidence.vector(), self.mean, self.scale, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def to_yaml(self) -> str:
        body = {"features": list(FEATURES), "mean": [round(x, 6) for x in self.mean],
                "scale": [round(x, 6) for x in self.scale], "coef": [round(x, 6) for x in self.coef],
                "intercept": round(self.intercept, 6), "answer_from": round(self.answer_from, 4),
                "suggest_from": round(self.suggest_from, 4), "trained_on": self.trained_on, "metrics": self.metrics}
        head = ("# Written by `faq train --answerability` (assistant/answerability.py); review changes like code.\n"
                "# P(answerable) = logistic(intercept + sum(coef * (feature - mean) / scale)).\n")
        return head + yaml.safe_dump(body, sort_keys=False, width=110)

    @classmethod
    def untrained(cls) -> AnswerabilityModel:
        """Declines everything: what runs (with a warning) until `faq train --answerability` has
        written the model file."""
        n = len(FEATURES)
        return cls(mean=[0.0] * n, scale=[1.0] * n, coef=[0.0] * n, intercept=-40.0, answer_from=0.5,
                   suggest_from=0.5, trained_on="untrained")

    @classmethod
    def load(cls, path: Path) -> AnswerabilityModel:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read the answerability model {path}: {exc}") from None
        if not isinstance(raw, dict) or raw.get("features") != list(FEATURES):
            raise ConfigError(f"{path} was trained on other features; run `faq train --answerability`")
        try:
            return cls(mean=[float(x) for x in raw["mean"]], scale=[float(x) for x in raw["scale"]],
                       coef=[float(x) for x in raw["coef"]], intercept=float(raw["intercept"]),
                       answer_from=float(raw["answer_from"]), suggest_from=float(raw["suggest_from"]),
                       trained_on=str(raw.get("trained_on", "")), metrics=dict(raw.get("metrics") or {}))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{path} is not a valid answerability model: {exc}") from None


class Answerability:
    def __init__(self, model: AnswerabilityModel) -> None:
        self.model = model

    def judge(self, evidence: Evidence) -> Judgement:
        p = self.model.probability(evidence)
        if evidence.values["fact_missing"] >= 1.0:
            decision: Decision = "decline"  # a price, hours, a success rate... that no passage states
        elif p >= self.model.answer_from:
            decision = "answer"
        elif p >= self.model.suggest_from:
            decision = "suggest"
        else:
            decision = "decline"
        return Judgement(p, decision, evidence)


# --- training ------------------------------------------------------------------------------------
def fit(rows: list[tuple[Evidence, bool]], max_false_answers: float, suggest_recall: float,
        folds: int = 5, seed: int = 0, trained_on: str = "") -> AnswerabilityModel:
    """Fit on (evidence, answerable) rows; thresholds from out-of-fold probabilities."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    x = np.array([e.vector() for e, _ in rows], dtype=np.float64)
    y = np.array([bool(a) for _, a in rows])
    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    z = (x - mean) / scale
    oof = np.zeros(len(y))
    for fit_idx, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(z, y):
        model = LogisticRegression(C=1.0, max_iter=2000).fit(z[fit_idx], y[fit_idx])
        oof[held] = model.predict_proba(z[held])[:, 1]
    final = LogisticRegression(C=1.0, max_iter=2000).fit(z, y)
    negatives = np.sort(oof[~y])[::-1]
    allowed = math.floor(max_false_answers * len(negatives))
    answer_from = float(negatives[allowed]) + 1e-6 if allowed < len(negatives) else 0.5
    positives = np.sort(oof[y])
    suggest_from = min(answer_from, float(positives[math.floor((1 - suggest_recall) * len(positives))]))
    answered = oof >= answer_from
    suggested = (oof >= suggest_from) & ~answered
    metrics = {
        "questions": len(y), "answerable": int(y.sum()),
        "cross_validated": {
            "answerable_answered": round(float(answered[y].mean()), 4),
            "answerable_suggested": round(float(suggested[y].mean()), 4),
            "not_answerable_answered": round(float(answered[~y].mean()), 4),
            "not_answerable_suggested": round(float(suggested[~y].mean()), 4)},
    }
    return AnswerabilityModel(mean=mean.tolist(), scale=scale.tolist(), coef=final.coef_[0].tolist(),
                              intercept=float(final.intercept_[0]), answer_from=answer_from,
                              suggest_from=suggest_from, trained_on=trained_on, metrics=metrics)


def training_hash(lines: list[str], recipe: str) -> str:
    digest = hashlib.sha256(recipe.encode())
    for line in lines:
        digest.update(line.encode() + b"\x1e")
    return digest.hexdigest()[:16]
