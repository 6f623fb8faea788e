"""Answerability: do the articles answer this question? One named, calibrated component.

    judgement = answerability.judge(evidence_of(...))
    judgement.decision    # "answer" | "suggest" | "decline"
    judgement.probability # calibrated P(the articles answer it)

A logistic regression (assistant/linear.py) over features of retrieval and of the draft answer
(below), trained by `faq train --answerability` on labelled answerable and not-answerable
questions for two knowledge bases (the clinic's article and the MedQuAD spine corpus,
assistant/training/), so that it is not fitted to one document. Its coefficients and thresholds
are in assistant/answerability.yaml, reviewed like code. Thresholds come from cross-validation:
``answer_from`` is the lowest probability at which at most ``max_false_answers`` of the
not-answerable questions would be answered; ``suggest_from`` (a "did you mean" reply) goes down
to where ``suggest_recall`` of answerable questions are above it; below that, "not in our
materials". The probability that the question asks for a clinic fact (a price, opening hours, a
success rate...) that no passage states is a feature (`fact_asked`, assistant/facts.py); a question
that policy.yaml's `required_facts` patterns read as asking for one is declined whatever the probability.

A knowledge base with no labelled example questions (a clinic's own articles: Settings.examples_kb
empty) is judged by a second model fitted on the same questions without the example features
(answerability_without_examples.yaml, with its own thresholds). Reading the absent examples as zeros
in the first model would put them far outside its training range, and the nearest-example features
carry most of its weight: it answered nearly everything.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from assistant.linear import LinearModel, fit_logistic
from knowledge.search import Passage, SearchResult

Decision = Literal["answer", "suggest", "decline"]
DECISION_RANK: dict[str, int] = {"decline": 0, "suggest": 1, "answer": 2}  # how far each goes toward answering
FEATURES = ("dense_top", "dense_margin", "sentence_top", "relevance_top", "covered_top", "covered_index",
            "content_terms", "question_match", "has_questions", "example_answerable", "example_unanswerable",
            "has_examples", "fact_missing", "fact_asked")
EXAMPLE_FEATURES = ("example_answerable", "example_unanswerable", "has_examples")
TOP_PASSAGES = 3


@dataclass(frozen=True)
class Evidence:
    """What retrieval and composition found for one question, as numbers."""

    values: dict[str, float]

    def vector(self) -> list[float]:
        return [self.values[f] for f in FEATURES]


def evidence_of(terms: list[str], result: SearchResult, passages: list[Passage], relevance_top: float,
                passage_terms: list[set[str]], fact_missing: bool, examples: tuple[float, float, bool],
                fact_asked: float = 0.0) -> Evidence:
    """Features of one question. ``terms``: its content terms (stems); ``passage_terms``: each
    passage's terms (heading and text); ``relevance_top``: the likeliest sentence's probability
    of answering it (the composer's relevance model) without the nearest examples' vote
    (compose.Draft.unvoted_best); ``examples``: the closest answerable and
    not-answerable labelled example questions, and whether there are any (assistant/examples.py);
    ``fact_asked``: the probability that it asks for a clinic fact no passage states (assistant/facts.py)."""
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
        "relevance_top": relevance_top,
        "covered_top": len(asked & in_top) / len(asked) if asked else 0.0,
        "covered_index": 1.0 - len(asked & unknown) / len(asked) if asked else 0.0,
        "content_terms": min(len(asked), 12) / 12,
        "question_match": result.question_match,
        "has_questions": 1.0 if result.has_questions else 0.0,
        "example_answerable": examples[0],
        "example_unanswerable": examples[1],
        "has_examples": 1.0 if examples[2] else 0.0,
        "fact_missing": 1.0 if fact_missing else 0.0,
        "fact_asked": fact_asked,
    })


@dataclass(frozen=True)
class Judgement:
    probability: float
    decision: Decision
    evidence: Evidence
    answer_from: float  # the threshold the deciding model answers from

    def to_dict(self) -> dict[str, Any]:
        return {"probability": round(self.probability, 4), "decision": self.decision,
                "answer_from": round(self.answer_from, 4),
                "features": {k: round(v, 4) for k, v in self.evidence.values.items()}}


class Answerability:
    def __init__(self, model: LinearModel, without_examples: LinearModel) -> None:
        self.model = model  # reads the nearest labelled example questions
        self.without_examples = without_examples  # for a knowledge base with no labelled examples

    @property
    def answer_from(self) -> float:
        return self.model.settings["answer_from"]

    @property
    def suggest_from(self) -> float:
        return self.model.settings["suggest_from"]

    def judge(self, evidence: Evidence) -> Judgement:
        model = self.model if evidence.values["has_examples"] >= 1.0 else self.without_examples
        p = model.probability(evidence.vector())
        answer_from, suggest_from = model.settings["answer_from"], model.settings["suggest_from"]
        if evidence.values["fact_missing"] >= 1.0:
            decision: Decision = "decline"  # a price, hours, a success rate... that no passage states
        elif p >= answer_from:
            decision = "answer"
        elif p >= suggest_from:
            decision = "suggest"
        else:
            decision = "decline"
        return Judgement(p, decision, evidence, answer_from)


def fit(rows: list[tuple[Evidence, bool]], max_false_answers: float, suggest_recall: float,
        trained_on: str = "", calibrate: Sequence[bool] | None = None, use: Sequence[str] | None = None) -> LinearModel:
    """Fit on (evidence, answerable) rows; thresholds from out-of-fold probabilities of the rows marked
    ``calibrate`` (default all). Rows not marked still train the model: messages that are no clinic
    question at all (courtesies, off-topic requests) are easy to decline, and counted they would lower
    the threshold and let more of the hard not-answerable clinic questions through. ``use``: fit on
    these features only (the model without examples)."""
    x = np.array([e.vector() for e, _ in rows], dtype=np.float64)
    y = np.array([bool(a) for _, a in rows])
    counted = np.ones(len(rows), dtype=bool) if calibrate is None else np.array(calibrate, dtype=bool)
    vetoed = x[:, FEATURES.index("fact_missing")] >= 1.0  # declined whatever the probability
    model, oof = fit_logistic(x, y, FEATURES, use=use)
    # At most max_false_answers of ALL not-answerable questions may be answered; those the required-
    # fact check declines anyway do not count against the threshold.
    negatives = np.sort(oof[~y & ~vetoed & counted])[::-1]
    allowed = math.floor(max_false_answers * int((~y & counted).sum()))
    answer_from = float(negatives[allowed]) + 1e-6 if allowed < len(negatives) else 0.5
    positives = np.sort(oof[y])
    suggest_from = min(answer_from, float(positives[math.floor((1 - suggest_recall) * len(positives))]))
    answered = (oof >= answer_from) & ~vetoed
    suggested = (oof >= suggest_from) & ~answered & ~vetoed
    metrics: dict[str, Any] = {
        "questions": len(y), "answerable": int(y.sum()),
        "cross_validated": {
            "answerable_answered": round(float(answered[y].mean()), 4),
            "answerable_suggested": round(float(suggested[y].mean()), 4),
            "not_answerable_answered": round(float(answered[~y & counted].mean()), 4),
            "not_answerable_suggested": round(float(suggested[~y & counted].mean()), 4)},
    }
    if not counted.all():
        metrics["cross_validated"]["not_calibrating_answered"] = round(float(answered[~y & ~counted].mean()), 4)
        metrics["not_calibrating"] = int((~counted).sum())
    return LinearModel(model.features, model.mean, model.scale, model.coef, model.intercept,
                       {"answer_from": answer_from, "suggest_from": suggest_from}, trained_on, metrics)


def training_hash(lines: list[str], recipe: str) -> str:
    digest = hashlib.sha256(recipe.encode())
    for line in lines:
        digest.update(line.encode() + b"\x1e")
    return digest.hexdigest()[:16]
