"""Queries and writes for decisions."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.models import Decision


def get_decision(session: Session, *, team_id: str, decision_id: int) -> Decision | None:
    """One decision of this team, or None."""
    row = session.get(Decision, decision_id)
    return row if row is not None and row.team_id == team_id else None


def list_decisions(
    session: Session,
    *,
    team_id: str,
    channel_id: str | None = None,
    thread_ts: str | None = None,
    status: str | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[Decision]:
    """Decisions of a team, optionally of one channel or thread."""
    query = select(Decision).where(Decision.team_id == team_id)
    if channel_id is not None:
        query = query.where(Decision.channel_id == channel_id)
    if thread_ts is not None:
        query = query.where(Decision.thread_ts == thread_ts)
    if status is not None:
        query = query.where(Decision.status == status)
    query = query.order_by(col(Decision.id).desc() if newest_first else col(Decision.id))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))
