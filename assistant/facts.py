"""Which clinic fact a question asks for (a price, opening hours, a success rate, how many of these
the clinic has done...): a learned model, so that a new wording needs a training line, not a new
alternative in a regular expression.

Such facts live in the clinic's configuration or at its front desk, not in its articles: an
extractive answer to one would quote an unrelated sentence ("how many of these have you done?" -> a
sentence about the procedure). The model's probability that the question asks for such a fact,
counted when no retrieved passage states one of its likeliest kind (policy.yaml `required_facts`:
each kind's `evidence` pattern says what a passage stating it looks like), is a feature of
answerability (`fact_asked`, assistant/answerability.py), which weighs it against everything else it
reads: "home same day?" reads a little like opening hours, and the article answers it. Each kind's
`question` pattern in policy.yaml stays a small readable backstop that declines outright.

The model: a multinomial logistic regression (scikit-learn to fit, numpy to score) over the
question's sentence embedding, the vector retrieval already computed, so it costs no embedding call
and a few microseconds. `faq train --answerability` fits it on assistant/training/fact_kinds/*.jsonl
(questions labelled with a kind, or "none" for any other question, near misses included) plus the
judged questions a sentence answers as "none" (never the answerability questions: assistant/train.py
`fact_kind_questions`), and writes assistant/fact_kinds.json with its cross-validated figures.

    kinds = FactKinds.load(path)
    kinds.asked(vector)          # ("cost", 0.93): the likeliest kind, P(asks for any clinic fact)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from core.errors import ConfigError

NONE = "none"
VERSION = 1


class StaleFactKinds(ConfigError):
    """The fact-kind model is missing or was trained for another embedding."""


@dataclass(frozen=True)
class FactKinds:
    kinds: tuple[str, ...]  # NONE among them
    coef: npt.NDArray[np.float64]  # (kinds, dimensions)
    intercept: npt.NDArray[np.float64]
    trained_on: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, vector: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        z = self.coef @ np.asarray(vector, dtype=np.float64) + self.intercept
        z -= z.max()
        e = np.exp(z)
        out: npt.NDArray[np.float64] = e / e.sum()
        return out

    def asked(self, vector: npt.NDArray[np.float32]) -> tuple[str, float] | None:
        """The likeliest kind of clinic fact and the probability that the question asks for one (of
        any kind: "is the first consultation free" splits between cost and insurance); None untrained."""
        if not len(self.kinds):
            return None
        if len(vector) != self.coef.shape[1]:
            raise StaleFactKinds(f"the fact-kind model reads {self.coef.shape[1]} dimensions, the embedding has "
                                 f"{len(vector)}: run `faq train --answerability`")
        p = self.probabilities(vector)
        none = self.kinds.index(NONE)
        best = max((i for i in range(len(self.kinds)) if i != none), key=lambda i: p[i])
        return self.kinds[best], float(1.0 - p[none])

    @classmethod
    def untrained(cls) -> FactKinds:
        """Asks for nothing: only the policy's question patterns name a kind."""
        return cls((), np.zeros((0, 0)), np.zeros(0), "untrained")

    def save(self, path: Path, writer: str) -> None:
        body = {"version": VERSION, "written_by": writer, "kinds": list(self.kinds),
                "trained_on": self.trained_on, "metrics": self.metrics,
                "intercept": [round(float(x), 6) for x in self.intercept],
                "coef": [[round(float(x), 6) for x in row] for row in self.coef]}
        path.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> FactKinds:
        if not path.is_file():
            raise StaleFactKinds(f"no fact-kind model at {path}")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            kinds = tuple(str(k) for k in raw["kinds"])
            coef = np.array(raw["coef"], dtype=np.float64)
            intercept = np.array(raw["intercept"], dtype=np.float64)
            model = cls(kinds, coef, intercept, str(raw.get("trained_on", "")),
                        dict(raw.get("metrics") or {}))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path} is not a valid fact-kind model: {exc}") from None
        if raw.get("version") != VERSION or coef.ndim != 2 or coef.shape[0] != len(kinds) \
                or intercept.shape != (len(kinds),) or NONE not in kinds:
            raise StaleFactKinds(f"{path} was written in another format")
        return model


def fit(vectors: npt.NDArray[np.float32], labels: Sequence[str], *, c: float = 4.0, folds: int = 5, seed: int = 0,
        trained_on: str = "") -> FactKinds:
    """Fit on (question vector, kind) rows; cross-validated figures in ``metrics``: at the probability
    that gives 1% (2%, 5%) of the "none" questions a kind, the share of kind questions given one."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    y = np.array(list(labels))
    kinds = tuple(sorted(set(y)))
    if NONE not in kinds or len(kinds) < 2:
        raise ConfigError(f"fact-kind training needs '{NONE}' questions and at least one kind; has {list(kinds)}")
    x = np.asarray(vectors, dtype=np.float64)
    oof = np.zeros((len(y), len(kinds)))
    for fit_idx, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        model = LogisticRegression(C=c, max_iter=5000).fit(x[fit_idx], y[fit_idx])
        oof[held] = model.predict_proba(x[held])
    none = kinds.index(NONE)
    others = [i for i in range(len(kinds)) if i != none]
    best = np.array(others)[np.argmax(oof[:, others], axis=1)]
    score = 1.0 - oof[:, none]
    is_none = y == NONE
    at: dict[str, Any] = {}
    for share in (0.01, 0.02, 0.05):
        cut = float(np.quantile(score[is_none], 1.0 - share))
        named = score > cut
        at[f"{share:.0%} of none"] = {
            "probability": round(cut, 4), "kind_questions_found": round(float(named[~is_none].mean()), 4),
            "right_kind": round(float((named & (np.array(kinds)[best] == y))[~is_none].mean()), 4)}
    metrics: dict[str, Any] = {"questions": len(y), "none": int(is_none.sum()), "cross_validated": at}
    final = LogisticRegression(C=c, max_iter=5000).fit(x, y)
    coef, intercept = final.coef_, final.intercept_
    if len(kinds) == 2:  # scikit-learn keeps one row for two classes: their softmax is its sigmoid
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.array([0.0, intercept[0]])
    order = [list(final.classes_).index(k) for k in kinds]
    return FactKinds(kinds, coef[order], intercept[order], trained_on, metrics)
