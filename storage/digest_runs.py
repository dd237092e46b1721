"""Queries and writes for digest schedules and digest runs.

A run is claimed once by inserting its unique key (team, channel, run_key); the outbox row
enqueued with it posts it, and marks it posted or failed by a conditional update.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage.db import claim
from storage.models import DigestRun, DigestSchedule

# --- schedules -----------------------------------------------------------------------------


def get_schedule(session: Session, *, consortium_id: str, channel_id: str) -> DigestSchedule | None:
    """The channel's digest schedule, or None."""
    query = select(DigestSchedule).where(DigestSchedule.consortium_id == consortium_id,
                                         DigestSchedule.channel_id == channel_id)
    return session.exec(query).first()


def save_schedule(session: Session, *, consortium_id: str, channel_id: str, days: str, at: str, timezone: str,
                  created_by: str, now: datetime) -> DigestSchedule:
    """Create or replace the channel's digest schedule (one per channel)."""
    row = get_schedule(session, consortium_id=consortium_id, channel_id=channel_id)
    if row is None:
        row = DigestSchedule(consortium_id=consortium_id, channel_id=channel_id, days=days, time=at, timezone=timezone,
                             created_by=created_by, updated_at=now)
        if claim(session, row):
            return row
        row = get_schedule(session, consortium_id=consortium_id, channel_id=channel_id)
        assert row is not None
    row.days, row.time, row.timezone, row.created_by, row.updated_at = days, at, timezone, created_by, now
    session.add(row)
    session.flush()
    return row


def delete_schedule(session: Session, *, consortium_id: str, channel_id: str) -> bool:
    """Stop the channel's digest schedule; False if it had none."""
    row = get_schedule(session, consortium_id=consortium_id, channel_id=channel_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


# --- runs ----------------------------------------------------------------------------------


def last_posted_end(session: Session, *, consortium_id: str, channel_id: str, until: datetime) -> datetime | None:
    """The end of the channel's latest posted digest period that ends no later than ``until``."""
    query = select(func.max(DigestRun.period_end)).where(
        DigestRun.consortium_id == consortium_id, DigestRun.channel_id == channel_id, DigestRun.status == "posted",
        col(DigestRun.period_end) <= until)
    return session.exec(query).one()


def claim_run(session: Session, run: DigestRun) -> bool:
    """Insert a run; False when (team, channel, run_key) was already claimed."""
    return claim(session, run)


def get_run(session: Session, *, consortium_id: str, run_id: int) -> DigestRun | None:
    """One run of this team, or None."""
    row = session.get(DigestRun, run_id)
    return row if row is not None and row.consortium_id == consortium_id else None


def mark_run_posted(session: Session, *, consortium_id: str, run_id: int, message_ts: str | None,
                    period_start: datetime,
                    now: datetime) -> bool:
    """Record that a run was posted (and the period it covered); False if it was not pending any more."""
    result = session.execute(
        update(DigestRun)
        .where(col(DigestRun.id) == run_id, col(DigestRun.consortium_id) == consortium_id,
               col(DigestRun.status) == "pending")
        .values(status="posted", posted_at=now, message_ts=message_ts, period_start=period_start,
                last_error=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def mark_run_failed(session: Session, *, consortium_id: str, run_id: int, error: str) -> bool:
    """Record that Slack refused a run for good; False if it was not pending any more."""
    result = session.execute(
        update(DigestRun)
        .where(col(DigestRun.id) == run_id, col(DigestRun.consortium_id) == consortium_id,
               col(DigestRun.status) == "pending")
        .values(status="failed", last_error=error[:200])
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
