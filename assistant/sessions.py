"""Conversations and transcripts, kept in SQLite under the data directory so that any process
(a CLI call, another API worker) can continue a session. Bounded by turns and by idle time.
Every text is redacted on its way in (``redact``), whatever the caller did: a question, its
standalone rewrite, an answer, a feedback comment."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL,
    turn_id TEXT NOT NULL PRIMARY KEY,
    created REAL NOT NULL,
    question TEXT NOT NULL,
    standalone TEXT NOT NULL,
    action TEXT NOT NULL,
    category TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_session ON turns (session_id, created);
CREATE INDEX IF NOT EXISTS turns_by_time ON turns (created);
"""
EVAL_SESSION_PREFIX = "eval-"  # sessions opened by the evaluation runner
# Columns added after the first release; added to older databases on open.
EXTRA_COLUMNS = {
    "answer": "TEXT NOT NULL DEFAULT ''",
    "sources": "TEXT NOT NULL DEFAULT '[]'",
    "latency_ms": "REAL NOT NULL DEFAULT 0",
    "feedback": "TEXT",
    "feedback_comment": "TEXT",
    "suggestions": "TEXT NOT NULL DEFAULT '[]'",
}


@dataclass(frozen=True)
class TurnRecord:
    turn_id: str
    created: float
    question: str
    standalone: str
    action: str
    category: str
    answer: str = ""
    sources: list[dict[str, Any]] = field(default_factory=list)
    latency_ms: float = 0.0
    suggestions: list[dict[str, Any]] = field(default_factory=list)


class SessionStore:
    def __init__(self, path: Path, max_turns: int = 12, idle_seconds: float = 1800, *,
                 redact: Callable[[str], str]) -> None:
        self.path = path
        self.redact = redact
        self.max_turns = max_turns
        self.idle_seconds = idle_seconds
        self._local = threading.local()
        self._ready = False
        self._migrating = threading.Lock()

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across app crashes, cheap per turn
            conn.execute("PRAGMA busy_timeout=10000")
            with self._migrating:
                if not self._ready:
                    self._migrate(conn)
                    self._ready = True
            self._local.conn = conn
        with conn:
            yield conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        conn.executescript(SCHEMA)
        present = {row[1] for row in conn.execute("PRAGMA table_info(turns)")}
        for name, kind in EXTRA_COLUMNS.items():
            if name not in present:
                try:
                    conn.execute(f"ALTER TABLE turns ADD COLUMN {name} {kind}")
                except sqlite3.OperationalError as exc:  # another process added it first
                    if "duplicate column" not in str(exc):
                        raise

    def history(self, session_id: str, now: float | None = None) -> list[TurnRecord]:
        """The session's recent turns, oldest first; empty once the session has gone idle."""
        now = time.time() if now is None else now
        with self._db() as db:
            rows = db.execute(
                "SELECT turn_id, created, question, standalone, action, category FROM turns "
                "WHERE session_id = ? ORDER BY created DESC LIMIT ?", (session_id, self.max_turns),
            ).fetchall()
        turns = [TurnRecord(*row) for row in reversed(rows)]
        if turns and now - turns[-1].created > self.idle_seconds:
            return []
        return turns

    def append(self, session_id: str, turn: TurnRecord) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO turns (session_id, turn_id, created, question, standalone, action, category, answer, "
                "sources, latency_ms, suggestions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, turn.turn_id, turn.created, self.redact(turn.question), self.redact(turn.standalone),
                 turn.action, turn.category, self.redact(turn.answer), json.dumps(turn.sources), turn.latency_ms, json.dumps(turn.suggestions)),
            )

    def feedback(self, turn_id: str, rating: str, comment: str = "") -> bool:
        """Record up/down on a stored turn; False when there is no such turn."""
        with self._db() as db:
            cursor = db.execute("UPDATE turns SET feedback = ?, feedback_comment = ? WHERE turn_id = ?",
                                (rating, self.redact(comment) if comment else None, turn_id))
        return cursor.rowcount > 0

    def transcripts(self, *, since: float = 0.0, action: str | None = None, category: str | None = None,
                    feedback: str | None = None, limit: int = 200, include_evals: bool = False,
                    until: float | None = None) -> list[dict[str, Any]]:
        """Stored turns, newest first. Evaluation runs (sessions named ``eval-...``) are left out
        unless asked for, so staff see what patients asked."""
        clauses: list[str] = ["created >= ?"]
        params: list[Any] = [since]
        if until is not None:
            clauses.append("created < ?")
            params.append(until)
        if not include_evals:
            clauses.append("session_id NOT LIKE ?")
            params.append(EVAL_SESSION_PREFIX + "%")
        for column, value in (("action", action), ("category", category), ("feedback", feedback)):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        with self._db() as db:
            db.row_factory = sqlite3.Row
            try:
                rows = db.execute(f"SELECT * FROM turns WHERE {' AND '.join(clauses)} ORDER BY created DESC LIMIT ?",
                                  (*params, limit)).fetchall()
            finally:
                db.row_factory = None
        return [{**dict(row), "sources": json.loads(row["sources"] or "[]"),
                 "suggestions": json.loads(row["suggestions"] or "[]")} for row in rows]

    def purge(self, older_than_days: float, now: float | None = None) -> int:
        """Delete turns older than the retention period; returns how many were deleted."""
        cutoff = (time.time() if now is None else now) - older_than_days * 86400
        with self._db() as db:
            return db.execute("DELETE FROM turns WHERE created < ?", (cutoff,)).rowcount
