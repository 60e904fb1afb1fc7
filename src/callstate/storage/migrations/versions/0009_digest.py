"""What the daily digest reads: each call's outcome, and indexes for reading one local day.

The outcome is decided by the plan of the call's analysed event (`transition.plan`) and was
only kept in the effects; the digest counts calls by it. Deal stages and values come from the
effect ledger (`ensure_deal` results), so they need no column of their own.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("outcome", sa.String(32)))
    op.create_index("ix_calls_day", "calls", ["workspace", "created_at"])
    op.create_index(
        "ix_effect_attempts_day", "effect_attempts", ["workspace", "kind", "finished_at"]
    )
    op.create_index("ix_outbound_calls_number", "outbound_calls", ["workspace", "to_number"])


def downgrade() -> None:
    op.drop_index("ix_outbound_calls_number", table_name="outbound_calls")
    op.drop_index("ix_effect_attempts_day", table_name="effect_attempts")
    op.drop_index("ix_calls_day", table_name="calls")
    with op.batch_alter_table("calls") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("outcome")
