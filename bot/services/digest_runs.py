"""Digest schedules and runs: when a channel's digest is due, and the record of each run.

A run is a row of ``digest_run``. Scheduled runs are claimed by inserting
``(team, channel, run_key=<due time ISO>)`` (a unique key: one run per due time, across
processes and restarts); manual ones get ``manual:<uuid>``. The outbox delivers a run (see
:mod:`handlers.digests.jobs`, which enqueues it in the claim's transaction): once Slack took it,
:func:`record_posted` marks it posted; once Slack refused it for good, :func:`record_failed`
marks it failed. Retries are the outbox's.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlmodel import Session

from bot.config import Settings
from bot.services.digests import period_start
from bot.services.schedule import fire_times_between, next_fire_time
from storage import digest_runs as store
from storage import sweeps
from storage.digests import home_group_ids
from storage.groups import get_group
from storage.models import DigestRun, DigestSchedule
from storage.statuses import DigestRunStatus
from storage.teams import write_audit


def default_zone(session: Session, *, settings: Settings, consortium_id: str, channel_id: str) -> str:
    """A group's home channel uses the group's zone; any other channel the team's default."""
    for group_id in home_group_ids(session, consortium_id=consortium_id, channel_id=channel_id):
        group = get_group(session, consortium_id=consortium_id, group_id=group_id)
        if group is not None:
            return group.timezone
    return settings.timezone


def schedule_digest(session: Session, *, settings: Settings, consortium_id: str, channel_id: str,
                    days: Sequence[str], at: time, timezone: str | None, actor_id: str,
                    now: datetime) -> DigestSchedule:
    """Post this channel's digest on ``days`` at local ``at`` (replacing any earlier schedule)."""
    zone = timezone or default_zone(session, settings=settings, consortium_id=consortium_id, channel_id=channel_id)
    row = store.save_schedule(session, consortium_id=consortium_id, channel_id=channel_id, days=",".join(days),
                              at=at.strftime("%H:%M"), timezone=zone, created_by=actor_id, now=now)
    write_audit(session, consortium_id=consortium_id, actor_id=actor_id, action="digest.schedule",
                entity="digest_schedule", entity_id=row.id,
                detail={"channel_id": channel_id, "days": row.days, "time": row.time, "timezone": zone})
    return row


def stop_digest_schedule(session: Session, *, consortium_id: str, channel_id: str, actor_id: str) -> bool:
    """Stop the channel's scheduled digest; False if there was none."""
    stopped = store.delete_schedule(session, consortium_id=consortium_id, channel_id=channel_id)
    if stopped:
        write_audit(session, consortium_id=consortium_id, actor_id=actor_id, action="digest.unschedule",
                    entity="digest_schedule", detail={"channel_id": channel_id})
    return stopped


def next_digest_time(schedule: DigestSchedule, *, after: datetime) -> datetime | None:
    """When the schedule fires next (aware UTC)."""
    return next_fire_time(schedule.days, schedule.time, schedule.timezone, after=after)


def start_manual_run(session: Session, *, consortium_id: str, channel_id: str, requested_by: str | None,
                     trigger: str, now: datetime) -> DigestRun:
    """Record a digest asked for now (`/digest`, `accord digest --post`), pending delivery."""
    run = DigestRun(consortium_id=consortium_id, channel_id=channel_id, run_key=f"manual:{uuid.uuid4()}",
                    trigger=trigger,
                    period_start=period_start(session, consortium_id=consortium_id, channel_id=channel_id, end=now),
                    period_end=now, requested_by=requested_by, created_at=now)
    store.claim_run(session, run)
    write_audit(session, consortium_id=consortium_id, actor_id=requested_by, action="digest.request",
                entity="digest_run",
                entity_id=run.id, detail={"channel_id": channel_id, "trigger": trigger})
    return run


def claim_scheduled_runs(session: Session, *, schedules: Sequence[DigestSchedule], now: datetime,
                         grace: timedelta) -> list[DigestRun]:
    """Claim every due time in ``(max(now - grace, updated_at), now]`` of each schedule, once.

    The latest due time of a schedule becomes a pending run; earlier ones missed while Accord
    was down are claimed as ``skipped`` (the pending one's period covers them).
    """
    due: list[tuple[DigestSchedule, datetime, bool]] = []
    for schedule in schedules:
        since = max(now - grace, schedule.updated_at)
        fires = fire_times_between(schedule.days, schedule.time, schedule.timezone, start=since, end=now)
        due += [(schedule, fire, i == len(fires) - 1) for i, fire in enumerate(fires)]
    if not due:
        return []
    keys = [(s.consortium_id, s.channel_id, f.isoformat()) for s, f, _ in due]
    taken = sweeps.existing_run_keys(session, keys=keys)
    claimed = []
    for schedule, fire, latest in due:
        key = (schedule.consortium_id, schedule.channel_id, fire.isoformat())
        if key in taken:
            continue
        start = period_start(session, consortium_id=schedule.consortium_id, channel_id=schedule.channel_id, end=fire)
        run = DigestRun(consortium_id=schedule.consortium_id, channel_id=schedule.channel_id, run_key=key[2],
                        trigger="schedule", period_start=start, period_end=fire,
                        status=DigestRunStatus.PENDING if latest else DigestRunStatus.SKIPPED, created_at=now)
        if store.claim_run(session, run):
            write_audit(session, consortium_id=run.consortium_id, actor_id=None, action=f"digest.{run.status}",
                        entity="digest_run", entity_id=run.id, detail={"channel_id": run.channel_id,
                                                                       "due_at": fire})
            if latest:
                claimed.append(run)
    return claimed


def list_schedules(session: Session) -> list[DigestSchedule]:
    """Every digest schedule of every team."""
    return sweeps.list_schedules(session)


def get_run(session: Session, *, consortium_id: str, run_id: int) -> DigestRun | None:
    """One digest run of this team, or None."""
    return store.get_run(session, consortium_id=consortium_id, run_id=run_id)


def unqueued_runs(session: Session, *, key_prefix: str) -> list[DigestRun]:
    """Pending runs that no outbox row delivers (claimed before digests went through the outbox)."""
    return sweeps.list_unqueued_runs(session, key_prefix=key_prefix)


def record_posted(session: Session, *, consortium_id: str, run_id: int, start: datetime, message_ts: str | None,
                  now: datetime) -> bool:
    """Mark a pending run posted (covering ``(start, run.period_end]``); False if it was not pending."""
    run = store.get_run(session, consortium_id=consortium_id, run_id=run_id)
    if run is None or not store.mark_run_posted(session, consortium_id=consortium_id, run_id=run_id,
                                                message_ts=message_ts,
                                                period_start=start, now=now):
        return False
    write_audit(session, consortium_id=consortium_id, actor_id=run.requested_by, action="digest.post",
                entity="digest_run",
                entity_id=run_id, detail={"channel_id": run.channel_id, "period_start": start,
                                          "period_end": run.period_end})
    return True


def record_failed(session: Session, *, consortium_id: str, run_id: int, error: str) -> bool:
    """Slack refused a pending run for good: mark it failed; False if it was not pending."""
    run = store.get_run(session, consortium_id=consortium_id, run_id=run_id)
    if run is None or not store.mark_run_failed(session, consortium_id=consortium_id, run_id=run_id, error=error):
        return False
    write_audit(session, consortium_id=consortium_id, actor_id=None, action="digest.failed", entity="digest_run",
                entity_id=run_id, detail={"channel_id": run.channel_id, "error": error})
    return True
