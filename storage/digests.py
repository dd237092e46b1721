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

from storage.db import built, run_built
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
#
# Every statement is built once per shape (the whole consortium, or a home channel's groups) and
# run with its values bound: ``cid`` the consortium, ``channel`` the digest's channel, ``scope``
# the home channel's groups, ``limit`` the rows shown. Counts come with the rows they count
# (``count(*) OVER ()``) where a list is shown, so a list and its total are one statement.


def _scoped(model: Any, scoped: bool) -> list[Any]:
    """A home channel's digest: records made in the channel, or of proposals requiring its groups."""
    if not scoped:
        return []
    requiring = select(ProposalGroup.proposal_id).where(
        col(ProposalGroup.group_id).in_(bindparam("scope", expanding=True)))
    key = col(model.id) if model is Proposal else col(model.proposal_id)
    return [or_(col(model.channel_id) == bindparam("channel"), key.in_(requiring))]


def _params(consortium_id: str, channel_id: str | None, group_ids: Collection[int] | None,
            **values: Any) -> dict[str, Any]:
    params = {"cid": consortium_id, "channel": channel_id, **values}
    if group_ids is not None:
        params["scope"] = list(group_ids)
    return params


def _listed(session: Session, key: tuple[Any, ...], build: Any, params: dict[str, Any]) -> tuple[list[Any], int]:
    """A list of model rows and the total it was cut from, from one statement selecting (row, total)."""
    rows = session.execute(built(key, build), params).all()
    return [row for row, _ in rows], int(rows[0][1]) if rows else 0


def decisions_with_open_commitments(session: Session, *, consortium_id: str, group_ids: Collection[int] | None,
                                    limit: int) -> tuple[list[Decision], int]:
    """Decisions that open commitments carry out (of these groups when given), the latest first, and how many."""
    def build() -> Any:
        linked = select(Commitment.decision_id).where(
            Commitment.consortium_id == bindparam("cid"), col(Commitment.status) == "open",
            col(Commitment.decision_id).is_not(None))
        if group_ids is not None:
            linked = linked.where(col(Commitment.group_id).in_(bindparam("scope", expanding=True)))
        return (select(Decision, func.count().over())
                .where(Decision.consortium_id == bindparam("cid"), col(Decision.id).in_(linked))
                .order_by(col(Decision.id).desc()).limit(bindparam("limit")))
    return _listed(session, ("digest.carried_out", group_ids is not None), build,
                   _params(consortium_id, None, group_ids, limit=limit))


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


def list_period_decisions(session: Session, *, consortium_id: str, start: datetime, end: datetime,
                          channel_id: str | None, group_ids: Collection[int] | None,
                          limit: int) -> tuple[list[Decision], int]:
    """Decisions recorded in ``(start, end]`` (oldest first, at most ``limit``) and how many in all.

    With ``group_ids`` only those of ``channel_id`` and of proposals requiring those groups.
    """
    def build() -> Any:
        return (select(Decision, func.count().over())
                .where(Decision.consortium_id == bindparam("cid"), col(Decision.created_at) > bindparam("start"),
                       col(Decision.created_at) <= bindparam("end"), *_scoped(Decision, group_ids is not None))
                .order_by(col(Decision.created_at), col(Decision.id)).limit(bindparam("limit")))
    return _listed(session, ("digest.period_decisions", group_ids is not None), build,
                   _params(consortium_id, channel_id, group_ids, start=start, end=end, limit=limit))


def list_due_for_review(session: Session, *, consortium_id: str, today: date, channel_id: str | None,
                        group_ids: Collection[int] | None, limit: int) -> tuple[list[Decision], int]:
    """Active decisions whose review day is ``today`` or past (earliest first, at most ``limit``) and how
    many in all, in one query; scoped as :func:`list_period_decisions`."""
    def build() -> Any:
        return (select(Decision, func.count().over())
                .where(Decision.consortium_id == bindparam("cid"), col(Decision.review_on) <= bindparam("today"),
                       col(Decision.status) == "active", *_scoped(Decision, group_ids is not None))
                .order_by(col(Decision.review_on), col(Decision.id)).limit(bindparam("limit")))
    return _listed(session, ("digest.due_for_review", group_ids is not None), build,
                   _params(consortium_id, channel_id, group_ids, today=today, limit=limit))


def _open_commitments(scoped: bool) -> list[Any]:
    where: list[Any] = [Commitment.consortium_id == bindparam("cid"), Commitment.status == "open"]
    if scoped:
        members = select(GroupMembership.user_id).where(
            col(GroupMembership.group_id).in_(bindparam("scope", expanding=True)))
        where.append(col(Commitment.owner_id).in_(members))
    return where


def open_commitment_counts(session: Session, *, consortium_id: str, today: date,
                           group_ids: Collection[int] | None) -> dict[int | None, tuple[int, int]]:
    """Commitment group id → (open, overdue), for the open commitments in scope."""
    def build() -> Any:
        overdue = and_(col(Commitment.due_date).is_not(None), col(Commitment.due_date) < bindparam("today"))
        return (select(Commitment.group_id, func.count(), func.sum(case((overdue, 1), else_=0)))
                .where(*_open_commitments(group_ids is not None)).group_by(col(Commitment.group_id)))
    rows = run_built(session, ("digest.commitment_counts", group_ids is not None), build,
                     _params(consortium_id, None, group_ids, today=today))
    return {gid: (int(n), int(late or 0)) for gid, n, late in rows}


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
    def build() -> Any:
        return (select(Proposal, func.count().over())
                .where(Proposal.consortium_id == bindparam("cid"), Proposal.status == "open",
                       *_scoped(Proposal, group_ids is not None))
                .order_by(col(Proposal.closes_at), col(Proposal.id)).limit(bindparam("limit")))
    return _listed(session, ("digest.open_proposals", group_ids is not None), build,
                   _params(consortium_id, channel_id, group_ids, limit=limit))


def list_closed_proposals(session: Session, *, consortium_id: str, start: datetime, end: datetime,
                          channel_id: str | None, group_ids: Collection[int] | None,
                          limit: int) -> list[Proposal]:
    """Proposals closed in ``(start, end]`` in scope, oldest first."""
    def build() -> Any:
        return (select(Proposal)
                .where(Proposal.consortium_id == bindparam("cid"), Proposal.status == "closed",
                       col(Proposal.closed_at) > bindparam("start"), col(Proposal.closed_at) <= bindparam("end"),
                       *_scoped(Proposal, group_ids is not None))
                .order_by(col(Proposal.closed_at)).limit(bindparam("limit")))
    params = _params(consortium_id, channel_id, group_ids, start=start, end=end, limit=limit)
    return list(session.execute(built(("digest.closed_proposals", group_ids is not None), build), params).scalars())


def checkin_participation(session: Session, *, consortium_id: str, start: datetime, end: datetime,
                          group_ids: Collection[int] | None) -> dict[int, tuple[int, int, int]]:
    """Group id → (rounds, members asked, members who answered) for rounds opened in ``(start, end]``.

    A member whose prompt could not be delivered at all was not asked.
    """
    def build() -> Any:
        asked = (select(func.count()).select_from(CheckinPrompt)
                 .where(CheckinPrompt.round_id == CheckinRound.id, CheckinPrompt.status != "failed")
                 .correlate(CheckinRound).scalar_subquery())
        answered = (select(func.count()).select_from(CheckinResponse)
                    .where(CheckinResponse.round_id == CheckinRound.id).correlate(CheckinRound).scalar_subquery())
        where: list[Any] = [CheckinRound.consortium_id == bindparam("cid"),
                            col(CheckinRound.opened_at) > bindparam("start"),
                            col(CheckinRound.opened_at) <= bindparam("end")]
        if group_ids is not None:
            where.append(col(CheckinRound.group_id).in_(bindparam("scope", expanding=True)))
        return select(CheckinRound.group_id, asked, answered).where(*where)
    result: dict[int, tuple[int, int, int]] = {}
    for gid, n_asked, n_answered in run_built(session, ("digest.participation", group_ids is not None), build,
                                              _params(consortium_id, None, group_ids, start=start, end=end)):
        rounds, total_asked, total_answered = result.get(gid, (0, 0, 0))
        result[gid] = (rounds + 1, total_asked + int(n_asked), total_answered + int(n_answered))
    return result


def _positions_by_group() -> Any:
    return (select(Position.group_id, func.count())
            .where(Position.consortium_id == bindparam("cid"), col(Position.group_id).is_not(None),
                   col(Position.updated_at) > bindparam("start"), col(Position.updated_at) <= bindparam("end"))
            .group_by(col(Position.group_id)))


def _answers_by_group() -> Any:
    return (select(CheckinRound.group_id, func.count()).select_from(CheckinResponse)
            .join(CheckinRound, col(CheckinRound.id) == CheckinResponse.round_id)
            .where(CheckinResponse.consortium_id == bindparam("cid"),
                   col(CheckinResponse.responded_at) > bindparam("start"),
                   col(CheckinResponse.responded_at) <= bindparam("end"))
            .group_by(col(CheckinRound.group_id)))


def contributions(session: Session, *, consortium_id: str, start: datetime,
                  end: datetime) -> tuple[dict[int, int], dict[int, int]]:
    """(positions taken or changed, check-in answers) per group in ``(start, end]``."""
    params = {"cid": consortium_id, "start": start, "end": end}
    positions = run_built(session, ("digest.positions_by_group",), _positions_by_group, params)
    by_group = {gid: int(n) for gid, n in positions if gid is not None}
    answers = run_built(session, ("digest.answers_by_group",), _answers_by_group, params)
    return by_group, {gid: int(n) for gid, n in answers}
