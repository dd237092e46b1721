"""initial schema: teams, groups, decisions, commitments, proposals, check-ins, digests, audit

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25 10:38:39.581570

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table(
        "processed_event",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "key", name=op.f("pk_processed_event")),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_audit_log_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_team_id"), ["team_id"], unique=False)

    op.create_table(
        "digest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("run_key", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("requested_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_digest_run_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_run")),
        sa.UniqueConstraint("team_id", "channel_id", "run_key", name="uq_digest_run_key"),
    )
    with op.batch_alter_table("digest_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_run_channel_id"), ["channel_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_digest_run_status"), ["status"], unique=False)

    op.create_table(
        "digest_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("days", sa.String(length=40), nullable=False),
        sa.Column("time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_digest_schedule_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_schedule")),
        sa.UniqueConstraint("team_id", "channel_id", name="uq_digest_schedule_channel"),
    )
    op.create_table(
        "facilitator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("added_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_facilitator_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilitator")),
        sa.UniqueConstraint("team_id", "user_id", name="uq_facilitator_team_user"),
    )
    with op.batch_alter_table("facilitator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_facilitator_team_id"), ["team_id"], unique=False)

    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_proposal_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal")),
    )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_team_id"), ["team_id"], unique=False)

    op.create_table(
        "stakeholder_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("sector", sa.String(length=80), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("checkin_days", sa.String(length=40), nullable=True),
        sa.Column("checkin_time", sa.String(length=5), nullable=True),
        sa.Column("schedule_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_stakeholder_group_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stakeholder_group")),
        sa.UniqueConstraint("team_id", "name_key", name="uq_group_team_name"),
    )
    with op.batch_alter_table("stakeholder_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stakeholder_group_team_id"), ["team_id"], unique=False)

    op.create_table(
        "checkin_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=32), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["stakeholder_group.id"], name=op.f("fk_checkin_round_group_id_stakeholder_group")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_checkin_round_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_round")),
        sa.UniqueConstraint("group_id", "due_at", name="uq_round_group_due"),
    )
    with op.batch_alter_table("checkin_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_round_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkin_round_team_id"), ["team_id"], unique=False)

    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("permalink", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["stakeholder_group.id"], name=op.f("fk_commitment_group_id_stakeholder_group")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_commitment_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment")),
    )
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_team_id"), ["team_id"], unique=False)

    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("permalink", sa.String(length=500), nullable=True),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("revoked_by", sa.String(length=32), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], name=op.f("fk_decision_proposal_id_proposal")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_decision_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_decision_proposal_id")),
    )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_team_id"), ["team_id"], unique=False)

    op.create_table(
        "group_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["stakeholder_group.id"], name=op.f("fk_group_membership_group_id_stakeholder_group")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_group_membership_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_membership")),
        sa.UniqueConstraint("group_id", "user_id", name="uq_membership_group_user"),
    )
    with op.batch_alter_table("group_membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_membership_group_id"), ["group_id"], unique=False)
        batch_op.create_index("ix_membership_team_user", ["team_id", "user_id"], unique=False)

    op.create_table(
        "position",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("choice", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["stakeholder_group.id"], name=op.f("fk_position_group_id_stakeholder_group")
        ),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], name=op.f("fk_position_proposal_id_proposal")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_position_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position")),
        sa.UniqueConstraint("proposal_id", "user_id", name="uq_position_proposal_user"),
    )
    with op.batch_alter_table("position", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_position_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "proposal_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["stakeholder_group.id"], name=op.f("fk_proposal_group_group_id_stakeholder_group")
        ),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], name=op.f("fk_proposal_group_proposal_id_proposal")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_proposal_group_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_group")),
        sa.UniqueConstraint("proposal_id", "group_id", name="uq_proposal_group"),
    )
    with op.batch_alter_table("proposal_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_group_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "checkin_prompt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dm_channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"], ["checkin_round.id"], name=op.f("fk_checkin_prompt_round_id_checkin_round")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_checkin_prompt_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_prompt")),
        sa.UniqueConstraint("round_id", "user_id", name="uq_prompt_round_user"),
    )
    with op.batch_alter_table("checkin_prompt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_prompt_message_ts"), ["message_ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkin_prompt_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkin_prompt_status"), ["status"], unique=False)

    op.create_table(
        "checkin_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("blockers", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["checkin_round.id"], name=op.f("fk_checkin_response_round_id_checkin_round")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_checkin_response_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_response")),
        sa.UniqueConstraint("round_id", "user_id", name="uq_response_round_user"),
    )
    with op.batch_alter_table("checkin_response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_response_round_id"), ["round_id"], unique=False)

    op.create_table(
        "commitment_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("old_status", sa.String(length=16), nullable=False),
        sa.Column("new_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("checkin_round_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkin_round_id"], ["checkin_round.id"], name=op.f("fk_commitment_update_checkin_round_id_checkin_round")
        ),
        sa.ForeignKeyConstraint(
            ["commitment_id"], ["commitment.id"], name=op.f("fk_commitment_update_commitment_id_commitment")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_commitment_update_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_update")),
    )
    with op.batch_alter_table("commitment_update", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_update_commitment_id"), ["commitment_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""

    with op.batch_alter_table("commitment_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_update_commitment_id"))

    op.drop_table("commitment_update")
    with op.batch_alter_table("checkin_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_response_round_id"))

    op.drop_table("checkin_response")
    with op.batch_alter_table("checkin_prompt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_prompt_status"))
        batch_op.drop_index(batch_op.f("ix_checkin_prompt_round_id"))
        batch_op.drop_index(batch_op.f("ix_checkin_prompt_message_ts"))

    op.drop_table("checkin_prompt")
    with op.batch_alter_table("proposal_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_group_proposal_id"))

    op.drop_table("proposal_group")
    with op.batch_alter_table("position", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_position_proposal_id"))

    op.drop_table("position")
    with op.batch_alter_table("group_membership", schema=None) as batch_op:
        batch_op.drop_index("ix_membership_team_user")
        batch_op.drop_index(batch_op.f("ix_group_membership_group_id"))

    op.drop_table("group_membership")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_team_id"))

    op.drop_table("decision")
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_team_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_status"))
        batch_op.drop_index(batch_op.f("ix_commitment_owner_id"))

    op.drop_table("commitment")
    with op.batch_alter_table("checkin_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_round_team_id"))
        batch_op.drop_index(batch_op.f("ix_checkin_round_group_id"))

    op.drop_table("checkin_round")
    with op.batch_alter_table("stakeholder_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stakeholder_group_team_id"))

    op.drop_table("stakeholder_group")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_team_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_status"))

    op.drop_table("proposal")
    with op.batch_alter_table("facilitator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facilitator_team_id"))

    op.drop_table("facilitator")
    op.drop_table("digest_schedule")
    with op.batch_alter_table("digest_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_run_status"))
        batch_op.drop_index(batch_op.f("ix_digest_run_channel_id"))

    op.drop_table("digest_run")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_team_id"))

    op.drop_table("audit_log")
    op.drop_table("team")
    op.drop_table("processed_event")
