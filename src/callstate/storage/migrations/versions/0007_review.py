"""Review queue items and the actions taken on them.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callstate.storage.columns import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_items",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("key", sa.String(300), nullable=False, unique=True),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("runtime", sa.String(16), nullable=False),
        sa.Column("external_call_id", sa.String(128), nullable=False),
        sa.Column("audience", sa.String(64), nullable=False),
        sa.Column("caller", sa.String(200), nullable=False),
        sa.Column("caller_phone", sa.String(20), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("summary", sa.Text, nullable=True),
        sa.Column("excerpt", sa.Text, nullable=True),
        sa.Column("recording_url", sa.Text, nullable=True),
        sa.Column("contact_url", sa.Text, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("ts", sa.String(32), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_by_name", sa.String(200), nullable=True),
        sa.Column("decided_at", UtcDateTime, nullable=True),
        sa.Column("decision_detail", sa.Text, nullable=True),
    )
    op.create_index("ix_review_items_queue", "review_items", ["workspace", "status", "created_at"])
    op.create_table(
        "review_actions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("item", sa.String(40), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("requested_at", UtcDateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("dispatched_at", UtcDateTime, nullable=True),
        sa.Column("finished_at", UtcDateTime, nullable=True),
        sa.UniqueConstraint("item", "action", "value"),
    )
    op.create_index(
        "ix_review_actions_undispatched", "review_actions", ["dispatched_at", "requested_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_review_actions_undispatched", table_name="review_actions")
    op.drop_table("review_actions")
    op.drop_index("ix_review_items_queue", table_name="review_items")
    op.drop_table("review_items")
