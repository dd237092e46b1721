"""Queries and writes for decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.db import fill_in, insert_row
from storage.models import Decision


def insert_decision(session: Session, **values: Any) -> Decision:
    """Insert a decision in one statement; the row as stored."""
    return insert_row(session, Decision, **values)


def set_link(session: Session, *, consortium_id: str, decision_id: int, message_ts: str | None,
             permalink: str | None) -> None:
    """Fill in where a decision was announced, keeping what is known already (one conditional update)."""
    fill_in(session, Decision, consortium_id=consortium_id, row_id=decision_id, message_ts=message_ts,
            permalink=permalink)


def set_progress_ts(session: Session, *, consortium_id: str, decision_id: int, ts: str | None) -> None:
    """Remember the decision's "N of M commitments done" reply, keeping the first one posted."""
    fill_in(session, Decision, consortium_id=consortium_id, row_id=decision_id, progress_ts=ts)


def get_decision(session: Session, *, consortium_id: str, decision_id: int, fresh: bool = False) -> Decision | None:
    """One decision of this team, or None (``fresh``: read again from the database)."""
    row = session.get(Decision, decision_id, populate_existing=fresh)
    return row if row is not None and row.consortium_id == consortium_id else None


def claim_revoke(session: Session, *, consortium_id: str, decision_id: int, actor_id: str, reason: str | None,
                 now: datetime) -> bool:
    """Mark an active decision revoked (conditional update); False when it is no longer active."""
    result = session.execute(
        update(Decision)
        .where(col(Decision.id) == decision_id, col(Decision.consortium_id) == consortium_id,
               col(Decision.status) == "active")
        .values(status="revoked", revoked_by=actor_id, revoked_at=now, revoke_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def list_decisions(
    session: Session,
    *,
    consortium_id: str,
    channel_id: str | None = None,
    thread_ts: str | None = None,
    status: str | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[Decision]:
    """Decisions of a team, optionally of one channel or thread."""
    query = select(Decision).where(Decision.consortium_id == consortium_id)
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
