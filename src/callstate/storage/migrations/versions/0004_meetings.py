"""Meetings booked in calls, the round robin's assignment counts and the calendar inbox.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callstate.storage.columns import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "owner_assignments",
        sa.Column("workspace", sa.String(64), primary_key=True),
        sa.Column("pool_key", sa.String(128), primary_key=True),
        sa.Column("owner_email", sa.String(320), primary_key=True),
        sa.Column("assigned", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "meetings",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("runtime", sa.String(16), nullable=False),
        sa.Column("external_call_id", sa.String(128), nullable=False),
        sa.Column("owner_email", sa.String(320), nullable=False),
        sa.Column("event_type", sa.String(300), nullable=False),
        sa.Column("vendor", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("booking_id", sa.String(300)),
        sa.Column("start", UtcDateTime, nullable=False),
        sa.Column("end", UtcDateTime, nullable=False),
        sa.Column("attendee_name", sa.String(200), nullable=False),
        sa.Column("attendee_email", sa.String(320), nullable=False),
        sa.Column("attendee_phone", sa.String(20)),
        sa.Column("attendee_zone", sa.String(64), nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("detail", sa.Text),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_meetings_booking", "meetings", ["workspace", "vendor", "booking_id"])
    op.create_index("ix_meetings_call", "meetings", ["workspace", "runtime", "external_call_id"])
    op.create_index("ix_meetings_start", "meetings", ["workspace", "start"])
    op.create_table(
        "booking_changes",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("vendor", sa.String(32), nullable=False),
        sa.Column("dedupe_id", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("booking_id", sa.String(300), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("dispatched_at", UtcDateTime),
        sa.UniqueConstraint("workspace", "vendor", "dedupe_id"),
    )
    op.create_index(
        "ix_booking_changes_undispatched", "booking_changes", ["dispatched_at", "received_at"]
    )


def downgrade() -> None:
    op.drop_table("booking_changes")
    op.drop_table("meetings")
    op.drop_table("owner_assignments")
