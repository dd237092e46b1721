"""Queries and writes for members' alternates (`/proxy`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.models import Proxy


def revoke_proxies(session: Session, *, consortium_id: str, member_id: str, now: datetime) -> int:
    """End every proxy of a member still in force; how many there were."""
    result = session.execute(update(Proxy).where(
        col(Proxy.consortium_id) == consortium_id, col(Proxy.member_id) == member_id, col(Proxy.revoked_at).is_(None),
    ).values(revoked_at=now).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def add_proxy(session: Session, *, proxy: Proxy) -> Proxy:
    """Insert a proxy."""
    session.add(proxy)
    session.flush()
    return proxy


def active_proxies(session: Session, *, consortium_id: str, today: date, proposal_id: int | None = None,
                   alternate_id: str | None = None, member_id: str | None = None) -> list[Proxy]:
    """Proxies in force today (not revoked, not past their date), for one proposal when given, oldest first."""
    query = select(Proxy).where(col(Proxy.consortium_id) == consortium_id, col(Proxy.revoked_at).is_(None),
                                or_(col(Proxy.until).is_(None), col(Proxy.until) >= today))
    if proposal_id is not None:
        query = query.where(or_(col(Proxy.proposal_id).is_(None), col(Proxy.proposal_id) == proposal_id))
    if alternate_id is not None:
        query = query.where(col(Proxy.alternate_id) == alternate_id)
    if member_id is not None:
        query = query.where(col(Proxy.member_id) == member_id)
    return list(session.exec(query.order_by(col(Proxy.created_at), col(Proxy.id))))
