"""Members' alternates: `/proxy @alternate [until <date>] [for <proposal id>]` and `/proxy off`.

A member has at most one proxy in force: a new one replaces the last. While in force (not turned
off, not past its date, and for its proposal when it names one) the alternate may take the
member's position; the member may always override it with their own.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from bot.services import Forbidden, Invalid, NotFound, proposals
from storage import groups
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
    proxy = store.replace_proxy(session, now=now, consortium_id=consortium_id, member_id=member_id,
                                alternate_id=alternate_id, until=until, proposal_id=proposal_id, created_at=now)
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


def take_position_for(session: Session, *, consortium_id: str, proposal_id: int, alternate_id: str, member_id: str,
                      now: datetime, today: date) -> proposals.PositionResult:
    """The alternate takes, for a member whose proxy they hold, the position they hold themselves.

    Refused without a proxy in force, without a position of the alternate's own, or when the member took
    their own position (theirs stands: the member may always override, the alternate never does).
    """
    if member_id not in represented_members(session, consortium_id=consortium_id, alternate_id=alternate_id,
                                            proposal_id=proposal_id, today=today):
        raise Forbidden(f"You don't hold <@{member_id}>'s proxy for proposal #{proposal_id}.")
    proposal = proposals.open_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
    mine = proposal_store.get_position(session, consortium_id=consortium_id, proposal_id=proposal_id,
                                       user_id=alternate_id)
    if mine is None:
        raise Invalid(f"Take your own position on proposal #{proposal_id} first; the same is then taken for "
                      f"<@{member_id}>.")
    theirs = proposal_store.get_position(session, consortium_id=consortium_id, proposal_id=proposal_id,
                                         user_id=member_id)
    if theirs is not None and theirs.proxy_by is None:
        raise Invalid(f"<@{member_id}> took their own position on proposal #{proposal_id}; it stands.")
    try:
        proposals.check_may_take_position(session, consortium_id=consortium_id, proposal_id=proposal_id,
                                          user_id=member_id)
    except Invalid:
        raise Invalid(f"<@{member_id}> takes no position on proposal #{proposal_id} (an observer, or a declared "
                      "conflict), so nobody takes one for them.") from None
    choice, reason = str(mine.choice), mine.reason
    group_id = groups.primary_group_id(session, consortium_id=consortium_id, user_id=member_id, observers=False)
    changed, previous = proposal_store.upsert_position(
        session, consortium_id=consortium_id, proposal_id=proposal_id, user_id=member_id, group_id=group_id,
        choice=choice, reason=reason, now=now, proxy_by=alternate_id)
    if changed:
        if not proposal_store.bump_version(session, consortium_id=consortium_id, proposal_id=proposal_id):
            raise Invalid(proposals.closed_message(
                proposals.get_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)))
        write_audit(session, consortium_id=consortium_id, actor_id=alternate_id, action="position.take",
                    entity="proposal", entity_id=proposal_id,
                    detail={"choice": choice, "from": previous, "reason": reason, "group_id": group_id,
                            "proxy_for": member_id})
    return proposals.PositionResult(proposal=proposal, choice=choice, changed=changed, previous=previous)
