from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.rewrite import in_context, readings, topic_of
from assistant.sessions import SessionStore, TurnRecord


@pytest.mark.parametrize(("previous", "question", "expected"), [
    ("Tell me about the fibrin procedure", "how long does it take to work?",
     "how long does the fibrin procedure take to work?"),
    ("What is PRP?", "is it painful?", "is the PRP painful?"),
    ("Am I a candidate for the fibrin injection?", "what if I had surgery before?",
     "what if I had surgery before (candidate for the fibrin injection)?"),
    ("How does stem cell therapy work?", "what about recovery", "what about recovery (stem cell therapy work)"),
    ("Is the procedure done under general anaesthesia?", "is the needle big?",
     "is the needle big (procedure done under general anaesthesia)?"),
])
def test_a_question_read_in_its_context(previous: str, question: str, expected: str) -> None:
    assert in_context(question, previous) == expected


def test_a_question_is_read_as_typed_first_and_in_context_second() -> None:
    assert readings("What is an annular tear?", "Tell me about the fibrin procedure") == [
        "What is an annular tear?", "What is an annular tear (fibrin procedure)?"]


def test_without_history_there_is_one_reading() -> None:
    assert readings("is it painful?", None) == ["is it painful?"]


def test_context_does_not_pile_up_over_turns() -> None:
    # the previous turn's own reading was "does that hurt (annular tear treated)": its topic is "that hurt"
    assert in_context("and how long before i feel better", "does that hurt (annular tear treated)") == (
        "and how long before i feel better (that hurt)")


def test_topic_drops_question_words() -> None:
    assert topic_of("Can you tell me about the fibrin procedure?") == "fibrin procedure"
    assert topic_of("Is the procedure painful?") == "procedure"  # what a yes/no question says is not its topic
    assert topic_of("Is fibrin injection safe and effective?") == "fibrin injection"
    assert in_context("how long does it take to work?", "Is the procedure painful?") == (
        "how long does the procedure take to work?")


def test_sessions_are_bounded_by_turns_and_idle_time(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite3", max_turns=3, idle_seconds=60, redact=str.strip)
    now = time.time()
    for i in range(5):
        store.append("s1", TurnRecord(f"t{i}", now + i, f"q{i}", f"q{i}", "answer", "faq"))
    assert [t.turn_id for t in store.history("s1", now=now + 10)] == ["t2", "t3", "t4"]
    assert store.history("s1", now=now + 4 + 61) == []
    assert store.history("other", now=now) == []
    again = SessionStore(tmp_path / "s.sqlite3", max_turns=3, idle_seconds=60, redact=str.strip)  # another process
    assert len(again.history("s1", now=now + 10)) == 3
