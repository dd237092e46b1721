"""Governance on proposals: counting, cap, hidden, anonymous; observers; declared conflicts; proxies.

Revision ID: 0009_governance
Revises: 0011_follow_through
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_governance"
down_revision = "0011_follow_through"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with a constant default: SQLite does it in place (no table rebuild), and
    # existing rows take the default.
    op.add_column("proposal", sa.Column("counting", sa.String(length=16), nullable=False, server_default="member"))
    op.add_column("proposal", sa.Column("cap", sa.Integer(), nullable=True))
    op.add_column("proposal", sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("proposal", sa.Column("anonymous", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("group_membership", sa.Column("observer", sa.Boolean(), nullable=False,
                                                server_default=sa.false()))
    op.create_table(
        "proposal_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consortium_id"], ["consortium.id"],
                                name="fk_proposal_conflict_consortium_id_consortium"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], name="fk_proposal_conflict_proposal_id_proposal"),
        sa.PrimaryKeyConstraint("id", name="pk_proposal_conflict"),
        sa.UniqueConstraint("proposal_id", "user_id", name="uq_conflict_proposal_user"),
    )
    op.create_index("ix_proposal_conflict_proposal_id", "proposal_conflict", ["proposal_id"])
    op.add_column("position", sa.Column("proxy_by", sa.String(length=32), nullable=True))
    op.create_table(
        "proxy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("alternate_id", sa.String(length=32), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["consortium_id"], ["consortium.id"], name="fk_proxy_consortium_id_consortium"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], name="fk_proxy_proposal_id_proposal"),
        sa.PrimaryKeyConstraint("id", name="pk_proxy"),
    )
    op.create_index("ix_proxy_member_id", "proxy", ["member_id"])
    op.create_index("ix_proxy_alternate", "proxy", ["consortium_id", "alternate_id"])


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ does it in place; a table rebuild would trip the foreign keys).
    op.drop_index("ix_proxy_alternate", table_name="proxy")
    op.drop_index("ix_proxy_member_id", table_name="proxy")
    op.drop_table("proxy")
    op.drop_column("position", "proxy_by")
    op.drop_index("ix_proposal_conflict_proposal_id", table_name="proposal_conflict")
    op.drop_table("proposal_conflict")
    op.drop_column("group_membership", "observer")
    for column in ("anonymous", "hidden", "cap", "counting"):
        op.drop_column("proposal", column)
