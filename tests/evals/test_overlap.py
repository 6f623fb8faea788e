"""Evaluation cases never train a model (evals/overlap.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.wiring import Services
from evals import overlap


@pytest.fixture(scope="module")
def services(make_module_services: Callable[..., Services]) -> Services:
    return make_module_services()


def test_no_training_text_is_an_evaluation_case_or_a_rewording_of_one(services: Services) -> None:
    found = overlap.breaches(services.classifier.featurise)
    assert not found, "\n".join(f"{b.similarity:.3f} {b.training.where} ~ {b.case.where}" for b in found[:20])


def test_the_check_finds_a_planted_copy_and_a_rewording(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = overlap.evaluation_texts()
    case = next(c for c in cases if len(c.text.split()) >= 6)
    planted = [overlap.Text(case.text.upper() + " !", "planted:1"),
               overlap.Text(case.text.replace(" the ", " this ", 1) + " please", "planted:2")]
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
    monkeypatch.setattr(overlap, "training_texts", lambda pii=False: planted if pii else [])
    found = overlap.breaches(services.classifier.featurise)
    assert [b.training.where for b in found] == ["planted:pii"]
