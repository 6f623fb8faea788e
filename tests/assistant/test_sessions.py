"""The session store on both databases it supports, through the same code: SQLite (the default)
and a real Postgres, each migrated by Alembic on first use."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.sessions import SessionStore, TurnRecord
from benchmarks.shared_servers import postgres
from core.errors import ConfigError


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sessions.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    sessions = SessionStore(url, max_turns=3, idle_seconds=60, redact=lambda text: text.replace("Maria", "[NAME]"))
    yield sessions
    sessions.purge(0, now=time.time() + 10)  # the Postgres database is shared by the module's tests
    sessions.close()


def turn(n: int, created: float, question: str = "q") -> TurnRecord:
    return TurnRecord(turn_id=f"t{n}-{created}", created=created, question=question, standalone=question,
                      action="answer", category="clinic", answer=f"a{n}")


def test_history_is_the_last_turns_oldest_first_until_the_session_goes_idle(store: SessionStore) -> None:
    now = time.time()
    for n in range(5):
        store.append("s1", turn(n, now + n))
    store.append("s2", turn(9, now))
    history = store.history("s1", now=now + 5)
    assert [t.turn_id for t in history] == [f"t{n}-{now + n}" for n in (2, 3, 4)]
    assert store.history("s1", now=now + 4 + 61) == []
    assert [t.turn_id for t in store.history("s2", now=now)] == [f"t9-{now}"]


def test_text_is_redacted_on_the_way_in_and_feedback_is_recorded(store: SessionStore) -> None:
    now = time.time()
    store.append("s3", turn(1, now, "I'm Maria, will it hurt?"))
    assert store.feedback(f"t1-{now}", "down", "Maria here, too vague")
    assert not store.feedback("no-such-turn", "up")
    row = next(r for r in store.transcripts(since=now - 1) if r["turn_id"] == f"t1-{now}")
    assert row["question"] == "I'm [NAME], will it hurt?" and row["feedback_comment"] == "[NAME] here, too vague"
    assert row["feedback"] == "down" and row["sources"] == [] and row["answer"] == "a1"


def test_a_stored_reply_is_redacted_piece_by_piece_with_nothing_lost(tmp_path: Path) -> None:
    # the reply is redacted per paragraph and per cited sentence (so the repeated pieces are
    # detected once); an identifier in any piece is still tagged and the rest is kept verbatim
    from guardrails.pii import PiiDetector

    store = SessionStore(f"sqlite:///{tmp_path / 's.sqlite3'}", redact=PiiDetector().redact)
    answer = ("Most patients go home the same day [1]. If you are unsure, write to m.okonkwo@example.org [1]. "
              "Soreness settles in days [2].\n\nBook a consultation.\n\nThis is not medical advice.")
    store.append("s", TurnRecord("t1", time.time(), "q", "q", "answer", "faq", answer=answer))
    stored = store.transcripts(include_evals=True)[0]["answer"]
    assert "okonkwo" not in stored and "[EMAIL]" in stored
    assert stored.startswith("Most patients go home the same day [1]. If you are unsure, write to [EMAIL]")
    assert stored.endswith("Soreness settles in days [2].\n\nBook a consultation.\n\nThis is not medical advice.")
    store.close()


def test_transcripts_filter_and_leave_out_evaluation_sessions(store: SessionStore) -> None:
    now = time.time()
    store.append("eval-run", turn(1, now))
    store.append("patient", TurnRecord("p1", now, "q", "q", "no_answer", "clinic"))
    store.append("patient", TurnRecord("p2", now + 1, "q", "q", "escalate", "emergency"))
    assert [r["turn_id"] for r in store.transcripts(since=now - 1)] == ["p2", "p1"]
    assert [r["turn_id"] for r in store.transcripts(since=now - 1, action="no_answer")] == ["p1"]
    assert len(store.transcripts(since=now - 1, include_evals=True)) == 3
    assert store.purge(1, now=now + 86400 + 0.5) == 2  # older than a day, counted from now + 0.5
    assert [r["turn_id"] for r in store.transcripts(since=0, include_evals=True)] == ["p2"]


def test_a_database_from_before_migrations_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # the table as the first release created it, with one turn
        db.execute("CREATE TABLE turns (session_id TEXT NOT NULL, turn_id TEXT NOT NULL PRIMARY KEY, "
                   "created REAL NOT NULL, question TEXT NOT NULL, standalone TEXT NOT NULL, action TEXT NOT NULL, "
                   "category TEXT NOT NULL)")
        db.execute("INSERT INTO turns VALUES ('s', 'old', ?, 'kept?', 'kept?', 'answer', 'clinic')", (time.time(),))
    store = SessionStore(path, redact=str)
    assert [t.question for t in store.history("s")] == ["kept?"]
    assert store.feedback("old", "up") and store.transcripts()[0]["feedback"] == "up"


def test_an_unreachable_or_malformed_database_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="not a database URL"):
        SessionStore("not a url", redact=str).history("s")
    with pytest.raises(ConfigError, match="cannot open the sessions database"):
        SessionStore("postgresql+psycopg://nobody@127.0.0.1:1/none", redact=str).history("s")
