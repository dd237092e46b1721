"""Recording, listing, revoking, reviewing and superseding decisions.

A decision is superseded once: the claim is a conditional update of its status (``active`` →
``superseded``) made in the transaction that records the new decision, and the new decision's
``supersedes`` is a unique key; of simultaneous attempts one wins, the others are told.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

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
    supersedes: int | None = None,
) -> Decision:
    """Record a decision and write the audit log (two statements).

    ``supersedes``: the decision it replaces, already claimed with :func:`claim_superseded`; it is
    linked back to the new one.
    """
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
        supersedes=supersedes,
    )
    if supersedes is not None:
        store.set_superseded_by(session, consortium_id=consortium_id, decision_id=supersedes,
                                new_id=decision.id or 0)
    write_audit(
        session,
        consortium_id=consortium_id,
        actor_id=recorded_by,
        action="decision.record",
        entity="decision",
        entity_id=decision.id,
        detail={"channel_id": channel_id, "thread_ts": thread_ts, "source": source, "proposal_id": proposal_id,
                "supersedes": supersedes},
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
    decision = _authorised(session, settings=settings, consortium_id=consortium_id, decision_id=decision_id,
                           actor_id=actor_id, doing="revoke")
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


def _authorised(session: Session, *, settings: Settings, consortium_id: str, decision_id: int, actor_id: str,
                doing: str) -> Decision:
    """The decision, when ``actor_id`` recorded it or is a facilitator; else Forbidden."""
    decision = get_decision(session, consortium_id=consortium_id, decision_id=decision_id)
    if decision.recorded_by != actor_id and not is_facilitator(
        session, settings=settings, consortium_id=consortium_id, user_id=actor_id
    ):
        raise Forbidden(
            f"Only the person who recorded decision #{decision_id} (<@{decision.recorded_by}>) "
            f"or a facilitator can {doing} it."
        )
    return decision


def set_review(session: Session, *, settings: Settings, consortium_id: str, decision_id: int, actor_id: str,
               review_on: date | None, today: date) -> Decision:
    """Set the day a decision is due for review (``None`` clears it); its recorder or a facilitator.

    Only an active decision gets a review day, and not one in the past (``today`` is the
    consortium's today); clearing is always allowed.
    """
    decision = _authorised(session, settings=settings, consortium_id=consortium_id, decision_id=decision_id,
                           actor_id=actor_id, doing="set the review date of")
    if review_on is not None:
        if decision.status != "active":
            raise Invalid(f"Decision #{decision_id} is {decision.status}; only an active decision can be reviewed.")
        if review_on < today:
            raise Invalid(f"{review_on.isoformat()} is in the past; give today or a later date.")
    store.set_review_on(session, consortium_id=consortium_id, decision_id=decision_id, review_on=review_on)
    write_audit(session, consortium_id=consortium_id, actor_id=actor_id, action="decision.review",
                entity="decision", entity_id=decision_id,
                detail={"review_on": review_on.isoformat() if review_on else None})
    return get_decision(session, consortium_id=consortium_id, decision_id=decision_id, fresh=True)


@dataclass(frozen=True)
class Supersession:
    """A decision superseded by a new one."""

    old: Decision
    new: Decision


def claim_superseded(session: Session, *, consortium_id: str, decision_id: int) -> bool:
    """Mark an active decision superseded; False when it is not active (any more)."""
    return store.claim_supersede(session, consortium_id=consortium_id, decision_id=decision_id)


def supersede_decision(session: Session, *, settings: Settings, consortium_id: str, decision_id: int,
                       actor_id: str, text: str, channel_id: str, now: datetime) -> Supersession:
    """Record a new decision that replaces ``decision_id`` and mark that one superseded, linked both ways.

    Only the old decision's recorder or a facilitator may, and only while it is active.
    """
    old = _authorised(session, settings=settings, consortium_id=consortium_id, decision_id=decision_id,
                      actor_id=actor_id, doing="supersede")
    if old.status != "active" or not claim_superseded(session, consortium_id=consortium_id,
                                                      decision_id=decision_id):
        old = get_decision(session, consortium_id=consortium_id, decision_id=decision_id, fresh=True)
        raise Invalid(f"Decision #{decision_id} is already {old.status}; only an active decision can be superseded.")
    new = record_decision(session, consortium_id=consortium_id, text=text, channel_id=channel_id,
                          recorded_by=actor_id, now=now, supersedes=decision_id)
    write_audit(session, consortium_id=consortium_id, actor_id=actor_id, action="decision.supersede",
                entity="decision", entity_id=decision_id, detail={"superseded_by": new.id})
    old = get_decision(session, consortium_id=consortium_id, decision_id=decision_id, fresh=True)
    return Supersession(old=old, new=new)


SUPERSEDES = re.compile(r"(?<![\w-])supersedes\s+#([0-9]{1,18})\b", re.IGNORECASE)


def named_superseded(text: str) -> int | None:
    """The decision id that ``supersedes #<id>`` in ``text`` names (the first), or None."""
    match = SUPERSEDES.search(text)
    return int(match.group(1)) if match else None


def claim_named_superseded(session: Session, *, consortium_id: str, text: str) -> int | None:
    """Claim, as superseded, the active decision that ``supersedes #<id>`` in ``text`` names; its id, or None
    when the text names none or that decision is unknown or no longer active."""
    decision_id = named_superseded(text)
    if decision_id is None or store.get_decision(session, consortium_id=consortium_id, decision_id=decision_id) is None:
        return None
    return decision_id if claim_superseded(session, consortium_id=consortium_id, decision_id=decision_id) else None
