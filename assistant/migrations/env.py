"""Alembic environment for the sessions database (assistant/sessions.py runs `upgrade head` on
first use, handing over its connection). From a shell, with FAQ_DATABASE_URL set (or the SQLite
file's URL): `alembic -c assistant/migrations/alembic.ini upgrade head`."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, text

ADVISORY_LOCK = 7_240_011  # any constant: one migrating process at a time per Postgres database


def run(connection) -> None:  # type: ignore[no-untyped-def]
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})"))
    context.configure(connection=connection, target_metadata=None, render_as_batch=True)
    context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = os.environ.get("FAQ_DATABASE_URL") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set FAQ_DATABASE_URL (or sqlalchemy.url) to the sessions database")
    with create_engine(url).begin() as own:
        run(own)
