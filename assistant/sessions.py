"""Conversations and transcripts, kept in one SQL database so that any process (a CLI call,
another API worker, another machine) can continue a session: SQLite under the data directory by
default, Postgres when FAQ_DATABASE_URL says so; the same code and the same Alembic migrations
(assistant/migrations) for both. Bounded by turns and by idle time. Every text is redacted on its
way in (``redact``), whatever the caller did: a question, its standalone rewrite, an answer, a
feedback comment."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Index,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from core.errors import ConfigError
from core.types import CITED_END

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
EVAL_SESSION_PREFIX = "eval-"  # sessions opened by the evaluation runner

# The schema as the queries see it; assistant/migrations/versions/ builds it in a database.
metadata = MetaData()
turns = Table(
    "turns", metadata,
    Column("session_id", String(128), nullable=False),
    Column("turn_id", String(64), primary_key=True),
    Column("created", Float, nullable=False),
    Column("question", Text, nullable=False),
    Column("standalone", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("category", String(64), nullable=False),
    Column("answer", Text, nullable=False, server_default=""),
    Column("sources", Text, nullable=False, server_default="[]"),
    Column("latency_ms", Float, nullable=False, server_default="0"),
    Column("feedback", String(32)),
    Column("feedback_comment", Text),
    Column("suggestions", Text, nullable=False, server_default="[]"),
    Index("turns_by_session", "session_id", "created"),
    Index("turns_by_time", "created"),
)


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (Alembic ``upgrade head``); safe when several
    processes start at once (Postgres: an advisory lock; SQLite: one writer at a time)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across app crashes, cheap per turn
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError for a malformed URL
        raise ConfigError(f"FAQ_DATABASE_URL is not a database URL: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 10, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=10)


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
    def __init__(self, url: str | Path, max_turns: int = 12, idle_seconds: float = 1800, *,
                 redact: Callable[[str], str]) -> None:
        self.url = f"sqlite:///{Path(url).resolve()}" if isinstance(url, Path) else url
        self.redact = redact
        self.max_turns = max_turns
        self.idle_seconds = idle_seconds
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """Connected and migrated on first use, once per process."""
        with self._lock:
            if self._engine is None:
                engine = make_engine(self.url)
                try:
                    for attempt in range(3):
                        try:
                            upgrade(engine)
                            break
                        except OperationalError as exc:  # SQLite: another process migrated the new file first
                            if "already exists" not in str(exc) or attempt == 2:
                                raise
                            time.sleep(0.2)
                except SQLAlchemyError as exc:
                    engine.dispose()
                    raise ConfigError(f"cannot open the sessions database {make_url(self.url)!r}: "
                                      f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}") from None
                self._engine = engine
            return self._engine

    def history(self, session_id: str, now: float | None = None) -> list[TurnRecord]:
        """The session's recent turns, oldest first; empty once the session has gone idle."""
        now = time.time() if now is None else now
        query = (select(turns.c.turn_id, turns.c.created, turns.c.question, turns.c.standalone, turns.c.action,
                        turns.c.category)
                 .where(turns.c.session_id == session_id).order_by(turns.c.created.desc()).limit(self.max_turns))
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        history = [TurnRecord(turn_id=row.turn_id, created=row.created, question=row.question,
                              standalone=row.standalone, action=row.action, category=row.category)
                   for row in reversed(rows)]
        if history and now - history[-1].created > self.idle_seconds:
            return []
        return history

    def append(self, session_id: str, turn: TurnRecord) -> None:
        with self.engine.begin() as db:
            db.execute(turns.insert().values(
                session_id=session_id, turn_id=turn.turn_id, created=turn.created,
                question=self.redact(turn.question), standalone=self.redact(turn.standalone), action=turn.action,
                category=turn.category, answer=self._redact_reply(turn.answer), sources=json.dumps(turn.sources),
                latency_ms=turn.latency_ms, suggestions=json.dumps(turn.suggestions)))

    def _redact_reply(self, answer: str) -> str:
        """A reply is the assistant's own text, never the patient's: paragraphs (the answer, the
        consultation line, the disclaimer) and, in an answer, cited sentences ("... [1]."). Each
        piece is redacted on its own, so the pieces turns repeat (the disclaimer, an article's
        sentence) are detected once: the detector keeps recent findings."""
        return "\n\n".join(" ".join(self.redact(piece) for piece in CITED_END.split(part))
                             for part in answer.split("\n\n"))

    def feedback(self, turn_id: str, rating: str, comment: str = "") -> bool:
        """Record up/down on a stored turn; False when there is no such turn."""
        with self.engine.begin() as db:
            result = db.execute(update(turns).where(turns.c.turn_id == turn_id).values(
                feedback=rating, feedback_comment=self.redact(comment) if comment else None))
        return result.rowcount > 0

    def transcripts(self, *, since: float = 0.0, action: str | None = None, category: str | None = None,
                    feedback: str | None = None, limit: int = 200, include_evals: bool = False,
                    until: float | None = None) -> list[dict[str, Any]]:
        """Stored turns, newest first. Evaluation runs (sessions named ``eval-...``) are left out
        unless asked for, so staff see what patients asked."""
        query = select(turns).where(turns.c.created >= since)
        if until is not None:
            query = query.where(turns.c.created < until)
        if not include_evals:
            query = query.where(~turns.c.session_id.startswith(EVAL_SESSION_PREFIX, autoescape=True))
        for column, value in ((turns.c.action, action), (turns.c.category, category), (turns.c.feedback, feedback)):
            if value:
                query = query.where(column == value)
        with self.engine.connect() as db:
            rows = db.execute(query.order_by(turns.c.created.desc()).limit(limit)).mappings().all()
        return [{**dict(row), "sources": json.loads(row["sources"] or "[]"),
                 "suggestions": json.loads(row["suggestions"] or "[]")} for row in rows]

    def purge(self, older_than_days: float, now: float | None = None) -> int:
        """Delete turns older than the retention period; returns how many were deleted."""
        cutoff = (time.time() if now is None else now) - older_than_days * 86400
        with self.engine.begin() as db:
            return db.execute(delete(turns).where(turns.c.created < cutoff)).rowcount

    def ping(self) -> None:
        """Raise when the database cannot be reached (readiness)."""
        with self.engine.connect() as db:
            db.execute(select(1))

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
