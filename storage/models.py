"""Every table of Accord's domain. Each domain row carries its tenant, ``consortium_id``, and the
workspace it came from, ``team_id``; times are aware UTC.

Exactly-once guarantees live here as unique keys: a processed Slack event, a check-in round
per group and due time, a check-in prompt per round and member, a digest run per channel and
due time, one position per member and proposal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Index, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.statuses import (
    CommitmentStatus,
    DecisionStatus,
    DigestRunStatus,
    InboxState,
    OutboxState,
    PositionChoice,
    PromptStatus,
    ProposalOutcome,
    ProposalStatus,
)
from storage.types import UTCDateTime

# Naming convention so Alembic revisions get stable constraint names on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, aware UTC (default for created_at columns)."""
    return datetime.now(UTC)


def _ts(**kw: object) -> object:
    return Field(sa_type=UTCDateTime, **kw)  # type: ignore[call-overload]


def _text(**kw: object) -> object:
    return Field(sa_type=Text, **kw)  # type: ignore[call-overload]


class Consortium(SQLModel, table=True):
    """One consortium: the tenant every record belongs to. Its id is the first workspace's id."""

    id: str = Field(primary_key=True, max_length=32)
    name: str | None = Field(default=None, max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class Workspace(SQLModel, table=True):
    """A Slack workspace (``team_id``), or an Enterprise Grid org for an org-wide install, and its consortium."""

    id: str = Field(primary_key=True, max_length=32)
    consortium_id: str = Field(foreign_key="consortium.id", index=True, max_length=32)
    name: str | None = Field(default=None, max_length=200)
    is_enterprise_install: bool = Field(default=False)
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class ChannelHome(SQLModel, table=True):
    """A channel belongs to the consortium that first recorded in it (shared channels have one id everywhere)."""

    __tablename__ = "channel_home"
    channel_id: str = Field(primary_key=True, max_length=32)
    consortium_id: str = Field(foreign_key="consortium.id", max_length=32)
    team_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class Facilitator(SQLModel, table=True):
    """A user promoted to facilitator with `/group facilitator add` (besides the setting)."""

    __table_args__ = (UniqueConstraint("consortium_id", "user_id", name="uq_facilitator_team_user"),)
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", index=True, max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    user_id: str = Field(max_length=32)
    added_by: str = Field(max_length=32)
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class StakeholderGroup(SQLModel, table=True):
    """A named stakeholder group with its zone, home channel and check-in schedule."""

    __tablename__ = "stakeholder_group"
    __table_args__ = (UniqueConstraint("consortium_id", "name_key", name="uq_group_team_name"),)
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", index=True, max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    sector: str | None = Field(default=None, max_length=80)
    channel_id: str | None = Field(default=None, max_length=32)
    timezone: str = Field(default="UTC", max_length=64)
    checkin_days: str | None = Field(default=None, max_length=40)
    checkin_time: str | None = Field(default=None, max_length=5)
    schedule_updated_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    created_by: str = Field(max_length=32)
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class GroupMembership(SQLModel, table=True):
    """A member of a group; the earliest membership is the user's primary group."""

    __tablename__ = "group_membership"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id", name="uq_membership_group_user"),
        Index("ix_membership_team_user", "consortium_id", "user_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    group_id: int = Field(foreign_key="stakeholder_group.id", index=True)
    user_id: str = Field(max_length=32)
    organisation: str | None = Field(default=None, max_length=200)  # the member's, when they joined
    joined_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]
    observer: bool = Field(default=False)  # receives the group's messages, takes no position, never quorum


class Organisation(SQLModel, table=True):
    """The body members represent (a university, ministry, company, NGO); ``team_id`` when it stands for a
    Slack workspace, whose members default to it. Names match case-insensitively (``name_key``)."""

    __table_args__ = (
        UniqueConstraint("consortium_id", "name_key", name="uq_organisation_name"),
        UniqueConstraint("consortium_id", "team_id", name="uq_organisation_team"),
    )
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", index=True, max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the Slack workspace it stands for
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)
    representative_user_id: str | None = Field(default=None, max_length=32)
    focal_user_id: str | None = Field(default=None, max_length=32)
    created_by: str | None = Field(default=None, max_length=32)  # None: made from a workspace's name
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class MemberOrganisation(SQLModel, table=True):
    """A member's organisation in a consortium (one each); ``set_by`` None when it is their workspace's default."""

    __tablename__ = "member_organisation"
    __table_args__ = (UniqueConstraint("consortium_id", "user_id", name="uq_member_organisation_user"),)
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", max_length=32)
    user_id: str = Field(max_length=32)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    set_by: str | None = Field(default=None, max_length=32)
    set_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class WorkspaceName(SQLModel, table=True):
    """A Slack workspace's name as `team.info` last gave it (any workspace a member comes from, installed or
    not: a cache, apart from ``workspace`` so a workspace is never linked to a consortium by being named)."""

    __tablename__ = "workspace_name"
    team_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    updated_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class Proposal(SQLModel, table=True):
    """A question put to the consortium for consensus."""

    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", index=True, max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    title: str = _text()  # type: ignore[assignment]
    details: str | None = _text(default=None)  # type: ignore[assignment]
    author_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    status: ProposalStatus = Field(default=ProposalStatus.OPEN, sa_type=String(16), index=True)
    outcome: ProposalOutcome | None = Field(default=None, sa_type=String(16))
    closes_at: datetime = _ts()  # type: ignore[assignment]
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]
    closed_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    closed_by: str | None = Field(default=None, max_length=32)
    reminded_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    announced_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    version: int = Field(default=0)
    counting: str = Field(default="member", max_length=16)  # member | organisation
    cap: int | None = Field(default=None)  # percent of the weighted total one organisation may weigh
    hidden: bool = Field(default=False)  # no tallies, names or reasons until it closes
    anonymous: bool = Field(default=False)  # counts, never names


class ProposalGroup(SQLModel, table=True):
    """A group whose position a proposal requires."""

    __tablename__ = "proposal_group"
    __table_args__ = (UniqueConstraint("proposal_id", "group_id", name="uq_proposal_group"),)
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    group_id: int = Field(foreign_key="stakeholder_group.id")


class Position(SQLModel, table=True):
    """One member's stance on a proposal, attributed to their primary group when taken."""

    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id", name="uq_position_proposal_user"),
        Index("ix_position_team_updated", "consortium_id", "updated_at"),  # a digest's participation by period
    )
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    user_id: str = Field(max_length=32)
    group_id: int | None = Field(default=None, foreign_key="stakeholder_group.id")
    organisation: str | None = Field(default=None, max_length=200)  # the member's, when taken
    choice: PositionChoice = Field(sa_type=String(16))
    reason: str | None = _text(default=None)  # type: ignore[assignment]
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]
    updated_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]
    proxy_by: str | None = Field(default=None, max_length=32)  # the alternate who took it for the member


class Proxy(SQLModel, table=True):
    """A member's alternate (`/proxy`), who may take their positions: until a date, for one proposal or all;
    ``revoked_at`` once replaced or turned off."""

    __table_args__ = (Index("ix_proxy_alternate", "consortium_id", "alternate_id"),
                      # one proxy in force per member: of two set at once, the second replaces the first
                      Index("uq_proxy_in_force", "consortium_id", "member_id", unique=True,
                            sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")))
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    member_id: str = Field(max_length=32, index=True)
    alternate_id: str = Field(max_length=32)
    until: date | None = Field(default=None)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]
    revoked_at: datetime | None = _ts(default=None)  # type: ignore[assignment]


class ProposalConflict(SQLModel, table=True):
    """A member's declared conflict of interest on a proposal: their position does not count there."""

    __tablename__ = "proposal_conflict"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id", name="uq_conflict_proposal_user"),)
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    user_id: str = Field(max_length=32)
    statement: str = _text()  # type: ignore[assignment]
    declared_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class Decision(SQLModel, table=True):
    """A recorded decision with who, when, where and why."""

    __table_args__ = (
        Index("ix_decision_team_created", "consortium_id", "created_at"),  # a digest's period
        Index("ix_decision_team_review", "consortium_id", "review_on"),  # a digest's "due for review"
    )
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", index=True, max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    text: str = _text()  # type: ignore[assignment]
    rationale: str | None = _text(default=None)  # type: ignore[assignment]
    status: DecisionStatus = Field(default=DecisionStatus.ACTIVE, sa_type=String(16))
    channel_id: str = Field(max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    permalink: str | None = Field(default=None, max_length=500)
    recorded_by: str = Field(max_length=32)
    source: str = Field(default="command", max_length=16)
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", unique=True)
    revoked_by: str | None = Field(default=None, max_length=32)
    revoked_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    revoke_reason: str | None = _text(default=None)  # type: ignore[assignment]
    review_on: date | None = Field(default=None, index=True)  # the day it is due for review
    review_reminded_on: date | None = Field(default=None)  # the review day whose reminder was claimed
    supersedes: int | None = Field(default=None, foreign_key="decision.id", unique=True)  # the decision it replaced
    superseded_by: int | None = Field(default=None, foreign_key="decision.id")  # the decision that replaced it
    progress_ts: str | None = Field(default=None, max_length=32)  # its "N of M commitments done" thread reply


class Commitment(SQLModel, table=True):
    """An action item owned by one user, with an optional due date."""

    # A digest counts and lists each group's open commitments, overdue first by due date; the
    # scheduler sweeps open commitments whose next follow-through step has come (``follow_at``).
    __table_args__ = (Index("ix_commitment_open_by_group", "consortium_id", "status", "group_id", "due_date", "id"),
                      Index("ix_commitment_follow_due", "status", "follow_at"),
                      # a digest's decisions being carried out: the few open commitments that name one
                      Index("ix_commitment_open_decision", "consortium_id", "status", "decision_id"))
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", index=True, max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    text: str = _text()  # type: ignore[assignment]
    owner_id: str = Field(max_length=32, index=True)
    group_id: int | None = Field(default=None, foreign_key="stakeholder_group.id")
    organisation: str | None = Field(default=None, max_length=200)  # the owner's, when recorded
    due_date: date | None = Field(default=None)
    status: CommitmentStatus = Field(default=CommitmentStatus.OPEN, sa_type=String(16), index=True)
    channel_id: str = Field(max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    permalink: str | None = Field(default=None, max_length=500)
    source: str = Field(default="command", max_length=16)
    created_by: str = Field(max_length=32)
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]
    updated_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]
    decision_id: int | None = Field(default=None, foreign_key="decision.id", index=True)  # the decision it carries out
    # Follow-through: 09:00 of the due date in the owner's zone; the next step (0 remind the owner, 1 the
    # organisation's focal point, 2 the facilitators, 3 none left) and when it is due; the generation
    # moves on when the due date changes, so the steps of the new date are new.
    due_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    follow_step: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    follow_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    follow_generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class CommitmentUpdate(SQLModel, table=True):
    """One change of a commitment's status, with its note."""

    __tablename__ = "commitment_update"
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    user_id: str = Field(max_length=32)
    old_status: CommitmentStatus = Field(sa_type=String(16))
    new_status: CommitmentStatus = Field(sa_type=String(16))
    note: str | None = _text(default=None)  # type: ignore[assignment]
    source: str = Field(default="command", max_length=16)
    checkin_round_id: int | None = Field(default=None, foreign_key="checkin_round.id")
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class CheckinRound(SQLModel, table=True):
    """One check-in of one group; (group, due_at) is claimed once across processes."""

    __tablename__ = "checkin_round"
    __table_args__ = (UniqueConstraint("group_id", "due_at", name="uq_round_group_due"),)
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", index=True, max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    group_id: int = Field(foreign_key="stakeholder_group.id", index=True)
    due_at: datetime = _ts()  # type: ignore[assignment]
    trigger: str = Field(default="schedule", max_length=16)
    opened_by: str | None = Field(default=None, max_length=32)
    opened_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]
    remind_at: datetime = _ts()  # type: ignore[assignment]
    closes_at: datetime = _ts()  # type: ignore[assignment]
    reminded_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    closed_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    summary_ts: str | None = Field(default=None, max_length=32)
    summary_attempts: int = Field(default=0)
    summary_retry_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    summary_lease_until: datetime | None = _ts(default=None)  # type: ignore[assignment]


class CheckinPrompt(SQLModel, table=True):
    """A member asked in a round, and the delivery state of their direct message."""

    __tablename__ = "checkin_prompt"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_prompt_round_user"),)
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    round_id: int = Field(foreign_key="checkin_round.id", index=True)
    user_id: str = Field(max_length=32)
    status: PromptStatus = Field(default=PromptStatus.PENDING, sa_type=String(16), index=True)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=200)
    next_attempt_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    lease_until: datetime | None = _ts(default=None)  # type: ignore[assignment]
    dm_channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32, index=True)
    sent_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    reminded_at: datetime | None = _ts(default=None)  # type: ignore[assignment]


class CheckinResponse(SQLModel, table=True):
    """A member's answer in a round (the modal, or a reply in the prompt's thread)."""

    __tablename__ = "checkin_response"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_response_round_user"),)
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    round_id: int = Field(foreign_key="checkin_round.id", index=True)
    user_id: str = Field(max_length=32)
    organisation: str | None = Field(default=None, max_length=200)  # the member's, when they answered
    text: str | None = _text(default=None)  # type: ignore[assignment]
    blockers: str | None = _text(default=None)  # type: ignore[assignment]
    source: str = Field(default="modal", max_length=16)
    responded_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class DigestSchedule(SQLModel, table=True):
    """A channel's recurring digest."""

    __tablename__ = "digest_schedule"
    __table_args__ = (UniqueConstraint("consortium_id", "channel_id", name="uq_digest_schedule_channel"),)
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    channel_id: str = Field(max_length=32)
    days: str = Field(max_length=40)
    time: str = Field(max_length=5)
    timezone: str = Field(default="UTC", max_length=64)
    created_by: str = Field(max_length=32)
    updated_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class DigestRun(SQLModel, table=True):
    """One digest of a channel; (team, channel, run_key) is claimed once."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("consortium_id", "channel_id", "run_key", name="uq_digest_run_key"),)
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    channel_id: str = Field(max_length=32, index=True)
    run_key: str = Field(max_length=64)
    trigger: str = Field(default="command", max_length=16)
    period_start: datetime = _ts()  # type: ignore[assignment]
    period_end: datetime = _ts()  # type: ignore[assignment]
    status: DigestRunStatus = Field(default=DigestRunStatus.PENDING, sa_type=String(16), index=True)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=200)
    next_attempt_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    lease_until: datetime | None = _ts(default=None)  # type: ignore[assignment]
    message_ts: str | None = Field(default=None, max_length=32)
    requested_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]
    posted_at: datetime | None = _ts(default=None)  # type: ignore[assignment]


class AuditLog(SQLModel, table=True):
    """Every change, who made it and when."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", index=True, max_length=32)
    team_id: str | None = Field(default=None, max_length=32)  # the workspace it came from
    actor_id: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: str | None = Field(default=None, max_length=64)
    detail: str | None = _text(default=None)  # type: ignore[assignment]
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class ProcessedEvent(SQLModel, table=True):
    """A Slack delivery already handled: (team, key) is claimed before the work."""

    __tablename__ = "processed_event"
    team_id: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=128)
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class InboxRequest(SQLModel, table=True):
    """A Slack request stored before its ack; worked from here, marked done with the record it makes.

    ``key`` is the request's natural delivery key (event id or message, trigger id, view id and
    hash): Slack's retries and replayed bodies find it taken. A row is leased to one worker at a
    time (``lease_token``/``lease_until``); a lease that expires is taken over by any process.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_inbox_key"),
        Index("ix_inbox_state_lease", "state", "lease_until"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    key: str = Field(max_length=200)
    body: str = _text()  # type: ignore[assignment]
    state: InboxState = Field(default=InboxState.PENDING, sa_type=String(16))
    attempts: int = Field(default=0)
    lease_token: str | None = Field(default=None, max_length=32)
    lease_until: datetime | None = _ts(default=None)  # type: ignore[assignment]
    last_error: str | None = Field(default=None, max_length=200)
    received_at: datetime = _ts(default_factory=utcnow, index=True)  # type: ignore[assignment]
    done_at: datetime | None = _ts(default=None)  # type: ignore[assignment]


class OutboxMessage(SQLModel, table=True):
    """Something Accord must post to Slack: claimed by lease, sent, marked sent (or failed).

    ``kind`` names the renderer that builds the Web API call at send time from ``ref`` (JSON);
    ``key`` makes enqueueing the same thing twice a no-op, and ``generation`` lets a re-armed row
    (a live message that changed again while it was being sent) be sent once more. ``after_id``
    holds a message back until the message it replies under has been sent (its ``result_ts``).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_outbox_key"),
        Index("ix_outbox_state_due", "state", "next_attempt_at"),
        Index("ix_outbox_team_state", "team_id", "state"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    kind: str = Field(max_length=40)
    key: str = Field(max_length=200)
    ref: str = _text(default="{}")  # type: ignore[assignment]
    after_id: int | None = Field(default=None)
    state: OutboxState = Field(default=OutboxState.PENDING, sa_type=String(16))
    generation: int = Field(default=0)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]
    lease_token: str | None = Field(default=None, max_length=32)
    lease_until: datetime | None = _ts(default=None)  # type: ignore[assignment]
    last_error: str | None = Field(default=None, max_length=200)
    result_ts: str | None = Field(default=None, max_length=32)
    result_channel: str | None = Field(default=None, max_length=32)
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]
    sent_at: datetime | None = _ts(default=None)  # type: ignore[assignment]


class CalendarFeed(SQLModel, table=True):
    """A member's calendar feed in one consortium: served at ``/calendar/<token>.ics``.

    The token is kept as it is (not hashed) because the App Home shows the member their link every
    time they open it; it is 32 random bytes, only ever compared whole, and "New link" replaces it.
    """

    __tablename__ = "calendar_feed"
    __table_args__ = (UniqueConstraint("consortium_id", "user_id", name="uq_calendar_feed_member"),
                      UniqueConstraint("token", name="uq_calendar_feed_token"))
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", max_length=32)
    user_id: str = Field(max_length=32)
    token: str = Field(max_length=64)
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class UserName(SQLModel, table=True):
    """How a member is called, as Slack said when Accord last looked them up (`users.info`), for the
    terminal (the CLI's digest) where Slack cannot render ``<@U…>``. A cache: absent means "show the id"."""

    __tablename__ = "user_name"
    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    updated_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]


class ConsortiumInvite(SQLModel, table=True):
    """A one-time code by which another installation joins a consortium (`/accord invite`, `/accord join`).

    Only the code's SHA-256 is kept; it works once, until ``expires_at``.
    """

    __tablename__ = "consortium_invite"
    id: int | None = Field(default=None, primary_key=True)
    consortium_id: str = Field(foreign_key="consortium.id", index=True, max_length=32)
    code_hash: str = Field(max_length=64, unique=True)
    created_by: str = Field(max_length=32)
    created_at: datetime = _ts(default_factory=utcnow)  # type: ignore[assignment]
    expires_at: datetime = _ts()  # type: ignore[assignment]
    used_at: datetime | None = _ts(default=None)  # type: ignore[assignment]
    used_by: str | None = Field(default=None, max_length=32)  # who ran `/accord join`
    used_workspace: str | None = Field(default=None, max_length=32)  # the installation it linked
