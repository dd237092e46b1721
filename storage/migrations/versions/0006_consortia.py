"""The consortium is the tenant: table ``team`` becomes ``consortium`` (same ids), every domain
table's ``team_id`` becomes ``consortium_id`` and a new nullable ``team_id`` keeps the workspace a
record came from; new tables ``workspace`` (one row per old team, in its own consortium) and
``channel_home`` (the consortium a channel belongs to). Nothing is lost: each workspace becomes
one consortium whose id is the workspace's id.

Revision ID: 0006_consortia
Revises: 0005_digest_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_consortia"
down_revision = "0005_digest_indexes"
branch_labels = None
depends_on = None

# Every domain table whose tenant was the workspace; the delivery plumbing (processed_event,
# inbox, outbox) stays keyed by workspace.
TABLES = (
    "facilitator", "stakeholder_group", "group_membership", "proposal", "proposal_group", "position",
    "decision", "commitment", "commitment_update", "checkin_round", "checkin_prompt", "checkin_response",
    "digest_schedule", "digest_run", "audit_log",
)
# Tables with an index named after the tenant column (``ix_<table>_team_id`` from the first revision).
INDEXED = ("audit_log", "facilitator", "proposal", "stakeholder_group", "checkin_round", "commitment", "decision")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    postgresql = _postgresql()
    op.rename_table("team", "consortium")  # SQLite rewrites the references; PostgreSQL keeps them by oid
    if postgresql:
        op.execute("ALTER TABLE consortium RENAME CONSTRAINT pk_team TO pk_consortium")

    op.create_table(
        "workspace",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("consortium_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consortium_id"], ["consortium.id"], name=op.f("fk_workspace_consortium_id_consortium")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace")),
    )
    op.create_index(op.f("ix_workspace_consortium_id"), "workspace", ["consortium_id"], unique=False)
    op.execute("INSERT INTO workspace (id, consortium_id, name, is_enterprise_install, created_at) "
               "SELECT id, id, name, false, created_at FROM consortium")

    op.create_table(
        "channel_home",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("consortium_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consortium_id"], ["consortium.id"],
                                name=op.f("fk_channel_home_consortium_id_consortium")),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channel_home")),
    )

    for table in TABLES:
        if table in INDEXED:
            op.drop_index(f"ix_{table}_team_id", table_name=table)
        op.execute(f'ALTER TABLE "{table}" RENAME COLUMN team_id TO consortium_id')
        if postgresql:
            op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT fk_{table}_team_id_team '
                       f"TO fk_{table}_consortium_id_consortium")
        op.add_column(table, sa.Column("team_id", sa.String(length=32), nullable=True))
        op.execute(f'UPDATE "{table}" SET team_id = consortium_id')
        if table in INDEXED:
            op.create_index(f"ix_{table}_consortium_id", table, ["consortium_id"], unique=False)


def downgrade() -> None:
    postgresql = _postgresql()
    for table in TABLES:
        if table in INDEXED:
            op.drop_index(f"ix_{table}_consortium_id", table_name=table)
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN team_id')
        op.execute(f'ALTER TABLE "{table}" RENAME COLUMN consortium_id TO team_id')
        if postgresql:
            op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT fk_{table}_consortium_id_consortium '
                       f"TO fk_{table}_team_id_team")
        if table in INDEXED:
            op.create_index(f"ix_{table}_team_id", table, ["team_id"], unique=False)
    op.drop_table("channel_home")
    op.drop_index(op.f("ix_workspace_consortium_id"), table_name="workspace")
    op.drop_table("workspace")
    if postgresql:
        op.execute("ALTER TABLE consortium RENAME CONSTRAINT pk_consortium TO pk_team")
    op.rename_table("consortium", "team")
