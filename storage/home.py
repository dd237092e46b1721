"""Queries for a user's App Home: their commitments and the proposals awaiting their position."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import Commitment, Position, Proposal, ProposalConflict, ProposalGroup

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
