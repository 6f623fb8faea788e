"""A small logistic model kept as reviewable YAML: standardised features, coefficients, and whatever
thresholds and figures its trainer chose. Used by answerability and by sentence relevance.

    model = LinearModel.load(path, FEATURES)
    p = model.probability([0.4, 0.7, ...])      # features in FEATURES order
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from core.errors import ConfigError


class StaleModel(ConfigError):
    """The model file is missing or was trained on other features."""


@dataclass(frozen=True)
class LinearModel:
    features: tuple[str, ...]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    settings: dict[str, float] = field(default_factory=dict)  # thresholds chosen by the trainer
    trained_on: str = ""  # hash of the training data and recipe
    metrics: dict[str, Any] = field(default_factory=dict)

    def logit(self, values: Sequence[float]) -> float:
        return self.intercept + sum(c * (x - m) / s for c, x, m, s in
                                    zip(self.coef, values, self.mean, self.scale, strict=True))

    def probability(self, values: Sequence[float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, self.logit(values)))))

    def probabilities(self, matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if not len(matrix):
            return np.zeros(0)
        z = ((matrix - np.array(self.mean)) / np.array(self.scale)) @ np.array(self.coef) + self.intercept
        out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        return out

    @classmethod
    def constant(cls, features: Sequence[str], logit: float, settings: dict[str, float] | None = None) -> LinearModel:
        n = len(features)
        return cls(tuple(features), [0.0] * n, [1.0] * n, [0.0] * n, logit, dict(settings or {}), "untrained")

    def to_yaml(self, writer: str) -> str:
        body = {"features": list(self.features), "mean": [round(x, 6) for x in self.mean],
                "scale": [round(x, 6) for x in self.scale], "coef": [round(x, 6) for x in self.coef],
                "intercept": round(self.intercept, 6), "settings": {k: round(v, 6) for k, v in self.settings.items()},
                "trained_on": self.trained_on, "metrics": self.metrics}
        head = (f"# Written by {writer}; review changes like code.\n"
                "# probability = logistic(intercept + sum(coef * (feature - mean) / scale)).\n")
        return head + yaml.safe_dump(body, sort_keys=False, width=110)

    @classmethod
    def load(cls, path: Path, features: Sequence[str]) -> LinearModel:
        if not path.is_file():
            raise StaleModel(f"no model at {path}")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read the model {path}: {exc}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{path} is not a model file")
        if raw.get("features") != list(features):
            raise StaleModel(f"{path} was trained on other features")
        try:
            return cls(tuple(features), [float(x) for x in raw["mean"]], [float(x) for x in raw["scale"]],
                       [float(x) for x in raw["coef"]], float(raw["intercept"]),
                       {str(k): float(v) for k, v in (raw.get("settings") or {}).items()},
                       str(raw.get("trained_on", "")), dict(raw.get("metrics") or {}))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{path} is not a valid model: {exc}") from None


def without_examples(path: Path) -> Path:
    """Where the variant of the model at ``path`` that reads no labelled example questions is kept
    (relevance.yaml -> relevance_without_examples.yaml)."""
    return path.with_name(f"{path.stem}_without_examples{path.suffix}")


def fit_logistic(x: npt.NDArray[np.float64], y: npt.NDArray[np.bool_], features: Sequence[str], *, folds: int = 5,
                 seed: int = 0, c: float = 1.0, groups: npt.NDArray[np.int64] | None = None,
                 use: Sequence[str] | None = None) -> tuple[LinearModel, npt.NDArray[np.float64]]:
    """The model fitted on everything, and out-of-fold probabilities for choosing thresholds
    (folds by ``groups`` when given: rows of one question stay in one fold). ``use``: fit on these
    features only; the others keep coefficient 0, so the model still reads rows in ``features`` order."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    kept = np.array([f in use for f in features]) if use is not None else np.ones(len(features), dtype=bool)
    if use is not None and set(use) - set(features):
        raise ValueError(f"unknown features: {sorted(set(use) - set(features))}")
    mean = np.where(kept, x.mean(axis=0), 0.0)
    std = x.std(axis=0)
    scale = np.where(kept & (std > 1e-9), std, 1.0)
    z = ((x - mean) / scale)[:, kept]
    oof = np.zeros(len(y))
    splits = (GroupKFold(folds).split(z, y, groups) if groups is not None
              else StratifiedKFold(folds, shuffle=True, random_state=seed).split(z, y))
    for fit_idx, held in splits:
        model = LogisticRegression(C=c, max_iter=3000).fit(z[fit_idx], y[fit_idx])
        oof[held] = model.predict_proba(z[held])[:, 1]
    final = LogisticRegression(C=c, max_iter=3000).fit(z, y)
    coef = np.zeros(len(features))
    coef[kept] = final.coef_[0]
    return LinearModel(tuple(features), mean.tolist(), scale.tolist(), coef.tolist(), float(final.intercept_[0])), oof
