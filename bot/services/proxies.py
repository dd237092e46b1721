"""Members' alternates: `/proxy @alternate [until <date>] [for <proposal id>]` and `/proxy off`.

A member has at most one proxy in force: a new one replaces the last. While in force (not turned
off, not past its date, and for its proposal when it names one) the alternate may take the
member's position; the member may always override it with their own.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from bot.services import Invalid, NotFound
from storage import proposals as proposal_store
from storage import proxies as store
from storage.models import Proxy
from storage.teams import write_audit


def set_proxy(session: Session, *, consortium_id: str, member_id: str, alternate_id: str, now: datetime,
              today: date, until: date | None = None, proposal_id: int | None = None) -> Proxy:
    """Make ``alternate_id`` the member's proxy (replacing any other), until a date and/or for one open proposal."""
    if alternate_id == member_id:
        raise Invalid("Name someone else as your alternate.")
    if until is not None and until < today:
        raise Invalid(f"{until.isoformat()} has passed; give today or a later date.")
    if proposal_id is not None:
        proposal = proposal_store.get_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
        if proposal is None:
            raise NotFound(f"There is no proposal #{proposal_id} in this workspace.")
        if proposal.status != "open":
            raise Invalid(f"Proposal #{proposal_id} is closed; a proxy for it would do nothing.")
    store.revoke_proxies(session, consortium_id=consortium_id, member_id=member_id, now=now)
    proxy = store.add_proxy(session, proxy=Proxy(consortium_id=consortium_id, member_id=member_id,
                                                 alternate_id=alternate_id, until=until, proposal_id=proposal_id,
                                                 created_at=now))
    write_audit(session, consortium_id=consortium_id, actor_id=member_id, action="proxy.set", entity="proxy",
                entity_id=proxy.id, detail={"alternate_id": alternate_id, "until": until, "proposal_id": proposal_id})
    return proxy


def proxy_off(session: Session, *, consortium_id: str, member_id: str, now: datetime) -> bool:
    """End the member's proxy; False when none was in force."""
    ended = store.revoke_proxies(session, consortium_id=consortium_id, member_id=member_id, now=now)
    if ended:
        write_audit(session, consortium_id=consortium_id, actor_id=member_id, action="proxy.off", entity="proxy",
                    entity_id=None, detail={"ended": ended})
    return ended > 0


def current_proxy(session: Session, *, consortium_id: str, member_id: str, today: date) -> Proxy | None:
    """The member's proxy in force today, if any."""
    found = store.active_proxies(session, consortium_id=consortium_id, today=today, member_id=member_id)
    return found[-1] if found else None


def represented_members(session: Session, *, consortium_id: str, alternate_id: str, proposal_id: int,
                        today: date) -> list[str]:
    """Members for whom ``alternate_id`` may take a position on this proposal today."""
    rows = store.active_proxies(session, consortium_id=consortium_id, today=today, proposal_id=proposal_id,
                                alternate_id=alternate_id)
    return list(dict.fromkeys(p.member_id for p in rows))
