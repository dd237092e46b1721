"""Indexes for digests at scale: open commitments by tenant, status, group and due date; decisions
and positions by tenant and time.

Revision ID: 0005_digest_indexes
Revises: 0004_inbox_outbox
"""

from __future__ import annotations

from alembic import op

revision = "0005_digest_indexes"
down_revision = "0004_inbox_outbox"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_commitment_open_by_group", "commitment", ["team_id", "status", "group_id", "due_date", "id"]),
    ("ix_decision_team_created", "decision", ["team_id", "created_at"]),
    ("ix_position_team_updated", "position", ["team_id", "updated_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
