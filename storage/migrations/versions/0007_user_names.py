"""Members' names as Slack last gave them, for digests printed in a terminal.

Revision ID: 0007_user_names
Revises: 0006_consortia
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_user_names"
down_revision = "0006_consortia"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_name",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("user_name")
