"""Recording, listing and revoking decisions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.services import Forbidden, Invalid, NotFound
from bot.services.access import is_facilitator
from storage import decisions as store
from storage.models import Decision
from storage.teams import write_audit


def record_decision(
    session: Session,
    *,
    consortium_id: str,
    text: str,
    channel_id: str,
    recorded_by: str,
    now: datetime,
    rationale: str | None = None,
    thread_ts: str | None = None,
    message_ts: str | None = None,
    permalink: str | None = None,
    source: str = "command",
    proposal_id: int | None = None,
) -> Decision:
    """Record a decision and write the audit log (two statements)."""
    decision = store.insert_decision(
        session,
        consortium_id=consortium_id,
        text=text.strip(),
        rationale=(rationale or "").strip() or None,
        status="active",
        channel_id=channel_id,
        thread_ts=thread_ts,
        message_ts=message_ts,
        permalink=permalink,
        recorded_by=recorded_by,
        source=source,
        created_at=now,
        proposal_id=proposal_id,
    )
    write_audit(
        session,
        consortium_id=consortium_id,
        actor_id=recorded_by,
        action="decision.record",
        entity="decision",
        entity_id=decision.id,
        detail={"channel_id": channel_id, "thread_ts": thread_ts, "source": source, "proposal_id": proposal_id},
    )
    return decision


def set_decision_link(
    session: Session, *, consortium_id: str, decision_id: int, message_ts: str | None, permalink: str | None
) -> None:
    """Remember where a decision was announced (once the message exists)."""
    if message_ts or permalink:
        store.set_link(session, consortium_id=consortium_id, decision_id=decision_id, message_ts=message_ts,
                       permalink=permalink)


def set_progress_message(session: Session, *, consortium_id: str, decision_id: int, ts: str | None) -> None:
    """Remember where the decision's "N of M commitments done" line was posted (it is updated there)."""
    if ts:
        store.set_progress_ts(session, consortium_id=consortium_id, decision_id=decision_id, ts=ts)


def get_decision(session: Session, *, consortium_id: str, decision_id: int, fresh: bool = False) -> Decision:
    """A decision of this team or NotFound (``fresh``: read again from the database)."""
    decision = store.get_decision(session, consortium_id=consortium_id, decision_id=decision_id, fresh=fresh)
    if decision is None:
        raise NotFound(f"There is no decision #{decision_id} in this workspace. Try `/decision list`.")
    return decision


def revoke_decision(
    session: Session,
    *,
    settings: Settings,
    consortium_id: str,
    decision_id: int,
    actor_id: str,
    reason: str | None,
    now: datetime,
) -> Decision:
    """Mark a decision revoked; only its recorder or a facilitator may, and only once.

    The change is conditional on the decision being active: of simultaneous revokes one wins,
    the others are told it is already revoked.
    """
    decision = get_decision(session, consortium_id=consortium_id, decision_id=decision_id)
    if decision.recorded_by != actor_id and not is_facilitator(
        session, settings=settings, consortium_id=consortium_id, user_id=actor_id
    ):
        raise Forbidden(
            f"Only the person who recorded decision #{decision_id} (<@{decision.recorded_by}>) "
            "or a facilitator can revoke it."
        )
    reason = (reason or "").strip() or None
    if decision.status != "active" or not store.claim_revoke(
        session, consortium_id=consortium_id, decision_id=decision_id, actor_id=actor_id, reason=reason, now=now
    ):
        decision = get_decision(session, consortium_id=consortium_id, decision_id=decision_id, fresh=True)
        raise Invalid(f"Decision #{decision_id} is already {decision.status}.")
    decision = get_decision(session, consortium_id=consortium_id, decision_id=decision_id, fresh=True)
    write_audit(
        session,
        consortium_id=consortium_id,
        actor_id=actor_id,
        action="decision.revoke",
        entity="decision",
        entity_id=decision_id,
        detail={"reason": decision.revoke_reason},
    )
    return decision


def recent_decisions(session: Session, *, consortium_id: str, channel_id: str, limit: int = 15) -> list[Decision]:
    """The channel's most recent decisions, newest first."""
    return store.list_decisions(session, consortium_id=consortium_id, channel_id=channel_id, limit=limit,
                                newest_first=True)


def find_decision(session: Session, *, consortium_id: str, decision_id: int) -> Decision | None:
    """A decision of this team, or None."""
    return store.get_decision(session, consortium_id=consortium_id, decision_id=decision_id)
