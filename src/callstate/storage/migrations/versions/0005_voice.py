"""Retell groundwork: agents applied per audience, outbound call attempts, reconciliation
watermarks and copied call artifacts.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callstate.storage.columns import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voice_agents",
        sa.Column("workspace", sa.String(64), primary_key=True),
        sa.Column("runtime", sa.String(16), primary_key=True),
        sa.Column("audience", sa.String(64), primary_key=True),
        sa.Column("agent_id", sa.String(128), nullable=False),
        sa.Column("engine_id", sa.String(128)),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "outbound_calls",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("audience", sa.String(64), nullable=False),
        sa.Column("lead", sa.String(120), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("to_number", sa.String(20), nullable=False),
        sa.Column("from_number", sa.String(20)),
        sa.Column("variables", sa.JSON, nullable=False),
        sa.Column("due_at", UtcDateTime, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("runtime", sa.String(16), nullable=False),
        sa.Column("call_id", sa.String(128)),
        sa.Column("reason", sa.Text),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("dispatched_at", UtcDateTime),
        sa.UniqueConstraint("workspace", "lead", "attempt"),
    )
    op.create_index("ix_outbound_calls_due", "outbound_calls", ["status", "due_at"])
    op.create_index("ix_outbound_calls_call", "outbound_calls", ["workspace", "call_id"])
    op.create_table(
        "reconcile_marks",
        sa.Column("workspace", sa.String(64), primary_key=True),
        sa.Column("runtime", sa.String(16), primary_key=True),
        sa.Column("watermark", UtcDateTime, nullable=False),
        sa.Column("last_run_at", UtcDateTime, nullable=False),
        sa.Column("last_report", sa.JSON, nullable=False),
    )
    op.create_table(
        "call_artifacts",
        sa.Column("workspace", sa.String(64), primary_key=True),
        sa.Column("runtime", sa.String(16), primary_key=True),
        sa.Column("external_call_id", sa.String(128), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("source_url", sa.Text),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("copied_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("call_artifacts")
    op.drop_table("reconcile_marks")
    op.drop_table("outbound_calls")
    op.drop_table("voice_agents")
