"""Queries and writes for decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.db import fill_in, insert_row
from storage.models import Decision
from storage.origin import claim_for, stamped


def insert_decision(session: Session, **values: Any) -> Decision:
    """Insert a decision in one statement; the row as stored (its channel becomes the consortium's)."""
    claim_for(session, consortium_id=values["consortium_id"], channel_id=values.get("channel_id"))
    return insert_row(session, Decision, **stamped(values))


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


def claim_supersede(session: Session, *, consortium_id: str, decision_id: int) -> bool:
    """Mark an active decision superseded (conditional update); False when it is no longer active."""
    result = session.execute(
        update(Decision)
        .where(col(Decision.id) == decision_id, col(Decision.consortium_id) == consortium_id,
               col(Decision.status) == "active")
        .values(status="superseded")
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def set_superseded_by(session: Session, *, consortium_id: str, decision_id: int, new_id: int) -> None:
    """Link a superseded decision to the decision that replaced it (one update)."""
    session.execute(
        update(Decision)
        .where(col(Decision.id) == decision_id, col(Decision.consortium_id) == consortium_id,
               col(Decision.status) == "superseded", col(Decision.superseded_by).is_(None))
        .values(superseded_by=new_id)
        .execution_options(synchronize_session=False)
    )


def set_review_on(session: Session, *, consortium_id: str, decision_id: int, review_on: date | None) -> None:
    """Set (or clear) the day a decision is due for review (one update)."""
    session.execute(
        update(Decision)
        .where(col(Decision.id) == decision_id, col(Decision.consortium_id) == consortium_id)
        .values(review_on=review_on)
        .execution_options(synchronize_session=False)
    )


def claim_review_reminder(session: Session, *, consortium_id: str, decision_id: int, review_on: date) -> bool:
    """Claim the reminder of an active decision's review day (conditional update); False when it is claimed
    already, the day changed or the decision is no longer active."""
    result = session.execute(
        update(Decision)
        .where(col(Decision.id) == decision_id, col(Decision.consortium_id) == consortium_id,
               col(Decision.status) == "active", col(Decision.review_on) == review_on,
               or_(col(Decision.review_reminded_on).is_(None), col(Decision.review_reminded_on) != review_on))
        .values(review_reminded_on=review_on)
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
