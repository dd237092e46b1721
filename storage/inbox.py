"""The inbox: Slack requests stored before their ack, leased to one worker, marked done once.

Every write here is one statement; claims are conditional updates on the lease token, and on
PostgreSQL the sweep picks its candidates ``FOR UPDATE SKIP LOCKED`` so that processes take
different rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from storage.db import dialect_insert, leasable
from storage.models import InboxRequest

INBOX = InboxRequest.__table__  # type: ignore[attr-defined]
_NO_SYNC = {"synchronize_session": False}


def _add_statement(insert: Any) -> Any:
    """The store, built once per database: run with a list of rows (one round trip on both
    databases, SQLAlchemy's "insertmanyvalues"), so no batch size compiles a statement of its own."""
    return (insert(INBOX).on_conflict_do_nothing(index_elements=["key"])
            .returning(INBOX.c.id, INBOX.c.key))


_ADD: dict[Any, Any] = {}


def _insert_ignoring_duplicates(conn: Connection) -> Any:
    insert = dialect_insert(conn)
    stmt = _ADD.get(insert)
    if stmt is None:
        stmt = _ADD[insert] = _add_statement(insert)
    return stmt


def add_request(conn: Connection, *, team_id: str, kind: str, key: str, body: str, token: str,
                now: datetime, lease_until: datetime) -> int | None:
    """Store one request, born leased to its receiver; None when its delivery key is already stored."""
    return add_requests(conn, [{"team_id": team_id, "kind": kind, "key": key, "body": body, "token": token,
                                "now": now, "lease_until": lease_until}])[0]


def add_requests(conn: Connection, requests: Sequence[dict[str, Any]]) -> list[int | None]:
    """Store several requests in one statement (each dict as :func:`add_request`'s arguments).

    The id of each, in order; None for a delivery key already stored (or repeated earlier in
    ``requests``).
    """
    rows: dict[str, dict[str, Any]] = {}
    for r in requests:
        key = r["key"][:200]
        rows.setdefault(key, {"team_id": r["team_id"][:32], "kind": r["kind"], "key": key, "body": r["body"],
                              "state": "pending", "attempts": 1, "lease_token": r["token"],
                              "lease_until": r["lease_until"], "received_at": r["now"]})
    stored = {row.key: int(row.id) for row in conn.execute(_insert_ignoring_duplicates(conn), list(rows.values()))}
    ids: list[int | None] = []
    for r in requests:  # a key repeated within the batch is stored once, for its first request
        ids.append(stored.pop(r["key"][:200], None))
    return ids


def start(session: Session, *, request_id: int, token: str, lease_until: datetime) -> bool:
    """Renew the lease before working a row; False when another worker took it or it is finished."""
    stmt = (update(InboxRequest)
            .where(col(InboxRequest.id) == request_id, col(InboxRequest.lease_token) == token,
                   col(InboxRequest.state) == "pending")
            .values(lease_until=lease_until).execution_options(**_NO_SYNC))
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


_FINISH = (update(INBOX)
           .where(INBOX.c.id == bindparam("request_id"), INBOX.c.lease_token == bindparam("token"),
                  INBOX.c.state.in_(("pending", "done")))
           .values(state="done", done_at=bindparam("now", type_=INBOX.c.done_at.type), lease_until=None))


def finish(session: Session, *, request_id: int, token: str, now: datetime) -> bool:
    """Mark a row done in the caller's transaction; False when this worker no longer holds it."""
    result = session.connection().execute(_FINISH, {"request_id": request_id, "token": token, "now": now})
    return bool(result.rowcount)


def release(session: Session, *, request_id: int, token: str, error: str, retry_at: datetime | None) -> bool:
    """A failed attempt: try again after ``retry_at``, or mark the row failed when it is None."""
    values: dict[str, Any] = {"last_error": error[:200]}
    if retry_at is None:
        values |= {"state": "failed", "lease_until": None}
    else:
        values |= {"lease_until": retry_at}
    stmt = (update(InboxRequest)
            .where(col(InboxRequest.id) == request_id, col(InboxRequest.lease_token) == token,
                   col(InboxRequest.state) == "pending")
            .values(**values).execution_options(**_NO_SYNC))
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def _claim_stale_statement(*, by_kind: bool) -> Any:
    """The takeover, built once: its values are bound at each execution."""
    now = bindparam("now", type_=INBOX.c.lease_until.type)
    stale = and_(INBOX.c.state == "pending", or_(INBOX.c.lease_until.is_(None), INBOX.c.lease_until < now))
    if by_kind:
        stale = and_(stale, INBOX.c.kind.in_(bindparam("kinds", expanding=True)))
    candidates = leasable(select(INBOX.c.id).where(stale).order_by(INBOX.c.id).limit(bindparam("limit")))
    return (update(INBOX)
            .where(INBOX.c.id.in_(select(candidates.c.id)), stale)
            .values(lease_token=bindparam("token"), lease_until=bindparam("lease", type_=INBOX.c.lease_until.type),
                    attempts=INBOX.c.attempts + 1)
            .returning(INBOX.c.id, INBOX.c.kind, INBOX.c.body, INBOX.c.attempts))


_CLAIM_STALE, _CLAIM_STALE_KINDS = _claim_stale_statement(by_kind=False), _claim_stale_statement(by_kind=True)


def claim_stale(session: Session, *, now: datetime, token: str, lease_until: datetime,
                limit: int, kinds: Sequence[str] | None = None) -> Sequence[Any]:
    """Take over up to ``limit`` pending rows whose lease expired (only of ``kinds`` when given):
    rows (id, kind, body, attempts)."""
    params: dict[str, Any] = {"now": now, "token": token, "lease": lease_until, "limit": limit}
    if kinds is not None:
        if not kinds:
            return []
        params["kinds"] = list(kinds)
    rows = session.connection().execute(_CLAIM_STALE_KINDS if kinds is not None else _CLAIM_STALE, params).all()
    return sorted(rows, key=lambda row: row.id)


def backlog(session: Session) -> tuple[int, datetime | None]:
    """How many stored requests are not worked yet, and when the oldest of them arrived (every team)."""
    count, oldest = session.execute(select(func.count(), func.min(col(InboxRequest.received_at)))
                                    .where(col(InboxRequest.state) == "pending")).one()
    return int(count), oldest


def prune(engine: Engine, *, before: datetime) -> int:
    """Delete finished rows received before ``before``; pending rows are kept whatever their age."""
    with engine.begin() as conn:
        result = conn.execute(delete(INBOX).where(INBOX.c.received_at < before, INBOX.c.state != "pending"))
    return int(result.rowcount or 0)
