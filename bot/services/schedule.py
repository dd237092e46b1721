"""Recurring schedules (check-ins, digests) in a local zone, via APScheduler's cron trigger.

APScheduler ≥ 3.11.2 computes cron fire times correctly across daylight-saving changes; on
top of it a local minute that a clock change repeats (the autumn "fold") fires only once.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

_STEP = timedelta(seconds=1)


def cron_trigger(days: str, at: str | time, timezone: str) -> CronTrigger:
    """A trigger firing on ``days`` (cron day names, ``mon,thu``) at local ``HH:MM`` in ``timezone``."""
    hhmm = at if isinstance(at, time) else time.fromisoformat(at)
    return CronTrigger(day_of_week=days, hour=hhmm.hour, minute=hhmm.minute, timezone=ZoneInfo(timezone))


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None, fold=0)


def next_fire_time(days: str, at: str | time, timezone: str, *, after: datetime) -> datetime | None:
    """The first fire time strictly after ``after`` (aware UTC), never the same local minute twice."""
    zone = ZoneInfo(timezone)
    trigger = cron_trigger(days, at, timezone)
    cursor = after + _STEP
    for _ in range(8):
        fire = trigger.get_next_fire_time(None, cursor.astimezone(zone))
        if fire is None:
            return None
        if fire > after and _wall(fire, zone) != _wall(after, zone):
            return fire.astimezone(UTC)
        cursor = max(fire, cursor) + timedelta(hours=1)
    return None


def fire_times_between(days: str, at: str | time, timezone: str, *, start: datetime, end: datetime) -> list[datetime]:
    """Every fire time in the window ``(start, end]``, aware UTC, oldest first."""
    result: list[datetime] = []
    cursor = start
    while (fire := next_fire_time(days, at, timezone, after=cursor)) is not None and fire <= end:
        result.append(fire)
        cursor = fire
    return result
