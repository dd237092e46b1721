"""Queries for a user's App Home: their commitments, the proposals awaiting their position, the groups they
observe, their proxies, their declared conflicts and the decisions they recorded that are due for review."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from storage.models import (
    Commitment,
    Decision,
    GroupMembership,
    Position,
    Proposal,
    ProposalConflict,
    ProposalGroup,
    Proxy,
)

ACTIVE = ("open", "blocked")


def list_user_commitments(session: Session, *, consortium_id: str, user_id: str,
                          limit: int) -> tuple[list[Commitment], int]:
    """A user's open and blocked commitments (open first, then by due date) and how many in all."""
    where: list[Any] = [Commitment.consortium_id == consortium_id, Commitment.owner_id == user_id,
             col(Commitment.status).in_(ACTIVE)]
    total = session.exec(select(func.count()).select_from(Commitment).where(*where)).one()
    query = (select(Commitment).where(*where)
             .order_by(col(Commitment.status).desc(), col(Commitment.due_date).is_(None),
                       col(Commitment.due_date), col(Commitment.id))
             .limit(limit))
    return list(session.exec(query)), int(total)


def list_awaiting_position(session: Session, *, consortium_id: str, user_id: str, group_ids: Collection[int] | None,
                           limit: int) -> tuple[list[Proposal], int]:
    """Open proposals the user has taken no position on (nor declared a conflict on), closing soonest first,
    and how many in all.

    With ``group_ids`` only those requiring one of these groups (the user's).
    """
    answered = select(Position.proposal_id).where(Position.consortium_id == consortium_id, Position.user_id == user_id)
    conflicted = select(ProposalConflict.proposal_id).where(ProposalConflict.consortium_id == consortium_id,
                                                            ProposalConflict.user_id == user_id)
    where: list[Any] = [Proposal.consortium_id == consortium_id, Proposal.status == "open",
                        col(Proposal.id).not_in(answered), col(Proposal.id).not_in(conflicted)]
    if group_ids is not None:
        required = select(ProposalGroup.proposal_id).where(col(ProposalGroup.group_id).in_(list(group_ids)))
        where.append(col(Proposal.id).in_(required))
    total = session.exec(select(func.count()).select_from(Proposal).where(*where)).one()
    query = select(Proposal).where(*where).order_by(col(Proposal.closes_at), col(Proposal.id)).limit(limit)
    return list(session.exec(query)), int(total)


def observed_group_ids(session: Session, *, consortium_id: str, user_id: str) -> list[int]:
    """The groups a user only observes (receives, takes no position in), in the order they joined."""
    query = (select(GroupMembership.group_id)
             .where(GroupMembership.consortium_id == consortium_id, GroupMembership.user_id == user_id,
                    col(GroupMembership.observer).is_(True))
             .order_by(col(GroupMembership.joined_at), col(GroupMembership.id)))
    return list(session.exec(query))


def proxies_in_force(session: Session, *, consortium_id: str, user_id: str, today: date,
                     limit: int) -> tuple[Proxy | None, list[Proxy]]:
    """(the proxy the user gave that is in force, the proxies in force that the user holds for others, oldest
    first, at most ``limit``), in one query."""
    query = (select(Proxy)
             .where(Proxy.consortium_id == consortium_id, col(Proxy.revoked_at).is_(None),
                    or_(col(Proxy.until).is_(None), col(Proxy.until) >= today),
                    or_(col(Proxy.member_id) == user_id, col(Proxy.alternate_id) == user_id))
             .order_by(col(Proxy.created_at), col(Proxy.id)))
    rows = list(session.exec(query))
    given = [p for p in rows if p.member_id == user_id]
    held = [p for p in rows if p.alternate_id == user_id and p.member_id != user_id]
    return (given[-1] if given else None), held[:limit]


def list_declared_conflicts(session: Session, *, consortium_id: str, user_id: str,
                            limit: int) -> list[tuple[ProposalConflict, Proposal]]:
    """The user's declared conflicts on open proposals with their proposals, closing soonest first."""
    query = (select(ProposalConflict, Proposal)
             .where(ProposalConflict.consortium_id == consortium_id, ProposalConflict.user_id == user_id,
                    col(ProposalConflict.proposal_id) == col(Proposal.id), Proposal.status == "open")
             .order_by(col(Proposal.closes_at), col(Proposal.id)).limit(limit))
    return [(conflict, proposal) for conflict, proposal in session.exec(query)]


def list_recorded_due_for_review(session: Session, *, consortium_id: str, user_id: str, today: date,
                                 limit: int) -> tuple[list[Decision], int]:
    """Active decisions the user recorded whose review day is ``today`` or past (earliest first, at most
    ``limit``), and how many in all."""
    where: list[Any] = [Decision.consortium_id == consortium_id, Decision.recorded_by == user_id,
                        col(Decision.review_on) <= today, col(Decision.status) == "active"]
    total = session.exec(select(func.count()).select_from(Decision).where(*where)).one()
    query = select(Decision).where(*where).order_by(col(Decision.review_on), col(Decision.id)).limit(limit)
    return list(session.exec(query)), int(total)
