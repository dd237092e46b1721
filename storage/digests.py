"""The fixed set of queries a digest is built from, and the home channels that scope it.

Every query answers for a whole digest at once (counts grouped in SQL, the first rows of each
group through a window function), so building a digest costs the same number of statements
whether a team has ten open commitments or ten thousand.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, or_, union_all
from sqlmodel import Session, col, select

from storage.models import (
    CheckinPrompt,
    CheckinResponse,
    CheckinRound,
    Commitment,
    Decision,
    DigestRun,
    DigestSchedule,
    GroupMembership,
    Position,
    Proposal,
    ProposalGroup,
    StakeholderGroup,
)

# --- what a digest is built from -----------------------------------------------------------


def decisions_with_open_commitments(session: Session, *, consortium_id: str, group_ids: Collection[int] | None,
                                    limit: int) -> tuple[list[Decision], int]:
    """Decisions that open commitments carry out (of these groups when given), the latest first, and how many."""
    linked = select(Commitment.decision_id).where(
        Commitment.consortium_id == consortium_id, col(Commitment.status) == "open",
        col(Commitment.decision_id).is_not(None))
    if group_ids is not None:
        linked = linked.where(col(Commitment.group_id).in_(list(group_ids)))
    query = select(Decision).where(Decision.consortium_id == consortium_id, col(Decision.id).in_(linked))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Decision.id).desc()).limit(limit))
    return list(rows), int(total)


def home_group_ids(session: Session, *, consortium_id: str, channel_id: str) -> list[int]:
    """Groups whose home channel this is."""
    query = select(StakeholderGroup.id).where(StakeholderGroup.consortium_id == consortium_id,
                                              StakeholderGroup.channel_id == channel_id)
    return [gid for gid in session.exec(query.order_by(col(StakeholderGroup.id))) if gid is not None]


def channel_is_known(session: Session, *, consortium_id: str, channel_id: str) -> bool:
    """Whether anything of this consortium names the channel: a record made there, a group's home, a digest."""
    models: tuple[Any, ...] = (StakeholderGroup, Decision, Commitment, Proposal, DigestSchedule, DigestRun)
    checks = [exists().where(col(model.consortium_id) == consortium_id, col(model.channel_id) == channel_id)
              for model in models]
    return bool(session.exec(select(or_(*checks))).one())


def _members_of(group_ids: Collection[int]):  # type: ignore[no-untyped-def]
    return select(GroupMembership.user_id).where(col(GroupMembership.group_id).in_(list(group_ids)))


def _proposals_requiring(group_ids: Collection[int]):  # type: ignore[no-untyped-def]
    return select(ProposalGroup.proposal_id).where(col(ProposalGroup.group_id).in_(list(group_ids)))


def list_period_decisions(session: Session, *, consortium_id: str, start: datetime, end: datetime,
                          channel_id: str | None, group_ids: Collection[int] | None,
                          limit: int) -> tuple[list[Decision], int]:
    """Decisions recorded in ``(start, end]`` (oldest first, at most ``limit``) and how many in all.

    With ``group_ids`` only those of ``channel_id`` and of proposals requiring those groups.
    """
    where: list[Any] = [Decision.consortium_id == consortium_id, col(Decision.created_at) > start,
                        col(Decision.created_at) <= end]
    if group_ids is not None:
        where.append(or_(col(Decision.channel_id) == channel_id,
                         col(Decision.proposal_id).in_(_proposals_requiring(group_ids))))
    total = session.exec(select(func.count()).select_from(Decision).where(*where)).one()
    rows = session.exec(select(Decision).where(*where).order_by(col(Decision.created_at), col(Decision.id))
                        .limit(limit))
    return list(rows), int(total)


def list_due_for_review(session: Session, *, consortium_id: str, today: date, channel_id: str | None,
                        group_ids: Collection[int] | None, limit: int) -> tuple[list[Decision], int]:
    """Active decisions whose review day is ``today`` or past (earliest first, at most ``limit``) and how
    many in all, in one query; scoped as :func:`list_period_decisions`."""
    where: list[Any] = [Decision.consortium_id == consortium_id, col(Decision.review_on) <= today,
                        col(Decision.status) == "active"]
    if group_ids is not None:
        where.append(or_(col(Decision.channel_id) == channel_id,
                         col(Decision.proposal_id).in_(_proposals_requiring(group_ids))))
    query = (select(Decision, func.count().over()).where(*where)
             .order_by(col(Decision.review_on), col(Decision.id)).limit(limit))
    rows = list(session.exec(query))
    return [decision for decision, _ in rows], int(rows[0][1]) if rows else 0


def _open_commitments(consortium_id: str, group_ids: Collection[int] | None) -> list[Any]:
    where: list[Any] = [Commitment.consortium_id == consortium_id, Commitment.status == "open"]
    if group_ids is not None:
        where.append(col(Commitment.owner_id).in_(_members_of(group_ids)))
    return where


def _overdue(today: date):  # type: ignore[no-untyped-def]
    return and_(col(Commitment.due_date).is_not(None), col(Commitment.due_date) < today)


def open_commitment_counts(session: Session, *, consortium_id: str, today: date,
                           group_ids: Collection[int] | None) -> dict[int | None, tuple[int, int]]:
    """Commitment group id → (open, overdue), for the open commitments in scope."""
    overdue = func.sum(case((_overdue(today), 1), else_=0))
    query = (select(Commitment.group_id, func.count(), overdue)
             .where(*_open_commitments(consortium_id, group_ids)).group_by(col(Commitment.group_id)))
    return {gid: (int(n), int(late or 0)) for gid, n, late in session.exec(query)}


def _first_open_statement(groups: int, ungrouped: bool, scoped: bool) -> Any:
    """``first_open_commitments``'s statement for ``groups`` groups (and the ungrouped ones), built once
    per shape: the consortium, the groups, the scope and the bound are parameters ``cid``, ``g0``…,
    ``scope`` and ``per_group``."""
    where: list[Any] = [Commitment.consortium_id == bindparam("cid"), Commitment.status == "open"]
    if scoped:
        members = select(GroupMembership.user_id).where(
            col(GroupMembership.group_id).in_(bindparam("scope", expanding=True)))
        where.append(col(Commitment.owner_id).in_(members))
    which = [col(Commitment.group_id) == bindparam(f"g{i}") for i in range(groups)]
    if ungrouped:
        which.append(col(Commitment.group_id).is_(None))
    parts = []
    for in_group in which:
        dated = (select(col(Commitment.id)).where(*where, in_group, col(Commitment.due_date).is_not(None))
                 .order_by(col(Commitment.due_date), col(Commitment.id)).limit(bindparam("per_group")).subquery())
        undated = (select(col(Commitment.id)).where(*where, in_group, col(Commitment.due_date).is_(None))
                   .order_by(col(Commitment.id)).limit(bindparam("per_group")).subquery())
        parts += [select(dated.c.id), select(undated.c.id)]
    wanted = union_all(*parts).subquery()
    return (select(Commitment).where(col(Commitment.id).in_(select(wanted.c.id)))
            .order_by(col(Commitment.due_date).is_(None), col(Commitment.due_date), col(Commitment.id)))


_FIRST_OPEN: dict[tuple[int, bool, bool], Any] = {}
FIRST_OPEN_SHAPES = 256  # statements kept (a shape is a number of groups)


def first_open_commitments(session: Session, *, consortium_id: str, group_ids: Collection[int] | None,
                           commitment_groups: Collection[int | None], per_group: int) -> list[Commitment]:
    """The first ``per_group`` open commitments of each of ``commitment_groups``, by due date (so the
    overdue first), those without a date last.

    One statement whatever the data: for each group, two bounded reads of the
    ``ix_commitment_open_by_group`` index (dated ones in date order, undated ones by id). The
    statement is built once per number of groups and reused with its values bound.
    """
    grouped = [gid for gid in commitment_groups if gid is not None]
    ungrouped = len(grouped) < len(commitment_groups)
    if not commitment_groups:
        return []
    shape = (len(grouped), ungrouped, group_ids is not None)
    query = _FIRST_OPEN.get(shape)
    if query is None:
        query = _first_open_statement(*shape)
        if len(_FIRST_OPEN) < FIRST_OPEN_SHAPES:
            _FIRST_OPEN[shape] = query
    params: dict[str, Any] = {"cid": consortium_id, "per_group": per_group,
                              **{f"g{i}": gid for i, gid in enumerate(grouped)}}
    if group_ids is not None:
        params["scope"] = list(group_ids)
    shown: dict[int | None, int] = {}
    rows = []
    for row in session.exec(query, params=params):
        if shown.get(row.group_id, 0) < per_group:
            shown[row.group_id] = shown.get(row.group_id, 0) + 1
            rows.append(row)
    return rows


def list_open_proposals(session: Session, *, consortium_id: str, channel_id: str | None,
                        group_ids: Collection[int] | None, limit: int) -> tuple[list[Proposal], int]:
    """Open proposals in scope, closing soonest first (at most ``limit``), and how many in all."""
    where: list[Any] = [Proposal.consortium_id == consortium_id, Proposal.status == "open"]
    if group_ids is not None:
        where.append(or_(col(Proposal.channel_id) == channel_id,
                         col(Proposal.id).in_(_proposals_requiring(group_ids))))
    total = session.exec(select(func.count()).select_from(Proposal).where(*where)).one()
    rows = session.exec(select(Proposal).where(*where).order_by(col(Proposal.closes_at), col(Proposal.id))
                        .limit(limit))
    return list(rows), int(total)


def list_closed_proposals(session: Session, *, consortium_id: str, start: datetime, end: datetime,
                          channel_id: str | None, group_ids: Collection[int] | None,
                          limit: int) -> list[Proposal]:
    """Proposals closed in ``(start, end]`` in scope, oldest first."""
    where: list[Any] = [Proposal.consortium_id == consortium_id, Proposal.status == "closed",
                        col(Proposal.closed_at) > start,
             col(Proposal.closed_at) <= end]
    if group_ids is not None:
        where.append(or_(col(Proposal.channel_id) == channel_id,
                         col(Proposal.id).in_(_proposals_requiring(group_ids))))
    return list(session.exec(select(Proposal).where(*where).order_by(col(Proposal.closed_at)).limit(limit)))


def required_group_ids(session: Session, *, consortium_id: str,
                       proposal_ids: Collection[int]) -> dict[int, list[int]]:
    """Proposal id → the groups whose position it requires."""
    if not proposal_ids:
        return {}
    query = (select(ProposalGroup.proposal_id, ProposalGroup.group_id)
             .where(ProposalGroup.consortium_id == consortium_id,
                    col(ProposalGroup.proposal_id).in_(list(proposal_ids)))
             .order_by(col(ProposalGroup.id)))
    result: dict[int, list[int]] = {pid: [] for pid in proposal_ids}
    for pid, gid in session.exec(query):
        result[pid].append(gid)
    return result


def checkin_participation(session: Session, *, consortium_id: str, start: datetime, end: datetime,
                          group_ids: Collection[int] | None) -> dict[int, tuple[int, int, int]]:
    """Group id → (rounds, members asked, members who answered) for rounds opened in ``(start, end]``.

    A member whose prompt could not be delivered at all was not asked.
    """
    asked = (select(func.count()).select_from(CheckinPrompt)
             .where(CheckinPrompt.round_id == CheckinRound.id, CheckinPrompt.status != "failed")
             .correlate(CheckinRound).scalar_subquery())
    answered = (select(func.count()).select_from(CheckinResponse)
                .where(CheckinResponse.round_id == CheckinRound.id).correlate(CheckinRound).scalar_subquery())
    where: list[Any] = [CheckinRound.consortium_id == consortium_id, col(CheckinRound.opened_at) > start,
             col(CheckinRound.opened_at) <= end]
    if group_ids is not None:
        where.append(col(CheckinRound.group_id).in_(list(group_ids)))
    result: dict[int, tuple[int, int, int]] = {}
    query = select(CheckinRound.group_id, asked, answered).where(*where)
    for gid, n_asked, n_answered in session.exec(query):
        rounds, total_asked, total_answered = result.get(gid, (0, 0, 0))
        result[gid] = (rounds + 1, total_asked + int(n_asked), total_answered + int(n_answered))
    return result


def contributions(session: Session, *, consortium_id: str, start: datetime,
                  end: datetime) -> tuple[dict[int, int], dict[int, int]]:
    """(positions taken or changed, check-in answers) per group in ``(start, end]``."""
    positions = (select(Position.group_id, func.count())
                 .where(Position.consortium_id == consortium_id, col(Position.group_id).is_not(None),
                        col(Position.updated_at) > start, col(Position.updated_at) <= end)
                 .group_by(col(Position.group_id)))
    answers = (select(CheckinRound.group_id, func.count()).select_from(CheckinResponse)
               .join(CheckinRound, col(CheckinRound.id) == CheckinResponse.round_id)
               .where(CheckinResponse.consortium_id == consortium_id, col(CheckinResponse.responded_at) > start,
                      col(CheckinResponse.responded_at) <= end)
               .group_by(col(CheckinRound.group_id)))
    return ({gid: int(n) for gid, n in session.exec(positions) if gid is not None},
            {gid: int(n) for gid, n in session.exec(answers)})
