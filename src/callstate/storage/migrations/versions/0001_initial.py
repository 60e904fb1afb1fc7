"""Calls, call events (the inbox) and effect attempts (the ledger).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callstate.storage.columns import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("runtime", sa.String(16), nullable=False),
        sa.Column("external_call_id", sa.String(128), nullable=False),
        sa.Column("audience", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("caller_number", sa.String(20)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("disposition", sa.String(20)),
        sa.Column("flags", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("workspace", "runtime", "external_call_id"),
    )
    op.create_table(
        "call_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("runtime", sa.String(16), nullable=False),
        sa.Column("external_call_id", sa.String(128), nullable=False),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("event_key", sa.String(300), nullable=False, unique=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("dispatched_at", UtcDateTime),
        sa.UniqueConstraint("workspace", "runtime", "external_call_id", "event_type"),
    )
    op.create_index("ix_call_events_undispatched", "call_events", ["dispatched_at", "id"])
    op.create_table(
        "effect_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("runtime", sa.String(16), nullable=False),
        sa.Column("external_call_id", sa.String(128), nullable=False),
        sa.Column("workflow_id", sa.String(320), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("idempotency_key", sa.String(300), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("request_summary", sa.JSON, nullable=False),
        sa.Column("vendor", sa.String(32)),
        sa.Column("vendor_ids", sa.JSON, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("finished_at", UtcDateTime),
    )
    op.create_index("ix_effect_attempts_key", "effect_attempts", ["idempotency_key"])
    op.create_index(
        "ix_effect_attempts_call", "effect_attempts", ["workspace", "runtime", "external_call_id"]
    )


def downgrade() -> None:
    op.drop_table("effect_attempts")
    op.drop_table("call_events")
    op.drop_table("calls")
