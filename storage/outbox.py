"""The outbox: everything Accord must post, one row each, claimed by lease and marked sent once.

A row is enqueued in the transaction of the record it announces. A sender claims it by a
conditional update (``FOR UPDATE SKIP LOCKED`` picks candidates on PostgreSQL), calls Slack with
no transaction open, then marks it sent (or schedules a retry, or marks it failed) on its lease
token. No claim is taken before the row exists, so a refused or interrupted send is always
tried again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlmodel import Session, col

from storage.db import built, dialect_insert, leasable, run_built
from storage.models import OutboxMessage

OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
_NO_SYNC = {"synchronize_session": False}


def _new_row(*, team_id: str, kind: str, key: str, ref: dict[str, Any], now: datetime, due: datetime,
             after_id: int | None = None) -> dict[str, Any]:
    return {"team_id": team_id[:32], "kind": kind, "key": key[:200], "ref": json.dumps(ref, sort_keys=True),
            "after_id": after_id, "state": "pending", "generation": 0, "attempts": 0, "next_attempt_at": due,
            "created_at": now}


def enqueue(session: Session, *, team_id: str, kind: str, key: str, ref: dict[str, Any], now: datetime,
            after_id: int | None = None) -> int | None:
    """Add a message to send; its id, or None when ``key`` was enqueued already."""
    values = _new_row(team_id=team_id, kind=kind, key=key, ref=ref, now=now, due=now, after_id=after_id)
    dialect = dialect_insert(session)
    stmt = built(("enqueue", dialect),
                 lambda: dialect(OUTBOX).on_conflict_do_nothing(index_elements=["key"]).returning(OUTBOX.c.id))
    row = session.execute(stmt, values).first()
    return None if row is None else int(row[0])


def rearm_at(session: Session, *, team_id: str, kind: str, key: str, ref: dict[str, Any], now: datetime,
             due: datetime) -> int:
    """Enqueue a live message due at ``due``, or make the row under ``key`` due again; its id.

    The generation moves on, so a send already under way is followed by another. A row no longer
    pending is due at ``due`` (not at its old due time, long past), a pending one at the later of
    its due time and ``due``. That is how a live message is held back to one send per interval
    however often it changes.
    """
    values = _new_row(team_id=team_id, kind=kind, key=key, ref=ref, now=now, due=due)
    dialect = dialect_insert(session)
    stmt = built(("rearm", dialect), lambda: _rearm_statement(dialect))
    return int(session.execute(stmt, {**values, "rearm_due": due}).scalar_one())


def _rearm_statement(dialect: Any) -> Any:
    """:func:`rearm_at`'s statement, built once: the row's values and ``rearm_due`` are bound at each execution."""
    at = bindparam("rearm_due", type_=OUTBOX.c.next_attempt_at.type)
    later = case((and_(OUTBOX.c.state == "pending", OUTBOX.c.next_attempt_at > at), OUTBOX.c.next_attempt_at),
                 else_=at)
    return dialect(OUTBOX).on_conflict_do_update(
        index_elements=["key"],
        set_={"state": "pending", "generation": OUTBOX.c.generation + 1, "attempts": 0, "last_error": None,
              "next_attempt_at": later},
    ).returning(OUTBOX.c.id)


def _due(now: Any) -> Any:
    parent = OUTBOX.alias("parent")
    parent_sent = or_(OUTBOX.c.after_id.is_(None),
                      select(parent.c.id).where(parent.c.id == OUTBOX.c.after_id, parent.c.state != "pending").exists())
    return and_(OUTBOX.c.state == "pending", OUTBOX.c.next_attempt_at <= now,
                or_(OUTBOX.c.lease_until.is_(None), OUTBOX.c.lease_until < now), parent_sent)


def _claim_statement(*, by_id: bool) -> Any:
    """The claim, built once: its values are bound at each execution (no statement building per claim)."""
    due = _due(bindparam("now", type_=OUTBOX.c.next_attempt_at.type))
    if by_id:
        due = and_(due, OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    candidates = leasable(select(OUTBOX.c.id).where(due).order_by(OUTBOX.c.id).limit(bindparam("limit")))
    return (update(OUTBOX)
            .where(OUTBOX.c.id.in_(select(candidates.c.id)), due)
            .values(lease_token=bindparam("token"),
                    lease_until=bindparam("lease", type_=OUTBOX.c.lease_until.type))
            .returning(OUTBOX.c.id, OUTBOX.c.team_id, OUTBOX.c.kind, OUTBOX.c.ref, OUTBOX.c.after_id,
                       OUTBOX.c.attempts, OUTBOX.c.generation))


_CLAIM_DUE, _CLAIM_IDS = _claim_statement(by_id=False), _claim_statement(by_id=True)


def claim(session: Session, *, now: datetime, token: str, lease_until: datetime, limit: int,
          ids: Sequence[int] | None = None) -> Sequence[Any]:
    """Lease up to ``limit`` due rows (only ``ids`` when given), oldest first.

    Rows (id, team_id, kind, ref, after_id, attempts, generation).
    """
    params: dict[str, Any] = {"now": now, "token": token, "lease": lease_until, "limit": limit}
    if ids is not None:
        if not ids:
            return []
        params["ids"] = list(ids)
    rows = session.connection().execute(_CLAIM_IDS if ids is not None else _CLAIM_DUE, params).all()
    return sorted(rows, key=lambda row: row.id)


def parent_results(session: Session, *, ids: Sequence[int]) -> dict[int, tuple[str | None, str | None, str]]:
    """id → (result_ts, result_channel, state) of the messages that others reply under."""
    if not ids:
        return {}
    columns = (col(OutboxMessage.id), col(OutboxMessage.result_ts), col(OutboxMessage.result_channel),
               col(OutboxMessage.state))
    rows = session.execute(select(*columns).where(col(OutboxMessage.id).in_(list(ids)))).all()
    return {int(r.id): (r.result_ts, r.result_channel, r.state) for r in rows}


_OWNED = and_(OUTBOX.c.id == bindparam("message_id"), OUTBOX.c.lease_token == bindparam("token"),
              OUTBOX.c.state == "pending")
_SENT_VALUES = {"sent_at": bindparam("now", type_=OUTBOX.c.sent_at.type), "result_ts": bindparam("ts"),
                "result_channel": bindparam("channel"), "lease_until": None}
_MARK_SENT = (update(OUTBOX).where(_OWNED, OUTBOX.c.generation == bindparam("b_generation"))
              .values(state="sent", last_error=None, **_SENT_VALUES))
_MARK_SENT_REARMED = update(OUTBOX).where(_OWNED).values(**_SENT_VALUES)


def mark_sent(session: Session, *, message_id: int, token: str, generation: int, now: datetime,
              ts: str | None, channel: str | None) -> bool:
    """Record a send; False when the lease was lost. A row re-armed meanwhile stays pending."""
    conn = session.connection()
    params = {"message_id": message_id, "token": token, "b_generation": generation, "now": now, "ts": ts,
              "channel": channel}
    if conn.execute(_MARK_SENT, params).rowcount:
        return True
    params.pop("b_generation")
    return bool(conn.execute(_MARK_SENT_REARMED, params).rowcount)


def mark_unsent(session: Session, *, message_id: int, token: str, attempts: int, error: str,
                retry_at: datetime | None) -> bool:
    """A refused or failed send: due again at ``retry_at``, or failed for good when it is None."""
    values: dict[str, Any] = {"attempts": attempts, "last_error": error[:200], "lease_until": None}
    if retry_at is None:
        values["state"] = "failed"
    else:
        values["next_attempt_at"] = retry_at
    stmt = (update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.lease_token) == token,
                   col(OutboxMessage.state) == "pending")
            .values(**values).execution_options(**_NO_SYNC))
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def _next_due() -> Any:
    claimable = case((OUTBOX.c.lease_until > OUTBOX.c.next_attempt_at, OUTBOX.c.lease_until),
                     else_=OUTBOX.c.next_attempt_at)
    return select(func.min(claimable)).where(OUTBOX.c.state == "pending")


def next_due_at(session: Session) -> datetime | None:
    """When the earliest pending row may be claimed: it falls due, and no sender holds it (None when nothing is
    pending)."""
    due: datetime | None = run_built(session, ("outbox.next_due",), _next_due, {})[0][0]
    return due








def enqueue_many(session: Session, *, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    """Add several messages in one statement; each dict has ``team_id``, ``kind``, ``key``, ``ref``.

    Keys enqueued already are left as they are.
    """
    if not rows:
        return
    values = [_new_row(team_id=r["team_id"], kind=r["kind"], key=r["key"], ref=r["ref"], now=now, due=now)
              for r in rows]
    session.execute(dialect_insert(session)(OUTBOX).on_conflict_do_nothing(index_elements=["key"]), values)


def count_failed_between(session: Session, *, team_id: str, start: datetime, end: datetime) -> int:
    """How many of a team's messages enqueued in ``(start, end]`` failed for good (a digest's footer)."""
    def build() -> Any:
        return select(func.count()).where(
            col(OutboxMessage.team_id) == bindparam("team"), col(OutboxMessage.state) == "failed",
            col(OutboxMessage.created_at) > bindparam("start"), col(OutboxMessage.created_at) <= bindparam("end"))
    rows = run_built(session, ("outbox.failed_between",), build, {"team": team_id, "start": start, "end": end})
    return int(rows[0][0] or 0)


def state_by_key(session: Session, *, key: str) -> Any:
    """Where the row enqueued under ``key`` stands: (id, state, sent_at, next_attempt_at), or None."""
    rows = run_built(session, ("outbox.state_by_key",), _state_by_key, {"key": key})
    return rows[0] if rows else None


def _state_by_key() -> Any:
    return (select(OUTBOX.c.id, OUTBOX.c.state, OUTBOX.c.sent_at, OUTBOX.c.next_attempt_at)
            .where(OUTBOX.c.key == bindparam("key")))


def failed_errors(session: Session, *, keys: Sequence[str]) -> dict[str, str]:
    """Key → Slack's last answer, for those of ``keys`` whose message failed for good."""
    if not keys:
        return {}
    rows = session.execute(select(col(OutboxMessage.key), col(OutboxMessage.last_error))
                           .where(col(OutboxMessage.key).in_(list(keys)), col(OutboxMessage.state) == "failed"))
    return {r.key: r.last_error or "?" for r in rows}
