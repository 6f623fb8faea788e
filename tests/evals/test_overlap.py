"""Evaluation cases never train a model (evals/overlap.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from assistant.wiring import Services
from evals import overlap


@pytest.fixture(scope="module")
def services(make_module_services: Callable[..., Services]) -> Services:
    return make_module_services()


# The full check embeds every evaluation case and every training text the classifier does not
# cache (~3.5 min on an idle fresh clone, over 5 min on CI's loaded 2 cores since the evaluation
# sets passed 6,500 texts): it runs with the slow tests, which CI runs too, with its own timeout;
# the tests below check that it finds what it looks for (under a minute each).
@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_no_training_text_is_an_evaluation_case_or_a_rewording_of_one(services: Services) -> None:
    found = overlap.breaches(services.classifier.featurise)
    assert not found, "\n".join(f"{b.similarity:.3f} {b.training.where} ~ {b.case.where}" for b in found[:20])


def test_the_check_finds_a_planted_copy_and_a_rewording(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = overlap.evaluation_texts()
    case = next(c for c in cases if len(c.text.split()) >= 6)
    planted = [overlap.Text(case.text.upper() + " !", "planted:1"),
               overlap.Text(case.text.replace(" the ", " this ", 1) + " please", "planted:2")]
    # the case among 60 others, not all ~6,500 evaluation texts: embedding every one of them cost this
    # test 96 s of the default run; the slow test above checks the whole of both
    some = [case, *[c for c in cases if c is not case][:60]]
    monkeypatch.setattr(overlap, "evaluation_texts", lambda pii=False: [] if pii else some)
    monkeypatch.setattr(overlap, "training_texts", lambda pii=False: [] if pii else planted)
    found = overlap.breaches(services.classifier.featurise)
    assert {b.training.where for b in found} == {"planted:1", "planted:2"}
    assert max(b.similarity for b in found) == 1.0


def test_the_personal_data_sets_are_checked_against_the_detector_corpus(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    pii_cases = overlap.evaluation_texts(pii=True)
    assert pii_cases and all("pii" in c.where for c in pii_cases)
    assert not any("pii" in c.where for c in overlap.evaluation_texts())
    planted = [overlap.Text(pii_cases[0].text.lower(), "planted:pii")]
    # breaches() still asks evaluation_texts for each kind; only the first 60 of each are embedded (the
    # whole of them cost this test 91 s of the default run; the slow test above checks them all)
    every = overlap.evaluation_texts
    monkeypatch.setattr(overlap, "evaluation_texts", lambda pii=False: every(pii)[:60])
    monkeypatch.setattr(overlap, "training_texts", lambda pii=False: planted if pii else [])
    found = overlap.breaches(services.classifier.featurise)
    assert [b.training.where for b in found] == ["planted:pii"]


def test_the_judged_questions_are_checked_and_pruned_case_by_case(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # the sentence-relevance model learns from assistant/training/judged/*_questions.yaml: checked
    # like every other training text, and --prune removes a breaching case whole, keeping the rest
    assert any("/judged/clinic_questions.yaml#" in t.where for t in overlap.training_texts())
    judged = tmp_path / "assistant" / "training" / "judged"
    judged.mkdir(parents=True)
    path = judged / "clinic_questions.yaml"
    path.write_text('version: 1\ncases:\n- question: "a?"\n  direct: [1]\n  support: []\n'
                    '- question: "b?"\n  direct: [2, 3]\n  support: [4]\n- question: "c?"\n  direct: [5]\n',
                    encoding="utf-8")
    monkeypatch.setattr(overlap, "ROOT", tmp_path)
    planted = overlap.Text("b?", "assistant/training/judged/clinic_questions.yaml#1")
    assert overlap.prune([overlap.Breach(planted, overlap.Text("b?", "set/case"), 1.0)]) == 1
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [c["question"] for c in data["cases"]] == ["a?", "c?"] and data["cases"][1]["direct"] == [5]
