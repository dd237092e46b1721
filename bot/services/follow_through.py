"""Follow-through on commitments: the owner's reminder before the due date, then escalation.

A commitment with a due date has a *due moment*: 09:00 of the due date in the owner's primary
group's zone (the consortium's default zone without a group). Its steps, each at most once:

0. ``remind_before`` before the due moment, a direct message to the owner (at once when that moment
   has passed already when the commitment is armed — recorded, re-dated, or found after a restart);
1. ``escalate_after`` after the due moment, if still open, a message to the focal point of the
   owner's organisation (skipped, and said so in the history, when there is none);
2. twice ``escalate_after`` after it, if still open, a message to each facilitator.

The next step and its time live on the commitment (``follow_step``, ``follow_at``); a step is claimed
by a conditional update of those columns, in the transaction that writes its history line and
enqueues its messages, so processes and restarts take each step once. A new due date starts a new
generation: the steps of the new date are armed afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.config import Settings
from bot.services import Forbidden, Invalid
from bot.services.access import is_facilitator
from bot.services.commitments import get_commitment
from bot.services.organisations import focal_point_of
from storage import commitments as store
from storage import groups, sweeps, teams
from storage.models import Commitment

DUE_HOUR = time(9, 0)
REMIND, FOCAL, FACILITATORS, FINISHED = 0, 1, 2, 3
ACCORD = "accord"  # the history's "who" for the steps Accord takes itself



def due_moment(due_date: date, zone: str) -> datetime:
    """09:00 of ``due_date`` in ``zone``, as an aware UTC time."""
    local = datetime.combine(due_date, DUE_HOUR, tzinfo=ZoneInfo(zone))
    return local.astimezone(ZoneInfo("UTC"))


def owner_zone(session: Session, *, consortium_id: str, owner_id: str, default_zone: str) -> str:
    """The zone of the owner's primary group, or ``default_zone`` when they have none."""
    group_id = groups.primary_group_id(session, consortium_id=consortium_id, user_id=owner_id)
    group = groups.get_group(session, consortium_id=consortium_id, group_id=group_id) if group_id else None
    return group.timezone if group is not None else default_zone


def step_time(step: int, *, due_at: datetime, settings: Settings) -> datetime | None:
    """When step ``step`` of a commitment due at ``due_at`` is due (None: no step left)."""
    if step == REMIND:
        return due_at - settings.commitment_remind_before
    if step == FOCAL:
        return due_at + settings.commitment_escalate_after
    if step == FACILITATORS:
        return due_at + 2 * settings.commitment_escalate_after
    return None


def arm_new_commitments(session: Session, *, settings: Settings, default_zone: str, limit: int = 100) -> int:
    """Arm the follow-through of open, dated commitments of every team that have none yet; how many."""
    armed = 0
    for c in sweeps.list_unarmed_commitments(session, limit=limit):
        assert c.id is not None and c.due_date is not None
        zone = owner_zone(session, consortium_id=c.consortium_id, owner_id=c.owner_id, default_zone=default_zone)
        due_at = due_moment(c.due_date, zone)
        first = step_time(REMIND, due_at=due_at, settings=settings)
        assert first is not None
        armed += store.arm_follow_through(session, consortium_id=c.consortium_id, commitment_id=c.id,
                                          generation=c.follow_generation, due_at=due_at, follow_at=first)
    return armed


@dataclass(frozen=True)
class FollowStep:
    """A step taken: whom to tell (none for a skipped escalation)."""

    consortium_id: str
    commitment_id: int
    generation: int
    step: int
    recipients: tuple[str, ...]
    days_late: int = 0  # whole days past the due moment when the step was taken


def claim_due_steps(session: Session, *, settings: Settings, now: datetime, limit: int = 50) -> list[FollowStep]:
    """Take every follow-through step now due (each once across processes), writing each to the history."""
    taken: list[FollowStep] = []
    for c in sweeps.list_due_follow_steps(session, now=now, limit=limit):
        assert c.id is not None and c.due_at is not None
        step = c.follow_step
        if not store.claim_follow_step(session, consortium_id=c.consortium_id, commitment_id=c.id,
                                       generation=c.follow_generation, step=step, now=now,
                                       next_at=step_time(step + 1, due_at=c.due_at, settings=settings)):
            continue
        recipients, note = _step_recipients(session, settings=settings, commitment=c, step=step)
        store.add_update(session, consortium_id=c.consortium_id, commitment_id=c.id, user_id=ACCORD,
                         old_status=c.status, new_status=c.status, note=note, source="follow-through",
                         created_at=now)
        teams.write_audit(session, consortium_id=c.consortium_id, actor_id=None,
                          action=f"commitment.{('remind', 'escalate_focal', 'escalate_facilitators')[step]}",
                          entity="commitment", entity_id=c.id, detail={"recipients": list(recipients)})
        taken.append(FollowStep(consortium_id=c.consortium_id, commitment_id=c.id, generation=c.follow_generation,
                                step=step, recipients=tuple(recipients), days_late=days_late(c, now=now)))
    return taken


def _step_recipients(session: Session, *, settings: Settings, commitment: Commitment,
                     step: int) -> tuple[list[str], str]:
    """Whom step ``step`` tells, and its line in the commitment's history."""
    if step == REMIND:
        return [commitment.owner_id], f"Reminder sent to <@{commitment.owner_id}> before the due date"
    if step == FOCAL:
        focal = focal_point_of(session, consortium_id=commitment.consortium_id, user_id=commitment.owner_id)
        if focal is None:
            return [], "Escalation to the organisation's focal point skipped: the owner's organisation has none"
        return [focal], f"Escalated to <@{focal}>, focal point of the owner's organisation"
    facilitators = sorted(settings.facilitators
                          | teams.list_facilitator_ids(session, consortium_id=commitment.consortium_id))
    if not facilitators:
        return [], "Escalation to the facilitators skipped: the consortium has no facilitator"
    return facilitators, "Escalated to the facilitators"


def change_due_date(session: Session, *, settings: Settings, consortium_id: str, commitment_id: int, actor_id: str,
                    due_date: date, now: datetime) -> tuple[Commitment, bool]:
    """Move an open or blocked commitment's due date (owner or facilitator); its follow-through starts again.

    Returns (commitment, changed); the same date again changes nothing.
    """
    commitment = get_commitment(session, consortium_id=consortium_id, commitment_id=commitment_id)
    if commitment.owner_id != actor_id and not is_facilitator(session, settings=settings, consortium_id=consortium_id,
                                                              user_id=actor_id):
        raise Forbidden(f"Only the owner of commitment #{commitment_id} (<@{commitment.owner_id}>) or a facilitator "
                        "can change its due date.")
    if commitment.status in ("done", "dropped"):
        raise Invalid(f"Commitment #{commitment_id} is already {commitment.status}.")
    if commitment.due_date == due_date:
        return commitment, False
    old = commitment.due_date
    store.set_due_date(session, consortium_id=consortium_id, commitment_id=commitment_id, due_date=due_date, now=now)
    note = f"Due date moved from {old.isoformat() if old else 'none'} to {due_date.isoformat()}"
    store.add_update(session, consortium_id=consortium_id, commitment_id=commitment_id, user_id=actor_id,
                     old_status=commitment.status, new_status=commitment.status, note=note, source="due-date",
                     created_at=now)
    teams.write_audit(session, consortium_id=consortium_id, actor_id=actor_id, action="commitment.due_date",
                      entity="commitment", entity_id=commitment_id,
                      detail={"from": old, "to": due_date})
    return get_commitment(session, consortium_id=consortium_id, commitment_id=commitment_id, fresh=True), True


def days_late(commitment: Commitment, *, now: datetime) -> int:
    """Whole days since the commitment's due moment (0 before it or without one)."""
    if commitment.due_at is None or now <= commitment.due_at:
        return 0
    return (now - commitment.due_at) // timedelta(days=1)
