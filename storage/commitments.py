"""Queries and writes for commitments and their history.

A status change is a conditional UPDATE (``… WHERE status = <the status it was read with>``):
of two simultaneous changes of one commitment, only one finds the status it expects.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, case, func, insert, update
from sqlmodel import Session, col, select

from storage.db import fill_in, insert_row, run_built
from storage.models import Commitment, CommitmentUpdate
from storage.origin import claim_for, stamped


def get_commitment(session: Session, *, consortium_id: str, commitment_id: int,
                   fresh: bool = False) -> Commitment | None:
    """One commitment of this team, or None (``fresh``: read again from the database)."""
    row = session.get(Commitment, commitment_id, populate_existing=fresh)
    return row if row is not None and row.consortium_id == consortium_id else None


def transition_status(session: Session, *, consortium_id: str, commitment_id: int, old_status: str, new_status: str,
                      now: datetime) -> bool:
    """Move a commitment from ``old_status`` to ``new_status``; False when its status is no longer ``old_status``."""
    result = session.execute(
        update(Commitment)
        .where(col(Commitment.id) == commitment_id, col(Commitment.consortium_id) == consortium_id,
               col(Commitment.status) == old_status)
        .values(status=new_status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def list_commitments(
    session: Session,
    *,
    consortium_id: str,
    status: str | None = "open",
    channel_id: str | None = None,
    owner_id: str | None = None,
    owner_ids: list[str] | None = None,
    thread_ts: str | None = None,
    due_before: date | None = None,
    limit: int | None = None,
) -> list[Commitment]:
    """Commitments of a team, filtered; ordered by due date (undated last), then id."""
    query = select(Commitment).where(Commitment.consortium_id == consortium_id)
    if status is not None:
        query = query.where(Commitment.status == status)
    if channel_id is not None:
        query = query.where(Commitment.channel_id == channel_id)
    if owner_id is not None:
        query = query.where(Commitment.owner_id == owner_id)
    if owner_ids is not None:
        query = query.where(col(Commitment.owner_id).in_(owner_ids))
    if thread_ts is not None:
        query = query.where(Commitment.thread_ts == thread_ts)
    if due_before is not None:
        query = query.where(col(Commitment.due_date).is_not(None), col(Commitment.due_date) < due_before)
    query = query.order_by(col(Commitment.due_date).is_(None), col(Commitment.due_date), col(Commitment.id))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def list_updates(session: Session, *, consortium_id: str, commitment_id: int) -> list[CommitmentUpdate]:
    """The history of one commitment, oldest first."""
    query = (
        select(CommitmentUpdate)
        .where(CommitmentUpdate.consortium_id == consortium_id, CommitmentUpdate.commitment_id == commitment_id)
        .order_by(col(CommitmentUpdate.id))
    )
    return list(session.exec(query))


def insert_commitment(session: Session, **values: Any) -> Commitment:
    """Insert a commitment in one statement; the row as stored (its channel becomes the consortium's)."""
    claim_for(session, consortium_id=values["consortium_id"], channel_id=values.get("channel_id"))
    return insert_row(session, Commitment, **stamped(values))


def add_update(session: Session, **values: Any) -> None:
    """Append a line to a commitment's history (one INSERT in the caller's transaction)."""
    session.execute(insert(CommitmentUpdate).values(**values))


def set_link(session: Session, *, consortium_id: str, commitment_id: int, message_ts: str | None,
             permalink: str | None) -> None:
    """Fill in where a commitment was announced, keeping what is known already (one conditional update)."""
    fill_in(session, Commitment, consortium_id=consortium_id, row_id=commitment_id, message_ts=message_ts,
            permalink=permalink)


def arm_follow_through(session: Session, *, consortium_id: str, commitment_id: int, generation: int,
                       due_at: datetime, follow_at: datetime) -> bool:
    """Arm the follow-through of a commitment not armed yet in this generation; False when another did."""
    result = session.execute(
        update(Commitment)
        .where(col(Commitment.id) == commitment_id, col(Commitment.consortium_id) == consortium_id,
               col(Commitment.follow_generation) == generation, col(Commitment.due_at).is_(None))
        .values(due_at=due_at, follow_step=0, follow_at=follow_at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def claim_follow_step(session: Session, *, consortium_id: str, commitment_id: int, generation: int, step: int,
                      now: datetime, next_at: datetime | None) -> bool:
    """Claim step ``step`` of an open commitment's follow-through (due by ``now``) and schedule the next at
    ``next_at``; False when it is no longer due, open, or of this generation (another process took it)."""
    result = session.execute(
        update(Commitment)
        .where(col(Commitment.id) == commitment_id, col(Commitment.consortium_id) == consortium_id,
               col(Commitment.status) == "open", col(Commitment.follow_generation) == generation,
               col(Commitment.follow_step) == step, col(Commitment.follow_at) <= now)
        .values(follow_step=step + 1, follow_at=next_at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def set_due_date(session: Session, *, consortium_id: str, commitment_id: int, due_date: date,
                 now: datetime) -> None:
    """Give a commitment a new due date; its follow-through starts again (a new generation, armed afresh)."""
    session.execute(
        update(Commitment)
        .where(col(Commitment.id) == commitment_id, col(Commitment.consortium_id) == consortium_id)
        .values(due_date=due_date, due_at=None, follow_step=0, follow_at=None,
                follow_generation=Commitment.follow_generation + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def decision_progress(session: Session, *, consortium_id: str,
                      decision_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Decision id → (done, linked) of the commitments carrying it out (dropped ones not counted), one query."""
    if not decision_ids:
        return {}
    def build() -> Any:
        done = func.sum(case((col(Commitment.status) == "done", 1), else_=0))
        return (select(Commitment.decision_id, done, func.count())
                .where(Commitment.consortium_id == bindparam("cid"),
                       col(Commitment.decision_id).in_(bindparam("ids", expanding=True)),
                       col(Commitment.status) != "dropped")
                .group_by(col(Commitment.decision_id)))
    rows = run_built(session, ("commitments.progress",), build, {"cid": consortium_id, "ids": decision_ids})
    return {int(d): (int(n or 0), int(m)) for d, n, m in rows if d is not None}
