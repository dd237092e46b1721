"""One-time codes by which another installation joins a consortium.

Revision ID: 0014_invites
Revises: 0008_organisations
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_invites"
down_revision = "0008_organisations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consortium_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.String(length=32), nullable=True),
        sa.Column("used_workspace", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["consortium_id"], ["consortium.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    op.create_index("ix_consortium_invite_consortium_id", "consortium_invite", ["consortium_id"])


def downgrade() -> None:
    op.drop_index("ix_consortium_invite_consortium_id", table_name="consortium_invite")
    op.drop_table("consortium_invite")
