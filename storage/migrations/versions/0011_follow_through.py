"""Follow-through: a commitment's due moment and its reminder and escalation steps, the decision it
carries out (and the decision's "N of M commitments done" line), and each member's calendar feed.

Revision ID: 0011_follow_through
Revises: 0010_review
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_follow_through"
down_revision = "0010_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Columns are added in place (no batch copy of the table on SQLite: commitment_update rows refer to
    # commitments, and SQLite would refuse to drop the old table under them).
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # SQLite adds a column's reference only with the column
        kept = "decision_id" in {c["name"] for c in sa.inspect(bind).get_columns("commitment")}
        if not kept:  # (a downgrade on SQLite keeps it, see below)
            op.execute('ALTER TABLE commitment ADD COLUMN decision_id INTEGER '
                       'CONSTRAINT fk_commitment_decision_id_decision REFERENCES decision (id)')
    else:
        op.add_column("commitment", sa.Column("decision_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_commitment_decision_id_decision"), "commitment", "decision",
                              ["decision_id"], ["id"])
    op.add_column("commitment", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("commitment", sa.Column("follow_step", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("commitment", sa.Column("follow_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("commitment", sa.Column("follow_generation", sa.Integer(), nullable=False, server_default="0"))
    op.create_index(op.f("ix_commitment_decision_id"), "commitment", ["decision_id"], unique=False)
    op.create_index("ix_commitment_follow_due", "commitment", ["status", "follow_at"], unique=False)
    op.add_column("decision", sa.Column("progress_ts", sa.String(length=32), nullable=True))
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
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_table("calendar_feed")
    op.drop_index("ix_commitment_follow_due", table_name="commitment")
    op.drop_index(op.f("ix_commitment_decision_id"), table_name="commitment")
    columns = ("follow_generation", "follow_at", "follow_step", "due_at", "decision_id")
    if sqlite:
        # SQLite cannot drop a column that references another table without copying the table, which
        # commitment_update's rows refer to, inside the migration's transaction: decision_id stays (a
        # nullable column earlier releases ignore, and that upgrading again keeps).
        for column in columns[:-1]:
            op.execute(f"ALTER TABLE commitment DROP COLUMN {column}")
        op.execute("ALTER TABLE decision DROP COLUMN progress_ts")
        return
    op.drop_constraint(op.f("fk_commitment_decision_id_decision"), "commitment", type_="foreignkey")
    for column in columns:
        op.drop_column("commitment", column)
    op.drop_column("decision", "progress_ts")
