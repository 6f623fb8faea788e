"""Which clinic fact a question asks for (assistant/facts.py): the learned model, its file, its
training data, and what answerability does with it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.facts import NONE, FactKinds, StaleFactKinds, fit
from assistant.train import fact_kind_questions, load_questions
from assistant.wiring import Services
from core.errors import ConfigError
from knowledge.embeddings import Embedder


def _clusters(rng: np.random.Generator, n: int, kinds: list[str]) -> tuple[np.ndarray, list[str]]:
    centres = {k: rng.normal(size=16) for k in kinds}
    rows = [(centres[k] + rng.normal(scale=0.3, size=16), k) for k in kinds for _ in range(n)]
    x = np.array([r for r, _ in rows])
    return x / np.linalg.norm(x, axis=1, keepdims=True), [k for _, k in rows]


def test_fit_learns_the_kinds_and_reports_cross_validated_figures() -> None:
    rng = np.random.default_rng(5)
    x, y = _clusters(rng, 60, [NONE, "cost", "hours"])
    model = fit(x, y)
    assert set(model.kinds) == {NONE, "cost", "hours"}
    cost_row = x[y.index("cost")]
    kind, asked = model.asked(cost_row)
    assert kind == "cost" and asked > 0.9
    _, asked_none = model.asked(x[y.index(NONE)])
    assert asked_none < 0.1
    figures = model.metrics["cross_validated"]["2% of none"]
    assert figures["kind_questions_found"] > 0.9


def test_two_classes_score_like_the_sigmoid_they_were_fitted_as() -> None:
    rng = np.random.default_rng(6)
    x, y = _clusters(rng, 50, [NONE, "cost"])
    model = fit(x, y)
    from sklearn.linear_model import LogisticRegression
    reference = LogisticRegression(C=4.0, max_iter=5000).fit(x, np.array(y))
    expected = reference.predict_proba(x[:5])[:, list(reference.classes_).index("cost")]
    got = [model.asked(row)[1] for row in x[:5]]  # type: ignore[index]
    assert got == pytest.approx(expected.tolist(), abs=1e-6)


def test_training_without_none_questions_is_a_clear_error() -> None:
    rng = np.random.default_rng(1)
    x, y = _clusters(rng, 10, ["cost", "hours"])
    with pytest.raises(ConfigError, match="needs 'none' questions"):
        fit(x, y)


def test_the_file_round_trips_and_bad_files_are_clear_errors(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    x, y = _clusters(rng, 30, [NONE, "cost", "hours"])
    model = fit(x, y, trained_on="abc")
    path = tmp_path / "fact_kinds.json"
    model.save(path, "a test")
    again = FactKinds.load(path)
    assert again.kinds == model.kinds and again.trained_on == "abc"
    assert again.asked(x[0])[1] == pytest.approx(model.asked(x[0])[1], abs=1e-5)  # type: ignore[index]
    with pytest.raises(StaleFactKinds, match="reads 16 dimensions"):
        again.asked(np.zeros(384, dtype=np.float32))

    with pytest.raises(StaleFactKinds, match="no fact-kind model"):
        FactKinds.load(tmp_path / "missing.json")
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a valid fact-kind model"):
        FactKinds.load(path)
    path.write_text(json.dumps({"version": 1, "kinds": ["cost"], "coef": [[0.0]], "intercept": [0.0]}), encoding="utf-8")
    with pytest.raises(StaleFactKinds, match="another format"):  # no "none" kind
        FactKinds.load(path)
    assert FactKinds.untrained().asked(np.zeros(384, dtype=np.float32)) is None


def test_answerability_questions_never_train_the_fact_kinds(make_services: Callable[..., Services]) -> None:
    # answerability learns from the fact-kind probabilities of its own questions: they must be what
    # the model gives a question it never saw
    svc = make_services()
    texts, kinds = fact_kind_questions(svc)
    questions, _ = load_questions(svc.settings.answerability_training)
    own = {" ".join(t.lower().split()) for t in texts}
    assert not own & {" ".join(str(q["question"]).lower().split()) for q in questions}
    assert NONE in kinds and set(kinds) - {NONE} <= set(svc.policy.required_facts)


def test_the_shipped_model_reads_clinic_facts_in_wordings_no_pattern_lists(
        embedder: Embedder, make_services: Callable[..., Services]) -> None:
    svc = make_services()
    model = svc.fact_kinds
    assert model.trained_on not in ("", "untrained")

    def asked(text: str) -> tuple[str, float]:
        got = model.asked(embedder.encode([svc.normaliser.normalise(text).text])[0])
        assert got is not None
        return got

    # none of these is matched by policy.yaml's required_facts question patterns. (Weak, measured
    # 2026-12-02: "what's your doc called" reads as clinician_name at only 0.25; the README says so.)
    for text, kind in [("will my card be charged a deposit when I book", "cost"),
                       ("are you lot ever open over the christmas break", "hours"),
                       ("who would actually do my injection, a doctor or a nurse", "clinician_name")]:
        got_kind, p = asked(text)
        assert (got_kind, p > 0.5) == (kind, True), (text, got_kind, p)
    for text in ("what is fibrin made from", "why does a torn disc hurt so much", "is the needle big"):
        assert asked(text)[1] < 0.2, text


def test_a_clinic_fact_the_article_lacks_is_not_answered_and_the_trace_says_why(clinic_module: Services) -> None:
    reply = clinic_module.assistant.ask("will my card be charged a deposit when I book")
    assert reply.trace is not None
    judged = reply.trace["answerability"]
    assert judged["fact_kind"]["likeliest"] == "cost" and judged["features"]["fact_asked"] > 0.5
    assert reply.action != "answer"
    answered = clinic_module.assistant.ask("what is fibrin made from")
    assert answered.action == "answer"
    assert answered.trace is not None and answered.trace["answerability"]["features"]["fact_asked"] < 0.2


def test_a_fact_kind_line_without_its_kind_is_a_clear_error(make_services: Callable[..., Services],
                                                            tmp_path: Path) -> None:
    folder = tmp_path / "training"
    (folder / "fact_kinds").mkdir(parents=True)
    row = {"question": "what is fibrin", "kb": "clinic", "answerable": True}
    (folder / "answerability.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    (folder / "fact_kinds" / "mine.jsonl").write_text(json.dumps({"text": "price?", "kind": "cost"}) + "\n"
                                                      + json.dumps({"text": "opening hours?"}) + "\n", encoding="utf-8")
    svc = make_services(answerability_training=folder)
    with pytest.raises(ConfigError, match=r"mine.jsonl:2: needs text and kind"):
        fact_kind_questions(svc)
    (folder / "fact_kinds" / "mine.jsonl").write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"mine.jsonl:1: not a JSON object"):
        fact_kind_questions(svc)
