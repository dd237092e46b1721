"""Queries and writes for proposals, their required groups and members' positions.

Every state change that must happen once is a conditional UPDATE whose row count decides:
closing (``status='open'`` → ``'closed'``), the reminder (``reminded_at IS NULL``), the
announcement (``announced_at IS NULL``) and a position change (only when it differs).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, delete, exists, false, func, literal, null, or_, union_all, update
from sqlmodel import Session, col, select

from storage.db import built, insert_unless_taken, run_built
from storage.models import Decision, GroupMembership, Position, Proposal, ProposalConflict, ProposalGroup
from storage.origin import claim_for, origin_workspace


def _count(session: Session, statement: Any, params: dict[str, Any] | None = None) -> int:
    return int(session.execute(statement, params).rowcount or 0)  # type: ignore[attr-defined]


def get_proposal(session: Session, *, consortium_id: str, proposal_id: int) -> Proposal | None:
    """One proposal of this team (fresh from the database), or None."""
    row = session.get(Proposal, proposal_id, populate_existing=True)
    return row if row is not None and row.consortium_id == consortium_id else None


def add_proposal(session: Session, *, proposal: Proposal, group_ids: Sequence[int]) -> Proposal:
    """Insert a proposal and the groups whose position it requires (its channel becomes the consortium's)."""
    claim_for(session, consortium_id=proposal.consortium_id, channel_id=proposal.channel_id)
    proposal.team_id = proposal.team_id or origin_workspace()
    session.add(proposal)
    session.flush()
    assert proposal.id is not None
    for group_id in dict.fromkeys(group_ids):
        session.add(ProposalGroup(consortium_id=proposal.consortium_id, proposal_id=proposal.id, group_id=group_id))
    session.flush()
    return proposal


def list_proposals(session: Session, *, consortium_id: str, status: str | None = None,
                   channel_id: str | None = None, ids: Iterable[int] | None = None) -> list[Proposal]:
    """Proposals of a team, oldest first, optionally filtered."""
    query = select(Proposal).where(Proposal.consortium_id == consortium_id)
    if status is not None:
        query = query.where(Proposal.status == status)
    if channel_id is not None:
        query = query.where(Proposal.channel_id == channel_id)
    if ids is not None:
        query = query.where(col(Proposal.id).in_(list(ids)))
    return list(session.exec(query.order_by(col(Proposal.id))))


def _by_proposal(model: Any, selected: Any, order: Sequence[Any], every: bool) -> Any:
    """A statement reading ``selected`` of a consortium's ``model`` rows, of proposals ``ids`` (or of every
    proposal), in ``order``; built once per ``every``."""
    query = select(*selected).where(col(model.consortium_id) == bindparam("cid"))
    if not every:
        query = query.where(col(model.proposal_id).in_(bindparam("ids", expanding=True)))
    return query.order_by(*order)


def _proposal_params(consortium_id: str, proposal_ids: Iterable[int] | None) -> dict[str, Any]:
    return {"cid": consortium_id} if proposal_ids is None else {"cid": consortium_id, "ids": list(proposal_ids)}


def required_group_ids(session: Session, *, consortium_id: str,
                       proposal_ids: Iterable[int] | None = None) -> dict[int, list[int]]:
    """Proposal id → required group ids (one query; every proposal of the team when ids is None)."""
    every = proposal_ids is None
    rows = run_built(session, ("proposal.required", every),
                     lambda: _by_proposal(ProposalGroup, (ProposalGroup.proposal_id, ProposalGroup.group_id),
                                          (col(ProposalGroup.id),), every),
                     _proposal_params(consortium_id, proposal_ids))
    result: dict[int, list[int]] = {}
    for proposal_id, group_id in rows:
        result.setdefault(proposal_id, []).append(group_id)
    return result


class PositionRow(NamedTuple):
    """A position as counting and showing read it (no ORM object; its timestamps are not read)."""

    id: int
    proposal_id: int
    user_id: str
    group_id: int | None
    organisation: str | None
    choice: str
    reason: str | None
    proxy_by: str | None


_POSITION_COLUMNS = tuple(Position.__table__.c[name] for name in PositionRow._fields)  # type: ignore[attr-defined]


def positions_by_proposal(session: Session, *, consortium_id: str,
                          proposal_ids: Iterable[int] | None = None) -> dict[int, list[PositionRow]]:
    """Proposal id → its positions, oldest first (one query; every proposal when ids is None)."""
    every = proposal_ids is None
    rows = run_built(session, ("proposal.positions", every),
                     lambda: _by_proposal(Position, _POSITION_COLUMNS,
                                          (col(Position.created_at), col(Position.id)), every),
                     _proposal_params(consortium_id, proposal_ids))
    result: dict[int, list[PositionRow]] = {}
    for row in map(PositionRow._make, rows):
        result.setdefault(row.proposal_id, []).append(row)
    return result


class StandingCount(NamedTuple):
    """How many positions standing on a proposal were attributed to a group with a choice; or, with
    ``choice`` None, a group one of whose members took a standing position (the group is heard)."""

    proposal_id: int
    group_id: int | None
    choice: str | None
    positions: int


def _standing_counts() -> Any:
    """Counts of the positions that stand on some proposals (neither an observer's nor a conflicted member's),
    by group and choice, then the groups they make heard; built once, its values bound at each run."""
    position, conflict, membership = (Position.__table__, ProposalConflict.__table__,  # type: ignore[attr-defined]
                                      GroupMembership.__table__)  # type: ignore[attr-defined]
    stands = and_(position.c.consortium_id == bindparam("cid"),
                  position.c.proposal_id.in_(bindparam("ids", expanding=True)),
                  position.c.user_id.not_in(bindparam("observers", expanding=True)),
                  ~exists().where(conflict.c.proposal_id == position.c.proposal_id,
                                  conflict.c.user_id == position.c.user_id))
    counts = (select(position.c.proposal_id, position.c.group_id, position.c.choice, func.count())
              .where(stands).group_by(position.c.proposal_id, position.c.group_id, position.c.choice))
    heard = (select(position.c.proposal_id, membership.c.group_id, null(), literal(0))
             .select_from(position.join(membership, and_(membership.c.consortium_id == position.c.consortium_id,
                                                         membership.c.user_id == position.c.user_id,
                                                         membership.c.observer == false())))
             .where(stands).distinct())
    return union_all(counts, heard)


def standing_counts(session: Session, *, consortium_id: str, proposal_ids: Iterable[int],
                    observers: Iterable[str]) -> list[StandingCount]:
    """What counting per member needs of some proposals, counted by the database (one statement): the
    positions that stand, by proposal, group and choice, and the groups their members make heard.
    ``observers``: the members who only observe, whose positions do not stand."""
    return list(map(StandingCount._make, run_built(
        session, ("proposal.standing_counts",), _standing_counts,
        {"cid": consortium_id, "ids": list(proposal_ids), "observers": sorted(observers)})))


def _positions_since() -> Any:
    return (select(Position.group_id, Position.organisation, Position.updated_at)
            .where(Position.consortium_id == bindparam("cid"), col(Position.updated_at) >= bindparam("start"))
            .order_by(col(Position.updated_at), col(Position.id)))


def positions_since(session: Session, *, consortium_id: str,
                    start: datetime) -> list[tuple[int | None, str | None, datetime]]:
    """(group, organisation, when) of every position taken or changed at or after ``start``, oldest first."""
    return [(gid, organisation, when) for gid, organisation, when in
            run_built(session, ("proposal.positions_since",), _positions_since,
                      {"cid": consortium_id, "start": start})]


def upsert_position(session: Session, *, consortium_id: str, proposal_id: int, user_id: str, group_id: int | None,
                    choice: str, reason: str | None, now: datetime,
                    organisation: str | None = None, proxy_by: str | None = None) -> tuple[bool, str | None]:
    """Record a member's position (``proxy_by``: taken by their alternate): (changed, previous choice). The same
    position again, by the same hand, changes nothing.

    A change records the member's group and organisation anew, as they are when it is made.

    Insert unless the unique key (proposal, user) is taken; if it is, update it only where it differs.
    """
    if insert_unless_taken(session, Position, consortium_id=consortium_id, proposal_id=proposal_id, user_id=user_id,
                           group_id=group_id, organisation=organisation, choice=choice, reason=reason,
                           created_at=now, updated_at=now, team_id=origin_workspace(),
                           proxy_by=proxy_by) is not None:
        return True, None
    mine = (col(Position.consortium_id) == consortium_id, col(Position.proposal_id) == proposal_id,
            col(Position.user_id) == user_id)
    previous = session.exec(select(Position.choice).where(*mine).with_for_update()).first()
    changed = _count(session, update(Position).where(
        *mine, or_(col(Position.choice) != choice, col(Position.reason).is_distinct_from(reason),
                   col(Position.proxy_by).is_distinct_from(proxy_by)),
    ).values(choice=choice, reason=reason, group_id=group_id, organisation=organisation, updated_at=now,
             proxy_by=proxy_by).execution_options(
        synchronize_session=False))
    return changed == 1, previous


def bump_version(session: Session, *, consortium_id: str, proposal_id: int) -> bool:
    """Mark that the open proposal changed; False when it is no longer open."""
    statement = built(("proposal.bump_version",), lambda: update(Proposal.__table__).where(  # type: ignore[attr-defined]
        col(Proposal.id) == bindparam("proposal"), col(Proposal.consortium_id) == bindparam("cid"),
        col(Proposal.status) == "open").values(version=col(Proposal.version) + 1))
    return _count(session, statement, {"proposal": proposal_id, "cid": consortium_id}) == 1


def current_version(session: Session, *, consortium_id: str, proposal_id: int) -> int | None:
    """The proposal's change counter, read fresh."""
    return session.exec(select(Proposal.version).where(
        col(Proposal.id) == proposal_id, col(Proposal.consortium_id) == consortium_id)).first()


def claim_close(session: Session, *, consortium_id: str, proposal_id: int, now: datetime,
                actor_id: str | None) -> bool:
    """Close an open proposal; True for the one caller that did (everyone else does nothing)."""
    return _count(session, update(Proposal).where(
        col(Proposal.id) == proposal_id, col(Proposal.consortium_id) == consortium_id, col(Proposal.status) == "open",
    ).values(status="closed", closed_at=now, closed_by=actor_id, version=col(Proposal.version) + 1,
             ).execution_options(synchronize_session=False)) == 1


def set_outcome(session: Session, *, consortium_id: str, proposal_id: int, outcome: str) -> None:
    """Store the outcome decided when the proposal closed."""
    session.execute(update(Proposal).where(col(Proposal.id) == proposal_id,
                                           col(Proposal.consortium_id) == consortium_id)
                    .values(outcome=outcome).execution_options(synchronize_session=False))


def set_message_ts(session: Session, *, consortium_id: str, proposal_id: int, message_ts: str) -> None:
    """Remember the channel message that shows the proposal."""
    session.execute(update(Proposal).where(col(Proposal.id) == proposal_id,
                                           col(Proposal.consortium_id) == consortium_id)
                    .values(message_ts=message_ts).execution_options(synchronize_session=False))


def claim_announcement(session: Session, *, consortium_id: str, proposal_id: int, now: datetime) -> bool:
    """Claim announcing a closed proposal; True for the one caller that may post."""
    return _count(session, update(Proposal).where(
        col(Proposal.id) == proposal_id, col(Proposal.consortium_id) == consortium_id, col(Proposal.status) == "closed",
        col(Proposal.announced_at).is_(None),
    ).values(announced_at=now).execution_options(synchronize_session=False)) == 1


def get_position(session: Session, *, consortium_id: str, proposal_id: int, user_id: str) -> Position | None:
    """A member's position on a proposal, or None."""
    return session.exec(select(Position).where(col(Position.consortium_id) == consortium_id,
                                               col(Position.proposal_id) == proposal_id,
                                               col(Position.user_id) == user_id)).first()


def linked_decision_id(session: Session, *, consortium_id: str, proposal_id: int) -> int | None:
    """The decision recorded from a proposal's consensus, if any."""
    return session.exec(select(Decision.id).where(
        col(Decision.consortium_id) == consortium_id, col(Decision.proposal_id) == proposal_id)).first()


def conflicts_by_proposal(session: Session, *, consortium_id: str,
                          proposal_ids: Iterable[int] | None = None) -> dict[int, list[ProposalConflict]]:
    """Proposal id → its declared conflicts, oldest first (one query; every proposal when ids is None)."""
    every = proposal_ids is None
    statement = built(("proposal.conflicts", every),
                      lambda: _by_proposal(ProposalConflict, (ProposalConflict,),
                                           (col(ProposalConflict.declared_at), col(ProposalConflict.id)), every))
    result: dict[int, list[ProposalConflict]] = {}
    for row in session.execute(statement, _proposal_params(consortium_id, proposal_ids)).scalars():
        result.setdefault(row.proposal_id, []).append(row)
    return result


def add_conflict(session: Session, *, consortium_id: str, proposal_id: int, user_id: str, statement: str,
                 now: datetime, team_id: str | None = None) -> bool:
    """Record a member's declared conflict on a proposal; False when they had declared one already."""
    return insert_unless_taken(session, ProposalConflict, consortium_id=consortium_id, team_id=team_id,
                               proposal_id=proposal_id, user_id=user_id, statement=statement,
                               declared_at=now) is not None


def has_conflict(session: Session, *, consortium_id: str, proposal_id: int, user_id: str) -> bool:
    """Whether the member declared a conflict on this proposal."""
    rows = run_built(session, ("proposal.has_conflict",), _has_conflict,
                     {"cid": consortium_id, "proposal": proposal_id, "user": user_id})
    return bool(rows)


def _has_conflict() -> Any:
    return select(ProposalConflict.id).where(
        col(ProposalConflict.consortium_id) == bindparam("cid"),
        col(ProposalConflict.proposal_id) == bindparam("proposal"),
        col(ProposalConflict.user_id) == bindparam("user")).limit(1)


def delete_position(session: Session, *, consortium_id: str, proposal_id: int, user_id: str) -> str | None:
    """Withdraw a member's position; the choice it held, or None when there was none."""
    previous = get_position(session, consortium_id=consortium_id, proposal_id=proposal_id, user_id=user_id)
    if previous is None:
        return None
    choice = str(previous.choice)
    session.execute(delete(Position).where(
        col(Position.consortium_id) == consortium_id, col(Position.proposal_id) == proposal_id,
        col(Position.user_id) == user_id).execution_options(synchronize_session=False))
    session.expunge(previous)
    return choice
