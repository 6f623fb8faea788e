"""answerability.fit: the answer threshold is set by the not-answerable rows marked to calibrate it;
rows that only train (courtesies, off-topic requests) must not loosen it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.answerability import FEATURES, Evidence, fit
from assistant.linear import LinearModel, fit_logistic
from assistant.train import load_questions
from core.errors import ConfigError


def _rows(rng: np.random.Generator, n: int, centre: float, answerable: bool) -> list[tuple[Evidence, bool]]:
    rows = []
    for _ in range(n):
        values = {f: float(rng.normal(centre, 0.15)) for f in FEATURES}
        values.update(has_examples=1.0, fact_missing=0.0)
        rows.append((Evidence(values), answerable))
    return rows


def test_easy_negatives_that_do_not_calibrate_leave_the_false_answer_rate_alone() -> None:
    rng = np.random.default_rng(7)
    clinic = _rows(rng, 200, 0.6, True) + _rows(rng, 200, 0.45, False)  # overlapping: hard to tell apart
    chit_chat = _rows(rng, 600, -0.5, False)  # far from every answerable row
    hard = np.array([False] * 200 + [True] * 200 + [False] * 600)

    marked = fit(clinic + chit_chat, 0.10, 0.99, calibrate=[True] * 400 + [False] * 600)
    counted = fit(clinic + chit_chat, 0.10, 0.99)

    def hard_answered(model: LinearModel) -> float:
        probs = np.array([model.probability(e.vector()) for e, _ in clinic + chit_chat])
        return float((probs[hard] >= model.settings["answer_from"]).mean())

    assert marked.metrics["cross_validated"]["not_answerable_answered"] <= 0.10
    assert marked.metrics["not_calibrating"] == 600
    assert marked.metrics["cross_validated"]["not_calibrating_answered"] == 0.0
    # counted, the 600 easy rows buy 60 "allowed" false answers, spent on the hard clinic ones
    assert counted.settings["answer_from"] < marked.settings["answer_from"]
    assert hard_answered(counted) > 0.2 > hard_answered(marked)


def test_a_calibrate_flag_that_is_not_true_or_false_is_a_clear_error(tmp_path: Path) -> None:
    # "calibrate": "no" is a non-empty string, truthy: read as given, the row would set the threshold
    row = {"question": "hi", "kb": "clinic", "answerable": False, "calibrate": "no"}
    (tmp_path / "rows.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"rows.jsonl:1: calibrate must be true or false"):
        load_questions(tmp_path)
    (tmp_path / "rows.jsonl").write_text(json.dumps({**row, "calibrate": False}) + "\n", encoding="utf-8")
    assert load_questions(tmp_path)[0][0]["calibrate"] is False


def test_a_model_fitted_on_some_features_reads_rows_of_all_of_them() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 4))
    y = x[:, 0] + 0.5 * x[:, 2] + rng.normal(scale=0.5, size=400) > 0
    part, _ = fit_logistic(x, y, ("a", "b", "c", "d"), use=["a", "c"])
    alone, _ = fit_logistic(x[:, [0, 2]], y, ("a", "c"))
    assert part.features == ("a", "b", "c", "d") and part.coef[1] == part.coef[3] == 0.0
    assert np.allclose(part.probabilities(x), alone.probabilities(x[:, [0, 2]]))
    shifted = x.copy()
    shifted[:, [1, 3]] += 100.0  # the features it was not fitted on have no say
    assert np.allclose(part.probabilities(shifted), part.probabilities(x))
    with pytest.raises(ValueError, match="unknown features"):
        fit_logistic(x, y, ("a", "b", "c", "d"), use=["a", "e"])
