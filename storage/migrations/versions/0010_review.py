"""Decisions get a review date (and the review day last reminded of) and the links of a decision
superseded by another.

Revision ID: 0010_review
Revises: 0014_invites
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_review"
down_revision = "0014_invites"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decision") as batch:
        batch.add_column(sa.Column("review_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("supersedes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("superseded_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("review_reminded_on", sa.Date(), nullable=True))
        batch.create_foreign_key("fk_decision_supersedes_decision", "decision", ["supersedes"], ["id"])
        batch.create_foreign_key("fk_decision_superseded_by_decision", "decision", ["superseded_by"], ["id"])
        batch.create_unique_constraint("uq_decision_supersedes", ["supersedes"])
        batch.create_index("ix_decision_team_review", ["consortium_id", "review_on"])
        batch.create_index("ix_decision_review_on", ["review_on"])


def downgrade() -> None:
    with op.batch_alter_table("decision") as batch:
        batch.drop_index("ix_decision_review_on")
        batch.drop_index("ix_decision_team_review")
        batch.drop_constraint("uq_decision_supersedes", type_="unique")
        batch.drop_constraint("fk_decision_superseded_by_decision", type_="foreignkey")
        batch.drop_constraint("fk_decision_supersedes_decision", type_="foreignkey")
        batch.drop_column("review_reminded_on")
        batch.drop_column("superseded_by")
        batch.drop_column("supersedes")
        batch.drop_column("review_on")
