"""Recording commitments, changing their status, and listing them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from sqlmodel import Session

from bot.config import Settings
from bot.services import Forbidden, Invalid, NotFound
from bot.services.access import is_facilitator
from bot.services.organisations import organisation_of
from storage import commitments as store
from storage import decisions
from storage.groups import primary_group_id
from storage.models import Commitment
from storage.teams import write_audit

Action = Literal["done", "block", "drop", "reopen"]
NEW_STATUS: dict[str, str] = {"done": "done", "block": "blocked", "drop": "dropped", "reopen": "open"}
STATUSES = ("open", "done", "blocked", "dropped")
TRANSITION_ATTEMPTS = 3


def record_commitment(
    session: Session,
    *,
    consortium_id: str,
    text: str,
    owner_id: str,
    created_by: str,
    channel_id: str,
    now: datetime,
    due_date: date | None = None,
    thread_ts: str | None = None,
    message_ts: str | None = None,
    permalink: str | None = None,
    source: str = "command",
    decision_id: int | None = None,
) -> Commitment:
    """Record a commitment for ``owner_id`` (attributed to the owner's primary group and organisation),
    carrying out ``decision_id`` when given (an active decision of this consortium, else NotFound / Invalid)."""
    if decision_id is not None:
        check_decision(session, consortium_id=consortium_id, decision_id=decision_id)
    commitment = store.insert_commitment(
        session,
        consortium_id=consortium_id,
        text=text.strip(),
        owner_id=owner_id,
        group_id=primary_group_id(session, consortium_id=consortium_id, user_id=owner_id),
        organisation=organisation_of(session, consortium_id=consortium_id, user_id=owner_id),
        due_date=due_date,
        status="open",
        channel_id=channel_id,
        thread_ts=thread_ts,
        message_ts=message_ts,
        permalink=permalink,
        source=source,
        created_by=created_by,
        created_at=now,
        updated_at=now,
        decision_id=decision_id,
    )
    write_audit(
        session,
        consortium_id=consortium_id,
        actor_id=created_by,
        action="commitment.record",
        entity="commitment",
        entity_id=commitment.id,
        detail={"owner_id": owner_id, "due_date": due_date, "channel_id": channel_id, "source": source,
                "decision_id": decision_id},
    )
    return commitment


def check_decision(session: Session, *, consortium_id: str, decision_id: int) -> None:
    """Raise unless ``decision_id`` is an active decision of this consortium (one a commitment may carry out)."""
    decision = decisions.get_decision(session, consortium_id=consortium_id, decision_id=decision_id)
    if decision is None:
        raise NotFound(f"There is no decision #{decision_id} in this workspace. Try `/decision list`.")
    if decision.status != "active":
        raise Invalid(f"Decision #{decision_id} is {decision.status}: a commitment can only carry out an active "
                      "decision.")


def decision_progress(session: Session, *, consortium_id: str, decision_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Decision id → (done, linked) of the commitments carrying it out, dropped ones not counted."""
    return store.decision_progress(session, consortium_id=consortium_id, decision_ids=decision_ids)


def set_commitment_link(
    session: Session, *, consortium_id: str, commitment_id: int, message_ts: str | None, permalink: str | None
) -> None:
    """Remember where a commitment was announced."""
    if message_ts or permalink:
        store.set_link(session, consortium_id=consortium_id, commitment_id=commitment_id, message_ts=message_ts,
                       permalink=permalink)


def get_commitment(session: Session, *, consortium_id: str, commitment_id: int, fresh: bool = False) -> Commitment:
    """A commitment of this team or NotFound (``fresh``: read again from the database)."""
    commitment = store.get_commitment(session, consortium_id=consortium_id, commitment_id=commitment_id, fresh=fresh)
    if commitment is None:
        raise NotFound(f"There is no commitment #{commitment_id} in this workspace. Try `/commit list all`.")
    return commitment


def change_status(
    session: Session,
    *,
    settings: Settings,
    consortium_id: str,
    commitment_id: int,
    actor_id: str,
    action: Action,
    now: datetime,
    note: str | None = None,
    source: str = "command",
    checkin_round_id: int | None = None,
) -> tuple[Commitment, bool]:
    """Change a commitment's status (owner or facilitator). Returns (commitment, changed).

    Asking for the status it already has changes nothing (a double click records once). Of
    simultaneous changes only one wins (a conditional update): it alone writes the history and
    the audit line and gets ``changed``; the others see the status the winner left.
    """
    commitment = get_commitment(session, consortium_id=consortium_id, commitment_id=commitment_id)
    if commitment.owner_id != actor_id and not is_facilitator(
        session, settings=settings, consortium_id=consortium_id, user_id=actor_id
    ):
        raise Forbidden(
            f"Only the owner of commitment #{commitment_id} (<@{commitment.owner_id}>) or a facilitator can change it."
        )
    new_status = NEW_STATUS[action]
    old_status = _transition(session, commitment=commitment, action=action, new_status=new_status, now=now)
    commitment = get_commitment(session, consortium_id=consortium_id, commitment_id=commitment_id, fresh=True)
    if old_status is None:
        return commitment, False
    store.add_update(session, consortium_id=consortium_id, commitment_id=commitment_id, user_id=actor_id,
                     old_status=old_status,
                     new_status=new_status, note=(note or "").strip() or None, source=source,
                     checkin_round_id=checkin_round_id, created_at=now)
    write_audit(
        session,
        consortium_id=consortium_id,
        actor_id=actor_id,
        action=f"commitment.{action}",
        entity="commitment",
        entity_id=commitment_id,
        detail={"from": old_status, "to": new_status, "note": note, "source": source},
    )
    return commitment, True


def _transition(session: Session, *, commitment: Commitment, action: Action, new_status: str,
                now: datetime) -> str | None:
    """Apply the change if the rules allow it: the status it changed from, or None when it had ``new_status``.

    When another request changed the commitment in between, the rules are applied again to
    the status it left.
    """
    assert commitment.id is not None
    for _ in range(TRANSITION_ATTEMPTS):
        if commitment.status == new_status:
            return None
        if commitment.status in ("done", "dropped") and action != "reopen":
            raise Invalid(f"Commitment #{commitment.id} is already {commitment.status}.")
        old_status = commitment.status
        if store.transition_status(session, consortium_id=commitment.consortium_id, commitment_id=commitment.id,
                                   old_status=old_status, new_status=new_status, now=now):
            return old_status
        commitment = get_commitment(session, consortium_id=commitment.consortium_id, commitment_id=commitment.id,
                                    fresh=True)
    raise Invalid(f"Commitment #{commitment.id} is being changed by someone else right now; try again.")


def list_for_scope(
    session: Session,
    *,
    consortium_id: str,
    scope: str,
    channel_id: str,
    user_id: str,
    today: date,
    limit: int | None = None,
) -> list[Commitment]:
    """Open commitments for `/commit list`: channel, mine, a user's, overdue or all."""
    if scope == "mine":
        return store.list_commitments(session, consortium_id=consortium_id, owner_id=user_id, limit=limit)
    if scope == "user":
        return store.list_commitments(session, consortium_id=consortium_id, owner_id=user_id, limit=limit)
    if scope == "overdue":
        return store.list_commitments(session, consortium_id=consortium_id, due_before=today, limit=limit)
    if scope == "all":
        return store.list_commitments(session, consortium_id=consortium_id, limit=limit)
    return store.list_commitments(session, consortium_id=consortium_id, channel_id=channel_id, limit=limit)


def is_overdue(commitment: Commitment, *, today: date) -> bool:
    """Open and due before today (in the team's zone)."""
    return commitment.status == "open" and commitment.due_date is not None and commitment.due_date < today


def find_commitment(session: Session, *, consortium_id: str, commitment_id: int) -> Commitment | None:
    """A commitment of this team, or None."""
    return store.get_commitment(session, consortium_id=consortium_id, commitment_id=commitment_id)
