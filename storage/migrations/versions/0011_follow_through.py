"""Follow-through: a commitment's due moment and its reminder and escalation steps, the decision it
carries out (and the decision's "N of M commitments done" line), and each member's calendar feed.

Revision ID: 0011_follow_through
Revises: 0007_user_names
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_follow_through"
down_revision = "0007_user_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("commitment") as batch:
        batch.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("follow_step", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("follow_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("follow_generation", sa.Integer(), nullable=False, server_default="0"))
        batch.create_foreign_key(op.f("fk_commitment_decision_id_decision"), "decision", ["decision_id"], ["id"])
        batch.create_index(op.f("ix_commitment_decision_id"), ["decision_id"], unique=False)
        batch.create_index("ix_commitment_follow_due", ["status", "follow_at"], unique=False)
    with op.batch_alter_table("decision") as batch:
        batch.add_column(sa.Column("progress_ts", sa.String(length=32), nullable=True))
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consortium_id"], ["consortium.id"],
                                name=op.f("fk_calendar_feed_consortium_id_consortium")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("consortium_id", "user_id", name="uq_calendar_feed_member"),
        sa.UniqueConstraint("token", name="uq_calendar_feed_token"),
    )


def downgrade() -> None:
    op.drop_table("calendar_feed")
    with op.batch_alter_table("decision") as batch:
        batch.drop_column("progress_ts")
    with op.batch_alter_table("commitment") as batch:
        batch.drop_index("ix_commitment_follow_due")
        batch.drop_index(op.f("ix_commitment_decision_id"))
        batch.drop_constraint(op.f("fk_commitment_decision_id_decision"), type_="foreignkey")
        for column in ("follow_generation", "follow_at", "follow_step", "due_at", "decision_id"):
            batch.drop_column(column)
