"""Calendar feeds (one token per member per consortium) and what a calendar shows: due dates,
proposal closings and check-in rounds.

:func:`feed_by_token` is the one read here without a tenant: a feed's token is what names its
consortium and member (the URL a calendar application fetches carries nothing else).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.db import insert_unless_taken
from storage.models import CalendarFeed, CheckinRound, Commitment, Proposal, ProposalGroup


def feed_token(session: Session, *, consortium_id: str, user_id: str) -> str | None:
    """The member's feed token in this consortium, or None when they have none yet."""
    query = select(CalendarFeed.token).where(CalendarFeed.consortium_id == consortium_id,
                                             CalendarFeed.user_id == user_id)
    return session.exec(query).first()


def add_feed(session: Session, *, consortium_id: str, user_id: str, token: str, now: datetime) -> bool:
    """Give the member a feed with this token; False when they have one already (the loser of a race)."""
    return insert_unless_taken(session, CalendarFeed, consortium_id=consortium_id, user_id=user_id, token=token,
                               created_at=now) is not None


def replace_feed_token(session: Session, *, consortium_id: str, user_id: str, token: str, now: datetime) -> bool:
    """Replace the member's token (the old link stops working); False when they have no feed."""
    result = session.execute(
        update(CalendarFeed).where(col(CalendarFeed.consortium_id) == consortium_id,
                                   col(CalendarFeed.user_id) == user_id)
        .values(token=token, created_at=now).execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def feed_by_token(session: Session, *, token: str) -> tuple[str, str] | None:
    """(consortium, member) of the feed with this token, or None."""
    row = session.exec(select(CalendarFeed.consortium_id, CalendarFeed.user_id)
                       .where(CalendarFeed.token == token)).first()
    return None if row is None else (row[0], row[1])


def dated_commitments(session: Session, *, consortium_id: str, owner_ids: Collection[str] | None = None,
                      group_id: int | None = None, limit: int = 500) -> list[Commitment]:
    """Open and blocked commitments with a due date, of these owners or of this group, soonest first."""
    query = select(Commitment).where(Commitment.consortium_id == consortium_id,
                                     col(Commitment.status).in_(["open", "blocked"]),
                                     col(Commitment.due_date).is_not(None))
    if owner_ids is not None:
        query = query.where(col(Commitment.owner_id).in_(list(owner_ids)))
    if group_id is not None:
        query = query.where(Commitment.group_id == group_id)
    return list(session.exec(query.order_by(col(Commitment.due_date), col(Commitment.id)).limit(limit)))


def open_proposals_requiring(session: Session, *, consortium_id: str, group_ids: Collection[int],
                             limit: int = 200) -> list[Proposal]:
    """Open proposals that require one of these groups, closing soonest first."""
    if not group_ids:
        return []
    required = select(ProposalGroup.proposal_id).where(ProposalGroup.consortium_id == consortium_id,
                                                       col(ProposalGroup.group_id).in_(list(group_ids)))
    query = select(Proposal).where(Proposal.consortium_id == consortium_id, Proposal.status == "open",
                                   col(Proposal.id).in_(required))
    return list(session.exec(query.order_by(col(Proposal.closes_at), col(Proposal.id)).limit(limit)))


def rounds_since(session: Session, *, consortium_id: str, group_ids: Collection[int], since: datetime,
                 limit: int = 200) -> list[CheckinRound]:
    """Check-in rounds of these groups due after ``since``, oldest first."""
    if not group_ids:
        return []
    query = select(CheckinRound).where(CheckinRound.consortium_id == consortium_id,
                                       col(CheckinRound.group_id).in_(list(group_ids)),
                                       CheckinRound.due_at > since)
    return list(session.exec(query.order_by(col(CheckinRound.due_at)).limit(limit)))
