"""The turns table: one row per reply, with its redacted question, answer, sources and feedback.

Databases made before Alembic (SQLite files of earlier releases, which created the table
themselves and added columns on open) are adopted: the table is kept and missing columns added.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def later_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    """Columns added after the first release (fresh objects each call: a Column joins one table)."""
    return [
        sa.Column("answer", sa.Text, nullable=False, server_default=""),
        sa.Column("sources", sa.Text, nullable=False, server_default="[]"),
        sa.Column("latency_ms", sa.Float, nullable=False, server_default="0"),
        sa.Column("feedback", sa.String(32)),
        sa.Column("feedback_comment", sa.Text),
        sa.Column("suggestions", sa.Text, nullable=False, server_default="[]"),
    ]


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("turns"):
        op.create_table(
            "turns",
            sa.Column("session_id", sa.String(128), nullable=False),
            sa.Column("turn_id", sa.String(64), primary_key=True),
            sa.Column("created", sa.Float, nullable=False),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("standalone", sa.Text, nullable=False),
            sa.Column("action", sa.String(32), nullable=False),
            sa.Column("category", sa.String(64), nullable=False),
            *later_columns(),
        )
        op.create_index("turns_by_session", "turns", ["session_id", "created"])
        op.create_index("turns_by_time", "turns", ["created"])
        return
    present = {column["name"] for column in inspector.get_columns("turns")}
    for column in later_columns():
        if column.name not in present:
            op.add_column("turns", column)


def downgrade() -> None:
    op.drop_table("turns")
