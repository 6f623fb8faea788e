from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.rewrite import is_follow_up, standalone, topic_of
from assistant.sessions import SessionStore, TurnRecord


@pytest.mark.parametrize(("previous", "question", "expected"), [
    ("Tell me about the fibrin procedure", "how long does it take to work?",
     "how long does the fibrin procedure take to work?"),
    ("What is PRP?", "is it painful?", "is the PRP painful?"),
    ("Am I a candidate for the fibrin injection?", "what if I had surgery before?",
     "what if I had surgery before (candidate for the fibrin injection)?"),
    ("How does stem cell therapy work?", "what about recovery", "what about recovery (stem cell therapy work)"),
])
def test_follow_ups_become_standalone_queries(previous: str, question: str, expected: str) -> None:
    assert standalone(question, previous) == expected


@pytest.mark.parametrize("question", [
    "What is an annular tear?",
    "How does intra-annular fibrin injection compare with PRP for annular tears?",
])
def test_self_contained_questions_are_left_alone(question: str) -> None:
    assert not is_follow_up(question)
    assert standalone(question, "Tell me about the fibrin procedure") == question


def test_without_history_nothing_is_rewritten() -> None:
    assert standalone("is it painful?", None) == "is it painful?"


def test_topic_drops_question_words() -> None:
    assert topic_of("Can you tell me about the fibrin procedure?") == "fibrin procedure"
    assert topic_of("Is the procedure painful?") == "procedure"  # what a yes/no question says is not its topic
    assert topic_of("Is fibrin injection safe and effective?") == "fibrin injection"
    assert standalone("how long does it take to work?", "Is the procedure painful?") == (
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
