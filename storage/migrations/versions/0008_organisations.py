"""Organisations: the body each member represents, members' organisations, workspaces' names, and the
organisation recorded with memberships, positions, commitments and check-in answers.

Revision ID: 0008_organisations
Revises: 0007_user_names
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_organisations"
down_revision = "0007_user_names"
branch_labels = None
depends_on = None

SNAPSHOTS = ("group_membership", "position", "commitment", "checkin_response")


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("representative_user_id", sa.String(length=32), nullable=True),
        sa.Column("focal_user_id", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consortium_id"], ["consortium.id"],
                                name="fk_organisation_consortium_id_consortium"),
        sa.PrimaryKeyConstraint("id", name="pk_organisation"),
        sa.UniqueConstraint("consortium_id", "name_key", name="uq_organisation_name"),
        sa.UniqueConstraint("consortium_id", "team_id", name="uq_organisation_team"),
    )
    op.create_index("ix_organisation_consortium_id", "organisation", ["consortium_id"])
    op.create_table(
        "member_organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consortium_id"], ["consortium.id"],
                                name="fk_member_organisation_consortium_id_consortium"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name="fk_member_organisation_organisation_id_organisation"),
        sa.PrimaryKeyConstraint("id", name="pk_member_organisation"),
        sa.UniqueConstraint("consortium_id", "user_id", name="uq_member_organisation_user"),
    )
    op.create_index("ix_member_organisation_organisation_id", "member_organisation", ["organisation_id"])
    op.create_table(
        "workspace_name",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name="pk_workspace_name"),
    )
    for table in SNAPSHOTS:
        op.add_column(table, sa.Column("organisation", sa.String(length=200), nullable=True))


def downgrade() -> None:
    for table in SNAPSHOTS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("organisation")
    op.drop_table("workspace_name")
    op.drop_index("ix_member_organisation_organisation_id", table_name="member_organisation")
    op.drop_table("member_organisation")
    op.drop_index("ix_organisation_consortium_id", table_name="organisation")
    op.drop_table("organisation")
