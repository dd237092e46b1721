"""The scheduler's cross-tenant sweeps: what has come due in every team.

Every other query and write of storage takes the tenant (``consortium_id``) it works on. These are
the only reads that look across teams, for the scheduler and the worker's catch-up: each returns
the team of what it found, and what is done with it next is done in that team.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, cast, func, literal, or_, union, update
from sqlmodel import Session, col, select

from storage.models import (
    AuditLog,
    CheckinResponse,
    CheckinRound,
    Commitment,
    CommitmentUpdate,
    Decision,
    DigestRun,
    DigestSchedule,
    GroupMembership,
    OutboxMessage,
    Position,
    Proposal,
    ProposalConflict,
    StakeholderGroup,
    UserName,
    Workspace,
)

# --- check-ins ---------------------------------------------------------------------------------

def list_scheduled_groups(session: Session) -> list[StakeholderGroup]:
    """Groups of every team that have a check-in schedule."""
    query = select(StakeholderGroup).where(
        col(StakeholderGroup.checkin_days).is_not(None), col(StakeholderGroup.checkin_time).is_not(None)
    )
    return list(session.exec(query.order_by(col(StakeholderGroup.id))))


def round_keys_since(session: Session, *, group_ids: Iterable[int], since: datetime) -> set[tuple[int, datetime]]:
    """(group id, due time) of the rounds of these groups due after ``since``."""
    ids = list(group_ids)
    if not ids:
        return set()
    query = select(CheckinRound.group_id, CheckinRound.due_at).where(
        col(CheckinRound.group_id).in_(ids), CheckinRound.due_at > since)
    return {(group_id, due_at) for group_id, due_at in session.exec(query)}


def due_rounds(session: Session, *, column: str, now: datetime, limit: int = 50) -> list[tuple[str, int]]:
    """(team, id) of open rounds whose ``remind_at``/``closes_at`` has passed and whose reminder/closing is
    not done, in every team."""
    at, done = ((CheckinRound.remind_at, CheckinRound.reminded_at) if column == "remind"
                else (CheckinRound.closes_at, CheckinRound.closed_at))
    query = select(CheckinRound.consortium_id, CheckinRound.id).where(col(at) <= now, col(done).is_(None),
                                                                 col(CheckinRound.closed_at).is_(None))
    return [(consortium_id, rid) for consortium_id,
            rid in session.exec(query.order_by(col(CheckinRound.id)).limit(limit))
            if rid is not None]


# --- digests -----------------------------------------------------------------------------------

def list_schedules(session: Session) -> list[DigestSchedule]:
    """Every digest schedule of every team (the scheduler's view)."""
    return list(session.exec(select(DigestSchedule).order_by(col(DigestSchedule.id))))


def existing_run_keys(session: Session, *,
                      keys: Collection[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """Which of these (team, channel, run_key) runs exist already (one query)."""
    if not keys:
        return set()
    query = select(DigestRun.consortium_id, DigestRun.channel_id, DigestRun.run_key).where(
        col(DigestRun.run_key).in_(sorted({k[2] for k in keys})))
    found = {(t, c, k) for t, c, k in session.exec(query)}
    return found & set(keys)


def list_unqueued_runs(session: Session, *, key_prefix: str, limit: int = 20) -> list[DigestRun]:
    """Pending runs with no outbox row keyed ``key_prefix + id`` (runs claimed before digests used the outbox)."""
    key = literal(key_prefix) + cast(DigestRun.id, String)
    queued = select(OutboxMessage.id).where(col(OutboxMessage.key) == key).exists()
    query = (select(DigestRun).where(DigestRun.status == "pending", ~queued)
             .order_by(col(DigestRun.period_end), col(DigestRun.id)).limit(limit))
    return list(session.exec(query))


# --- proposals ---------------------------------------------------------------------------------

def list_due_to_close(session: Session, *, now: datetime) -> list[tuple[str, int]]:
    """(team, id) of every open proposal whose closing time has come, in every team."""
    query = select(Proposal.consortium_id, Proposal.id).where(col(Proposal.status) == "open",
                                                        col(Proposal.closes_at) <= now)
    return [(consortium_id, pid) for consortium_id, pid in session.exec(query.order_by(col(Proposal.closes_at)))
            if pid is not None]


def list_reminder_candidates(session: Session, *, now: datetime, horizon: datetime) -> list[Proposal]:
    """Open, not yet reminded proposals of every team closing after ``now`` and by ``horizon``."""
    query = select(Proposal).where(
        col(Proposal.status) == "open", col(Proposal.reminded_at).is_(None),
        col(Proposal.closes_at) > now, col(Proposal.closes_at) <= horizon,
    )
    return list(session.exec(query.order_by(col(Proposal.closes_at))))


def claim_reminders(session: Session, *, proposal_ids: Sequence[int], now: datetime) -> list[int]:
    """Claim the reminder of each open, not yet reminded proposal; returns the ids this caller won."""
    if not proposal_ids:
        return []
    statement = update(Proposal).where(
        col(Proposal.id).in_(list(proposal_ids)), col(Proposal.status) == "open",
        col(Proposal.reminded_at).is_(None),
    ).values(reminded_at=now).returning(col(Proposal.id)).execution_options(synchronize_session=False)
    return sorted(int(row[0]) for row in session.execute(statement))


def list_unannounced(session: Session) -> list[tuple[str, int]]:
    """(team, id) of closed proposals whose closing was not announced yet, in every team."""
    query = select(Proposal.consortium_id, Proposal.id).where(
        col(Proposal.status) == "closed", col(Proposal.announced_at).is_(None))
    rows = session.exec(query.order_by(col(Proposal.id)))
    return [(consortium_id, pid) for consortium_id, pid in rows if pid is not None]


# --- decisions ---------------------------------------------------------------------------------

def list_review_candidates(session: Session, *, until: date, limit: int = 100) -> list[Decision]:
    """Active decisions of every team whose review day is ``until`` or earlier and not yet reminded of,
    earliest first."""
    query = select(Decision).where(
        col(Decision.review_on) <= until, col(Decision.status) == "active",
        or_(col(Decision.review_reminded_on).is_(None), col(Decision.review_reminded_on) != col(Decision.review_on)),
    )
    return list(session.exec(query.order_by(col(Decision.review_on), col(Decision.id)).limit(limit)))
# --- commitments' follow-through -------------------------------------------------------------------

def list_unarmed_commitments(session: Session, *, limit: int = 100) -> list[Commitment]:
    """Open commitments of every team with a due date whose follow-through is not armed yet (new, or re-dated)."""
    query = select(Commitment).where(
        col(Commitment.status) == "open", col(Commitment.follow_at).is_(None), col(Commitment.due_at).is_(None),
        col(Commitment.due_date).is_not(None))
    return list(session.exec(query.order_by(col(Commitment.id)).limit(limit)))


def list_due_follow_steps(session: Session, *, now: datetime, limit: int = 50) -> list[Commitment]:
    """Open commitments of every team whose next follow-through step has come, the longest waiting first."""
    query = select(Commitment).where(col(Commitment.status) == "open", col(Commitment.follow_at).is_not(None),
                                     col(Commitment.follow_at) <= now)
    return list(session.exec(query.order_by(col(Commitment.follow_at), col(Commitment.id)).limit(limit)))


# --- members' names ----------------------------------------------------------------------------

# Where the people a record names stand: (table, column), read with the table's tenant and workspace.
_PEOPLE_COLUMNS: tuple[tuple[Any, Any], ...] = (
    (Decision, Decision.recorded_by), (Decision, Decision.revoked_by),
    (Commitment, Commitment.owner_id), (Commitment, Commitment.created_by),
    (CommitmentUpdate, CommitmentUpdate.user_id),
    (Proposal, Proposal.author_id), (Position, Position.user_id), (Position, Position.proxy_by),
    (ProposalConflict, ProposalConflict.user_id), (CheckinResponse, CheckinResponse.user_id),
    (GroupMembership, GroupMembership.user_id), (AuditLog, AuditLog.actor_id),
)


def list_unnamed_members(session: Session, *, named_since: datetime, tried_since: datetime,
                         skip_workspaces: Collection[str] = (), limit: int = 50) -> list[tuple[str, str, str]]:
    """(consortium, workspace, user) of people records name, in every consortium, with no name known there
    since ``named_since`` and no failed lookup since ``tried_since``.

    The workspace is the record's when it belongs to the record's consortium, else the consortium's first
    (a Slack Connect member's own workspace may have no installation): the one to ask and to file the name
    under. Those of ``skip_workspaces`` are left out.
    """
    people = union(*[select(table.consortium_id.label("consortium_id"), table.team_id.label("team_id"),
                            column.label("user_id")).where(column.is_not(None))
                     for table, column in _PEOPLE_COLUMNS]).subquery("person")
    own = select(Workspace.id).where(Workspace.id == people.c.team_id,
                                     Workspace.consortium_id == people.c.consortium_id).scalar_subquery()
    first = select(func.min(Workspace.id)).where(Workspace.consortium_id == people.c.consortium_id).scalar_subquery()
    workspace = func.coalesce(own, first)
    known = (select(UserName.user_id).join(Workspace, col(Workspace.id) == col(UserName.team_id))
             .where(Workspace.consortium_id == people.c.consortium_id, UserName.user_id == people.c.user_id,
                    or_(and_(col(UserName.name) != "", col(UserName.updated_at) >= named_since),
                        col(UserName.updated_at) >= tried_since))
             .exists())
    query = (select(people.c.consortium_id, workspace.label("workspace"), people.c.user_id)
             .where(~known, workspace.is_not(None)).distinct())
    if skip_workspaces:
        query = query.where(workspace.not_in(sorted(skip_workspaces)))
    rows = session.execute(query.order_by(people.c.consortium_id, people.c.user_id).limit(limit))
    return [(consortium_id, workspace_id, user_id) for consortium_id, workspace_id, user_id in rows]
