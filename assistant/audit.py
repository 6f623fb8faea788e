"""`faq audit-data`: look for personal data that reached the data folder despite redaction.

Scans every SQLite database (each text column of each table) and every text file (logs, reports,
exports: .log .txt .json .jsonl .md .csv .html .yaml) under the data dir with the same detector
that redacts messages before storage, and lists what it finds. The vector index (chroma/) and the
model cache hold the clinic's own articles and model files, not patients' words: they are skipped.

Only identifiers are looked for (email, phone, record, insurance and national numbers, card and
bank numbers, addresses, dates of birth): on stored text, the name heuristics would flag the
articles' own capitalised phrases that answers quote, and a clean audit must be able to pass.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from guardrails.pii import PiiDetector

AUDITED_KINDS = frozenset({"EMAIL", "PHONE", "DOB", "ADDRESS", "MRN", "INSURANCE_ID", "SSN", "CREDIT_CARD", "IBAN",
                           "IP_ADDRESS", "ID_NUMBER"})
TEXT_SUFFIXES = frozenset({".log", ".txt", ".json", ".jsonl", ".md", ".csv", ".html", ".yaml", ".yml"})
SQLITE_SUFFIXES = frozenset({".sqlite3", ".sqlite", ".db"})
SKIPPED_DIRS = frozenset({"chroma", "models", "hf", "onnx"})
MAX_TEXT_BYTES = 50_000_000


@dataclass(frozen=True)
class Finding:
    where: str  # file, or file:table.column#rowid
    kind: str
    text: str


def _texts(path: Path, root: Path) -> Iterator[tuple[str, str]]:
    """(where, text) for each piece of text in a file."""
    name = str(path.relative_to(root))
    if path.suffix in SQLITE_SUFFIXES:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
                for column in columns:
                    query = f'SELECT rowid, "{column}" FROM "{table}" WHERE typeof("{column}") = \'text\''
                    for rowid, value in db.execute(query):
                        yield f"{name}:{table}.{column}#{rowid}", str(value)
    elif path.stat().st_size <= MAX_TEXT_BYTES:
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            yield f"{name}:{number}", line


def files(data_dir: Path) -> Iterator[Path]:
    for path in sorted(data_dir.rglob("*")):
        parts = set(path.relative_to(data_dir).parts[:-1])
        if path.is_file() and not parts & SKIPPED_DIRS and path.suffix in TEXT_SUFFIXES | SQLITE_SUFFIXES:
            yield path


def database_texts(url: str) -> Iterator[tuple[str, str]]:
    """(where, text) for each text value in a shared sessions database (FAQ_DATABASE_URL)."""
    from sqlalchemy import MetaData, String, Table, create_engine, inspect, select

    engine = create_engine(url)
    try:
        with engine.connect() as db:
            for name in inspect(db).get_table_names():
                table = Table(name, MetaData(), autoload_with=db)
                columns = [c for c in table.columns if isinstance(c.type, String)]
                for row in db.execute(select(*columns)) if columns else ():
                    for column, value in zip(columns, row, strict=True):
                        if value:
                            yield f"{engine.url.render_as_string(hide_password=True)}:{name}.{column.name}", str(value)
    finally:
        engine.dispose()


def audit(data_dir: Path, detector: PiiDetector, extra: list[Path] | None = None,
          database_url: str = "") -> tuple[list[Finding], int]:
    """Everything found under data_dir (and in the extra files, such as a server log, and in the
    shared database when there is one), and the number of files (or databases) read."""
    findings: list[Finding] = []
    read = 0
    if database_url and not database_url.startswith("sqlite"):
        read += 1
        findings += [Finding(where, span.kind, span.text) for where, text in database_texts(database_url)
                     for span in detector.find(text) if span.kind in AUDITED_KINDS]
    for path in [*files(data_dir), *(extra or [])]:
        read += 1
        root = data_dir if path.is_relative_to(data_dir) else path.parent
        try:
            for where, text in _texts(path, root):
                findings += [Finding(where, span.kind, span.text) for span in detector.find(text)
                             if span.kind in AUDITED_KINDS]
        except sqlite3.DatabaseError as exc:
            findings.append(Finding(str(path), "UNREADABLE", str(exc)))
    return findings, read
