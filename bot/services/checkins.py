"""Check-in rounds: when they fall due, who is asked, delivery with retries, reminders and closing.

A round is opened once per (group, due time) by an insert into a unique key, together with one
pending prompt per member, and each prompt's direct message is enqueued in the outbox in that
transaction (the outbox sends it once, retries refusals, marks what fails for good). A closing
enqueues the round's summary the same way. Reminders and closings are claimed by conditional
updates.
Answers (the modal, or a reply in the prompt's thread) live in :mod:`bot.services.checkin_answers`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.config import Settings
from bot.services import Invalid
from bot.services.access import require_facilitator
from bot.services.groups import find_group
from bot.services.schedule import fire_times_between
from storage import checkins as store
from storage import commitments as commitment_store
from storage import groups as group_store
from storage import outbox, sweeps
from storage.models import CheckinResponse, CheckinRound, Commitment, CommitmentUpdate, Proposal, StakeholderGroup
from storage.teams import write_audit

logger = logging.getLogger("accord.checkins")

PROMPT = "checkin.prompt"  # the outbox kinds of check-ins (sent by handlers.checkins.jobs)
SUMMARY = "checkin.summary"
SUMMARY_DETAILS = "checkin.summary_details"


# --- opening -----------------------------------------------------------------------------------

def latest_due(group: StakeholderGroup, *, now: datetime, grace: timedelta) -> datetime | None:
    """The most recent scheduled time within the catch-up grace and after the schedule was set."""
    if not group.checkin_days or not group.checkin_time:
        return None
    start = now - grace
    if group.schedule_updated_at is not None and group.schedule_updated_at > start:
        start = group.schedule_updated_at
    times = fire_times_between(group.checkin_days, group.checkin_time, group.timezone, start=start, end=now)
    return times[-1] if times else None


def open_round(
    session: Session, *, settings: Settings, group: StakeholderGroup, due_at: datetime, now: datetime,
    trigger: str = "schedule", opened_by: str | None = None,
) -> CheckinRound | None:
    """Open a round of ``group`` for ``due_at`` with a prompt per member; None if it exists already."""
    assert group.id is not None
    members = group_store.list_member_ids(session, consortium_id=group.consortium_id, group_id=group.id)
    round_ = CheckinRound(consortium_id=group.consortium_id, group_id=group.id, due_at=due_at, trigger=trigger,
                          opened_by=opened_by, opened_at=now, remind_at=now + settings.checkin_remind_after,
                          closes_at=now + settings.checkin_close_after)
    prompt_ids = store.claim_round(session, round_=round_, member_ids=members)
    if prompt_ids is None:
        return None
    outbox.enqueue_many(session, now=now, rows=[
        {"team_id": group.consortium_id, "kind": PROMPT, "key": prompt_key(pid),
         "ref": {"team_id": group.consortium_id, "prompt_id": pid}} for pid in prompt_ids])
    write_audit(session, consortium_id=group.consortium_id, actor_id=opened_by, action="checkin.open",
                entity="checkin_round",
                entity_id=round_.id, detail={"group_id": group.id, "due_at": due_at, "trigger": trigger,
                                             "members": len(members)})
    logger.info("checkin_round_opened round=%s group=%s due_at=%s trigger=%s members=%s",
                round_.id, group.id, due_at.isoformat(), trigger, len(members))
    return round_


def open_due_rounds(session: Session, *, settings: Settings, now: datetime) -> list[CheckinRound]:
    """Open every scheduled round that is due (or was missed within the grace) and not yet open."""
    due = []
    for group in sweeps.list_scheduled_groups(session):
        try:
            due_at = latest_due(group, now=now, grace=settings.catchup_grace)
        except (ValueError, KeyError):  # a schedule no command would have stored: skip it, keep the others
            logger.exception("checkin_schedule_invalid group=%s", group.id)
            continue
        if due_at is not None:
            due.append((group, due_at))
    if not due:
        return []
    taken = sweeps.round_keys_since(session, group_ids={g.id for g, _ in due if g.id},
                                    since=now - settings.catchup_grace - timedelta(minutes=1))
    opened = []
    for group, due_at in due:
        if (group.id, due_at) in taken:
            continue
        round_ = open_round(session, settings=settings, group=group, due_at=due_at, now=now)
        if round_ is not None:
            opened.append(round_)
    return opened


def open_manual_round(
    session: Session, *, settings: Settings, consortium_id: str, actor_id: str, name: str, now: datetime
) -> tuple[CheckinRound, StakeholderGroup, int]:
    """`/checkin now <group>`: a facilitator opens a round at once. Returns (round, group, members asked)."""
    require_facilitator(session, settings=settings, consortium_id=consortium_id, user_id=actor_id,
                        doing="start check-ins")
    group = find_group(session, consortium_id=consortium_id, name=name)
    assert group.id is not None
    members = group_store.list_member_ids(session, consortium_id=consortium_id, group_id=group.id)
    if not members:
        raise Invalid(f"“{group.name}” has no members yet: add some with `/group add {group.name} @user…`.")
    current = store.latest_open_round(session, consortium_id=consortium_id, group_id=group.id)
    if current is not None:
        raise Invalid(f"A check-in round of “{group.name}” is already open (#{current.id}); it closes "
                      f"{current.closes_at:%Y-%m-%d %H:%M} UTC.")
    # Keyed on the minute, so two facilitators starting the same group together open one round.
    round_ = open_round(session, settings=settings, group=group, due_at=now.replace(second=0, microsecond=0),
                        now=now, trigger="manual", opened_by=actor_id)
    if round_ is None:
        raise Invalid("A check-in round was opened for this group at this very moment; try again.")
    return round_, group, len(members)


# --- delivery ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Delivery:
    """A prompt to send and what it lists: the member's open commitments, the group's pending proposals."""

    prompt_id: int
    consortium_id: str
    round_id: int
    user_id: str
    group_name: str
    closes_at: datetime
    commitments: list[Commitment] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)


def prompt_key(prompt_id: int) -> str:
    """The outbox key of a prompt's direct message."""
    return f"checkin-prompt:{prompt_id}"


def delivery(session: Session, *, consortium_id: str, prompt_id: int) -> Delivery | None:
    """What a prompt's message says, built when it is sent; None once it needs no sending.

    A prompt already sent or failed, or whose round has closed meanwhile, is not sent.
    """
    prompt = store.get_prompt(session, consortium_id=consortium_id, prompt_id=prompt_id)
    if prompt is None or prompt.status not in ("pending", "sending"):
        return None
    round_ = store.rounds_by_id(session, consortium_id=consortium_id, round_ids=[prompt.round_id]).get(prompt.round_id)
    if round_ is None or round_.closed_at is not None:
        return None
    group = group_store.get_group(session, consortium_id=consortium_id, group_id=round_.group_id)
    return Delivery(prompt_id=prompt_id, consortium_id=consortium_id, round_id=round_.id or 0, user_id=prompt.user_id,
                    group_name=group.name if group else "your group", closes_at=round_.closes_at,
                    commitments=commitment_store.list_commitments(session, consortium_id=consortium_id,
                                                                  owner_ids=[prompt.user_id]),
                    proposals=store.proposals_awaiting_group(session, consortium_id=consortium_id,
                                                             group_id=round_.group_id))


def prompt_sent(session: Session, *, consortium_id: str, prompt_id: int, ts: str | None, channel: str | None,
                now: datetime) -> None:
    """Record where a prompt was delivered (its thread takes answers and the reminder)."""
    store.mark_prompts_sent(session, consortium_id=consortium_id, now=now, sent=[{"id": prompt_id, "ts": ts,
                                                                                  "channel": channel}])


def prompt_failed(session: Session, *, consortium_id: str, prompt_id: int, error: str) -> None:
    """Slack refused a prompt for good: the member is shown as not reached in the round's summary."""
    prompt = store.mark_prompt_failed(session, consortium_id=consortium_id, prompt_id=prompt_id, error=error)
    if prompt is not None:
        write_audit(session, consortium_id=consortium_id, actor_id=None, action="checkin.prompt_failed",
                    entity="checkin_prompt", entity_id=prompt_id, detail={"user_id": prompt.user_id, "error": error})


# --- reminders and closing -------------------------------------------------------------------

@dataclass(frozen=True)
class Reminder:
    """A member to remind, in the thread of their prompt."""

    prompt_id: int
    consortium_id: str
    user_id: str
    channel_id: str
    thread_ts: str
    group_name: str
    closes_at: datetime


def claim_reminders(session: Session, *, now: datetime) -> list[Reminder]:
    """Claim the reminders of every round whose reminder time has come (each round once)."""
    reminders: list[Reminder] = []
    for consortium_id, round_id in sweeps.due_rounds(session, column="remind", now=now):
        if not store.claim_round_step(session, consortium_id=consortium_id, round_id=round_id, column="remind",
                                      now=now):
            continue
        round_ = store.rounds_by_id(session, consortium_id=consortium_id, round_ids=[round_id])[round_id]
        group = group_store.get_group(session, consortium_id=round_.consortium_id, group_id=round_.group_id)
        rows = store.claim_prompt_reminders(session, consortium_id=consortium_id, round_id=round_id, now=now)
        reminders += [Reminder(prompt_id=r.id, consortium_id=r.consortium_id, user_id=r.user_id,
                               channel_id=r.dm_channel_id,
                               thread_ts=r.message_ts, group_name=group.name if group else "your group",
                               closes_at=round_.closes_at) for r in rows if r.dm_channel_id and r.message_ts]
        write_audit(session, consortium_id=round_.consortium_id, actor_id=None, action="checkin.remind",
                    entity="checkin_round",
                    entity_id=round_id, detail={"reminded": len(rows)})
    return reminders


@dataclass(frozen=True)
class RoundSummary:
    """A closed round: who was asked and answered, blockers, and commitments changed."""

    round: CheckinRound
    group_name: str
    channel_id: str | None
    asked: list[str]
    undelivered: list[str]
    responses: list[CheckinResponse]
    changes: list[tuple[CommitmentUpdate, str]]

    @property
    def silent(self) -> list[str]:
        answered = {r.user_id for r in self.responses}
        return [u for u in self.asked if u not in answered]


def round_summary(session: Session, *, round_: CheckinRound) -> RoundSummary:
    """What a round's summary says."""
    assert round_.id is not None
    group = group_store.get_group(session, consortium_id=round_.consortium_id, group_id=round_.group_id)
    statuses = store.prompt_statuses(session, consortium_id=round_.consortium_id, round_id=round_.id)
    updates = store.list_round_updates(session, consortium_id=round_.consortium_id, round_id=round_.id)
    texts = store.commitment_texts(session, consortium_id=round_.consortium_id, ids={u.commitment_id for u in updates})
    return RoundSummary(round=round_, group_name=group.name if group else "(deleted group)",
                        channel_id=group.channel_id if group else None, asked=list(statuses),
                        undelivered=[u for u, s in statuses.items() if s == "failed"],
                        responses=store.list_responses(session, consortium_id=round_.consortium_id,
                                                       round_ids=[round_.id]),
                        changes=[(u, texts.get(u.commitment_id, "")) for u in updates])


def claim_closings(session: Session, *, now: datetime) -> list[RoundSummary]:
    """Close every round whose time is up (each once) and return their summaries."""
    summaries = []
    for consortium_id, round_id in sweeps.due_rounds(session, column="close", now=now):
        if not store.claim_round_step(session, consortium_id=consortium_id, round_id=round_id, column="close", now=now):
            continue
        round_ = store.rounds_by_id(session, consortium_id=consortium_id, round_ids=[round_id])[round_id]
        summary = round_summary(session, round_=round_)
        write_audit(session, consortium_id=round_.consortium_id, actor_id=None, action="checkin.close",
                    entity="checkin_round",
                    entity_id=round_id, detail={"asked": len(summary.asked), "answered": len(summary.responses)})
        enqueue_summary(session, summary=summary, now=now)
        summaries.append(summary)
    return summaries


def set_summary_ts(session: Session, *, consortium_id: str, round_id: int, ts: str | None) -> None:
    """Remember where a round's summary was posted."""
    if ts:
        store.set_summary_ts(session, consortium_id=consortium_id, round_id=round_id, ts=ts)


def _summary_keys(round_id: int) -> tuple[str, str]:
    return f"checkin-round:{round_id}:summary", f"checkin-round:{round_id}:details"


def enqueue_summary(session: Session, *, summary: RoundSummary, now: datetime) -> None:
    """Enqueue a closed round's summary in its group's channel, and its details in the summary's thread."""
    round_ = summary.round
    if not summary.channel_id or round_.id is None:
        return
    ref = {"team_id": round_.consortium_id, "round_id": round_.id}
    head_key, details_key = _summary_keys(round_.id)
    head = outbox.enqueue(session, team_id=round_.consortium_id, kind=SUMMARY, key=head_key, ref=ref, now=now)
    if head is not None:
        outbox.enqueue(session, team_id=round_.consortium_id, kind=SUMMARY_DETAILS, after_id=head, key=details_key,
                       ref=ref, now=now)


def summary_failure(session: Session, *, consortium_id: str, group_id: int) -> tuple[CheckinRound, str] | None:
    """The group's last closed round and Slack's answer, when its summary could not be posted."""
    round_ = store.latest_closed_round(session, consortium_id=consortium_id, group_id=group_id)
    if round_ is None or round_.id is None:
        return None
    keys = _summary_keys(round_.id)
    failed = outbox.failed_errors(session, keys=list(keys))
    error = failed.get(keys[0]) or failed.get(keys[1])  # the summary's own answer, else its thread's
    return (round_, error) if error else None


def closed_round_summary(session: Session, *, consortium_id: str, round_id: int) -> RoundSummary | None:
    """The summary of a closed round of this team, or None."""
    round_ = store.get_round(session, consortium_id=consortium_id, round_id=round_id)
    if round_ is None or round_.closed_at is None:
        return None
    return round_summary(session, round_=round_)
