"""Queries and writes for members' alternates (`/proxy`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.db import built, is_unique_violation
from storage.models import Proxy

REPLACE_ATTEMPTS = 3


def revoke_proxies(session: Session, *, consortium_id: str, member_id: str, now: datetime) -> int:
    """End every proxy of a member still in force; how many there were."""
    result = session.execute(update(Proxy).where(
        col(Proxy.consortium_id) == consortium_id, col(Proxy.member_id) == member_id, col(Proxy.revoked_at).is_(None),
    ).values(revoked_at=now).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def replace_proxy(session: Session, *, now: datetime, **values: Any) -> Proxy:
    """End the member's proxy in force and insert the new one, in one savepoint.

    At most one proxy per member is in force (a partial unique index). When another request set one
    for the same member a moment ago, the insert waits for it and then finds the key taken: the
    savepoint is rolled back and both steps run again, now seeing that proxy, which the new one replaces.
    """
    for attempt in range(REPLACE_ATTEMPTS):
        proxy = Proxy(**values)
        try:
            with session.begin_nested():
                revoke_proxies(session, consortium_id=proxy.consortium_id, member_id=proxy.member_id, now=now)
                session.add(proxy)
                session.flush()
        except IntegrityError as err:
            if attempt + 1 < REPLACE_ATTEMPTS and is_unique_violation(err, Proxy.__table__):  # type: ignore[attr-defined]
                continue
            raise
        return proxy
    raise AssertionError("unreachable")  # pragma: no cover


def active_proxies(session: Session, *, consortium_id: str, today: date, proposal_id: int | None = None,
                   alternate_id: str | None = None, member_id: str | None = None) -> list[Proxy]:
    """Proxies in force today (not revoked, not past their date), for one proposal when given, oldest first."""
    shape = (proposal_id is not None, alternate_id is not None, member_id is not None)
    params = {"cid": consortium_id, "today": today, "proposal": proposal_id, "alternate": alternate_id,
              "member": member_id}
    return list(session.execute(built(("proxies.active", *shape), lambda: _active(*shape)), params).scalars())


def _active(proposal: bool, alternate: bool, member: bool) -> Any:
    """:func:`active_proxies`' statement for the filters given, built once: their values are bound."""
    query = select(Proxy).where(col(Proxy.consortium_id) == bindparam("cid"), col(Proxy.revoked_at).is_(None),
                                or_(col(Proxy.until).is_(None), col(Proxy.until) >= bindparam("today")))
    if proposal:
        query = query.where(or_(col(Proxy.proposal_id).is_(None), col(Proxy.proposal_id) == bindparam("proposal")))
    if alternate:
        query = query.where(col(Proxy.alternate_id) == bindparam("alternate"))
    if member:
        query = query.where(col(Proxy.member_id) == bindparam("member"))
    return query.order_by(col(Proxy.created_at), col(Proxy.id))
