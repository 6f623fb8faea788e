"""Labelled example questions as neighbours (assistant/examples.py): the vote of the nearest
examples on which sentence answers a question, and which examples count for answerability."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer import check_input
from assistant.compose import Unit
from assistant.examples import Examples, key
from assistant.settings import PACKAGE_ROOT
from assistant.trace import Trace
from assistant.wiring import Services


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_the_nearest_examples_vote_for_the_sentences_that_answer_them() -> None:
    matrix = np.vstack([unit(1, 0, 0), unit(0.9, 0.1, 0), unit(0, 1, 0), unit(0, 0, 1)])
    examples = Examples(["q0", "q1", "q2", "q3"], [True, True, True, False], matrix, {},
                        [True] * 4, [[key("A.")], [key("A."), key("B.")], [key("C.")], []])
    sims = examples.similarities(unit(1, 0.05, 0))
    votes = examples.votes(sims, k=3)
    assert max(votes, key=lambda s: votes[s]) == "A." and votes["A."] > votes["B."] > votes.get("C.", 0.0)
    assert sum(votes.values()) <= 2.0 and all(0 < v <= 1 for v in votes.values())
    # a rewording of the question itself (cut to -1 at training time) has no say
    cut = examples.similarities(unit(1, 0, 0), below=0.999)
    assert examples.votes(cut, k=1) == {"A.": 1.0, "B.": 1.0}  # q1, the nearest left, answered by both
    assert examples.votes(np.zeros(0, dtype=np.float32)) == {}


def test_judged_questions_name_sentences_but_only_labelled_examples_count_as_nearest(
        clinic_services: Services) -> None:
    examples = Examples.load(PACKAGE_ROOT / "assistant" / "training", "clinic", clinic_services.embedder.encode)
    judged_only = [i for i, c in enumerate(examples.counted) if not c]
    assert len(judged_only) > 300 and all(examples.answers_of[i] for i in judged_only)
    question = examples.questions[judged_only[0]]
    sims = examples.similarities(clinic_services.embedder.encode([question])[0])
    # its own text is the nearest example and votes for its judged sentences...
    assert set(examples.answers_of[judged_only[0]]) <= set(examples.votes(sims))
    # ...but it is not an answerability example: the nearest answerable one is another question
    assert examples.nearest(sims)[0] < 0.999


def test_the_vote_moves_the_sentence_choice_but_not_what_answerability_reads(
        clinic_services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    # the vote splits its weight among a section's answering sentences; answerability reads the likeliest
    # sentence's probability with the vote held neutral (compose.Unit.unvoted), so no vote changes it
    svc = clinic_services
    message = svc.guardrails.read(check_input("How long does recovery take?", svc.policy, 10_000))
    found = svc.assistant.find(message, message.text, Trace())

    def by_unit(units: list[Unit]) -> dict[tuple[int, tuple[int, ...]], Unit]:
        return {(u.passage, tuple(u.indices)): u for u in units}

    voted = by_unit(svc.composer.units(found.asked, found.passages))
    assert any(u.features[-1] > 0 for u in voted.values())  # the nearest examples do vote here
    monkeypatch.setattr(Examples, "votes", lambda self, sims, k=10: {})
    silent = by_unit(svc.composer.units(found.asked, found.passages))
    assert voted.keys() == silent.keys()
    assert any(abs(voted[k].score - silent[k].score) > 1e-6 for k in voted)
    assert all(abs(voted[k].unvoted - silent[k].unvoted) < 1e-9 for k in voted)
    assert found.draft.unvoted_best == max(u.unvoted for u in voted.values())
