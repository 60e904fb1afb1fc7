"""Do-not-call list, registry imports, signature-failure counts and the ops checks' marks.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callstate.storage.columns import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dnc_numbers",
        sa.Column("workspace", sa.String(64), primary_key=True),
        sa.Column("phone", sa.String(20), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("added_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "dnc_registry_imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("imported_at", UtcDateTime, nullable=False),
        sa.Column("numbers", sa.Integer, nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
    )
    op.create_index(
        "ix_dnc_registry_imports_latest", "dnc_registry_imports", ["workspace", "imported_at"]
    )
    op.create_table(
        "signature_failures",
        sa.Column("workspace", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(16), primary_key=True),
        sa.Column("minute", UtcDateTime, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "ops_marks",
        sa.Column("workspace", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("period", UtcDateTime, primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("ops_marks")
    op.drop_table("signature_failures")
    op.drop_index("ix_dnc_registry_imports_latest", table_name="dnc_registry_imports")
    op.drop_table("dnc_registry_imports")
    op.drop_table("dnc_numbers")
