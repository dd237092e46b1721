"""Check-in rounds: when they fall due, who is asked, delivery with retries, reminders and closing.

A round is opened once per (group, due time) by an insert into a unique key, together with one
pending prompt per member. Delivery claims prompts in small batches with a lease (a process that
dies mid-send frees them when the lease expires), records each outcome, and retries failures
with backoff until ``MAX_ATTEMPTS``. Reminders and closings are claimed by conditional updates.
Answers (the modal, or a reply in the prompt's thread) live in :mod:`bot.services.checkin_answers`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.config import Settings
from bot.services import Invalid
from bot.services.access import require_facilitator
from bot.services.groups import find_group
from bot.services.retries import PERMANENT_ERRORS, backoff
from bot.services.schedule import fire_times_between
from storage import checkins as store
from storage import commitments as commitment_store
from storage import groups as group_store
from storage.models import CheckinResponse, CheckinRound, Commitment, CommitmentUpdate, Proposal, StakeholderGroup
from storage.teams import write_audit

logger = logging.getLogger("accord.checkins")

BATCH = 16
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8


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
    members = group_store.list_member_ids(session, team_id=group.team_id, group_id=group.id)
    round_ = CheckinRound(team_id=group.team_id, group_id=group.id, due_at=due_at, trigger=trigger,
                          opened_by=opened_by, opened_at=now, remind_at=now + settings.checkin_remind_after,
                          closes_at=now + settings.checkin_close_after)
    if not store.claim_round(session, round_=round_, member_ids=members):
        return None
    write_audit(session, team_id=group.team_id, actor_id=opened_by, action="checkin.open", entity="checkin_round",
                entity_id=round_.id, detail={"group_id": group.id, "due_at": due_at, "trigger": trigger,
                                             "members": len(members)})
    logger.info("checkin_round_opened round=%s group=%s due_at=%s trigger=%s members=%s",
                round_.id, group.id, due_at.isoformat(), trigger, len(members))
    return round_


def open_due_rounds(session: Session, *, settings: Settings, now: datetime) -> list[CheckinRound]:
    """Open every scheduled round that is due (or was missed within the grace) and not yet open."""
    due = []
    for group in group_store.list_scheduled_groups(session):
        try:
            due_at = latest_due(group, now=now, grace=settings.catchup_grace)
        except (ValueError, KeyError):  # a schedule no command would have stored: skip it, keep the others
            logger.exception("checkin_schedule_invalid group=%s", group.id)
            continue
        if due_at is not None:
            due.append((group, due_at))
    if not due:
        return []
    taken = store.round_keys_since(session, group_ids={g.id for g, _ in due if g.id},
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
    session: Session, *, settings: Settings, team_id: str, actor_id: str, name: str, now: datetime
) -> tuple[CheckinRound, StakeholderGroup, int]:
    """`/checkin now <group>`: a facilitator opens a round at once. Returns (round, group, members asked)."""
    require_facilitator(session, settings=settings, team_id=team_id, user_id=actor_id, doing="start check-ins")
    group = find_group(session, team_id=team_id, name=name)
    assert group.id is not None
    members = group_store.list_member_ids(session, team_id=team_id, group_id=group.id)
    if not members:
        raise Invalid(f"“{group.name}” has no members yet: add some with `/group add {group.name} @user…`.")
    current = store.latest_open_round(session, team_id=team_id, group_id=group.id)
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
    """A claimed prompt and what it lists: the member's open commitments, the group's pending proposals."""

    prompt_id: int
    team_id: str
    round_id: int
    user_id: str
    attempts: int
    group_name: str
    closes_at: datetime
    commitments: list[Commitment] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """What Slack answered for one prompt: its message, or an error code."""

    prompt_id: int
    team_id: str
    user_id: str
    attempts: int
    ts: str | None = None
    channel: str | None = None
    error: str | None = None




def claim_deliveries(session: Session, *, now: datetime, limit: int = BATCH) -> list[Delivery]:
    """Claim a batch of prompts due for delivery and gather what each lists (a few queries per batch)."""
    rows = store.claim_prompts(session, now=now, lease_until=now + LEASE, limit=limit)
    if not rows:
        return []
    rounds = store.rounds_by_id(session, round_ids=[r.round_id for r in rows])
    names: dict[int, str] = {}
    commitments: dict[str, list[Commitment]] = {}
    for team_id in {r.team_id for r in rows}:
        names |= group_store.group_names(session, team_id=team_id)
        owners = [r.user_id for r in rows if r.team_id == team_id]
        for c in commitment_store.list_commitments(session, team_id=team_id, owner_ids=owners):
            commitments.setdefault(c.owner_id, []).append(c)
    proposals = {gid: store.proposals_awaiting_group(session, team_id=team, group_id=gid)
                 for team, gid in {(rd.team_id, rd.group_id) for rd in rounds.values()}}
    return [Delivery(prompt_id=r.id, team_id=r.team_id, round_id=r.round_id, user_id=r.user_id, attempts=r.attempts,
                     group_name=names.get(rounds[r.round_id].group_id, "your group"),
                     closes_at=rounds[r.round_id].closes_at, commitments=commitments.get(r.user_id, []),
                     proposals=proposals.get(rounds[r.round_id].group_id, []))
            for r in rows]


def record_deliveries(session: Session, *, outcomes: Sequence[Outcome], now: datetime) -> list[Outcome]:
    """Record sent prompts, schedule retries for failed ones; returns those that failed for good."""
    store.mark_prompts_sent(session, now=now, sent=[{"id": o.prompt_id, "ts": o.ts, "channel": o.channel}
                                                    for o in outcomes if o.ts])
    failed, final = [], []
    for o in outcomes:
        if o.ts:
            continue
        attempts = o.attempts + 1
        give_up = attempts >= MAX_ATTEMPTS or o.error in PERMANENT_ERRORS
        failed.append({"id": o.prompt_id, "status": "failed" if give_up else "pending", "attempts": attempts,
                       "error": o.error, "next_attempt_at": None if give_up else now + backoff(attempts)})
        if give_up:
            final.append(o)
    store.mark_prompts_unsent(session, failed=failed)
    for o in final:
        write_audit(session, team_id=o.team_id, actor_id=None, action="checkin.prompt_failed",
                    entity="checkin_prompt", entity_id=o.prompt_id, detail={"user_id": o.user_id, "error": o.error})
    return final


# --- reminders and closing -------------------------------------------------------------------

@dataclass(frozen=True)
class Reminder:
    """A member to remind, in the thread of their prompt."""

    prompt_id: int
    team_id: str
    user_id: str
    channel_id: str
    thread_ts: str
    group_name: str
    closes_at: datetime


def claim_reminders(session: Session, *, now: datetime) -> list[Reminder]:
    """Claim the reminders of every round whose reminder time has come (each round once)."""
    reminders: list[Reminder] = []
    for round_id in store.due_round_ids(session, column="remind", now=now):
        if not store.claim_round_step(session, round_id=round_id, column="remind", now=now):
            continue
        round_ = store.rounds_by_id(session, round_ids=[round_id])[round_id]
        group = group_store.get_group(session, team_id=round_.team_id, group_id=round_.group_id)
        rows = store.claim_prompt_reminders(session, round_id=round_id, now=now)
        reminders += [Reminder(prompt_id=r.id, team_id=r.team_id, user_id=r.user_id, channel_id=r.dm_channel_id,
                               thread_ts=r.message_ts, group_name=group.name if group else "your group",
                               closes_at=round_.closes_at) for r in rows if r.dm_channel_id and r.message_ts]
        write_audit(session, team_id=round_.team_id, actor_id=None, action="checkin.remind", entity="checkin_round",
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
    group = group_store.get_group(session, team_id=round_.team_id, group_id=round_.group_id)
    statuses = store.prompt_statuses(session, round_id=round_.id)
    updates = store.list_round_updates(session, team_id=round_.team_id, round_id=round_.id)
    texts = store.commitment_texts(session, team_id=round_.team_id, ids={u.commitment_id for u in updates})
    return RoundSummary(round=round_, group_name=group.name if group else "(deleted group)",
                        channel_id=group.channel_id if group else None, asked=list(statuses),
                        undelivered=[u for u, s in statuses.items() if s == "failed"],
                        responses=store.list_responses(session, team_id=round_.team_id, round_ids=[round_.id]),
                        changes=[(u, texts.get(u.commitment_id, "")) for u in updates])


def claim_closings(session: Session, *, now: datetime) -> list[RoundSummary]:
    """Close every round whose time is up (each once) and return their summaries."""
    summaries = []
    for round_id in store.due_round_ids(session, column="close", now=now):
        if not store.claim_round_step(session, round_id=round_id, column="close", now=now):
            continue
        round_ = store.rounds_by_id(session, round_ids=[round_id])[round_id]
        summary = round_summary(session, round_=round_)
        write_audit(session, team_id=round_.team_id, actor_id=None, action="checkin.close", entity="checkin_round",
                    entity_id=round_id, detail={"asked": len(summary.asked), "answered": len(summary.responses)})
        summaries.append(summary)
    return summaries


def set_summary_ts(session: Session, *, round_id: int, ts: str) -> None:
    """Remember where a round's summary was posted."""
    store.set_summary_ts(session, round_id=round_id, ts=ts)


SUMMARY_ATTEMPTS = 10
SUMMARY_LEASE = timedelta(minutes=5)


def claim_summaries_to_post(session: Session, *, now: datetime) -> list[RoundSummary]:
    """Summaries of closed rounds still to post (first time or retry), each claimed by this caller."""
    round_ids = store.claim_summaries(session, now=now, lease_until=now + SUMMARY_LEASE,
                                      max_attempts=SUMMARY_ATTEMPTS)
    rounds = store.rounds_by_id(session, round_ids=round_ids)
    return [round_summary(session, round_=rounds[rid]) for rid in round_ids]


def summary_refused(session: Session, *, summary: RoundSummary, now: datetime, error: str | None) -> None:
    """Slack refused a summary: retry later with backoff, or give up loudly after the last attempt."""
    round_ = summary.round
    assert round_.id is not None
    attempts = round_.summary_attempts or 1
    store.summary_failed(session, round_id=round_.id, retry_at=now + backoff(attempts + 1))
    level = logging.ERROR if attempts >= SUMMARY_ATTEMPTS else logging.WARNING
    logger.log(level, "checkin_summary_refused round=%s attempt=%s error=%s", round_.id, attempts, error)
