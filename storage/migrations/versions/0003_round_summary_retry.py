"""Check-in round summaries are posted by a retried, leased step (not lost when Slack refuses).

Revision ID: 0003_round_summary_retry
Revises: 0002_slack_oauth
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_round_summary_retry"
down_revision = "0002_slack_oauth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checkin_round") as batch:
        batch.add_column(sa.Column("summary_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("summary_retry_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("summary_lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkin_round") as batch:
        batch.drop_column("summary_lease_until")
        batch.drop_column("summary_retry_at")
        batch.drop_column("summary_attempts")
