"""Conversations, kept in SQLite under the data directory so that any process (a CLI call,
another API worker) can continue a session. Bounded by turns and by idle time."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
"""


@dataclass(frozen=True)
class TurnRecord:
    turn_id: str
    created: float
    question: str
    standalone: str
    action: str
    category: str


class SessionStore:
    def __init__(self, path: Path, max_turns: int = 12, idle_seconds: float = 1800) -> None:
        self.path = path
        self.max_turns = max_turns
        self.idle_seconds = idle_seconds
        self._local = threading.local()
        self._ready = False

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across app crashes, cheap per turn
            conn.execute("PRAGMA busy_timeout=10000")
            if not self._ready:
                conn.executescript(SCHEMA)
                self._ready = True
            self._local.conn = conn
        with conn:
            yield conn

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
            db.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (session_id, turn.turn_id, turn.created, turn.question, turn.standalone,
                        turn.action, turn.category))
