"""When a group's check-in falls due: local minutes in Asia/Kolkata and across New York's DST change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.checkins import latest_due
from bot.services.groups import next_checkin
from bot.services.retries import backoff
from storage.models import StakeholderGroup

GRACE = timedelta(hours=6)


def _group(days: str, at: str, zone: str, updated: datetime) -> StakeholderGroup:
    return StakeholderGroup(consortium_id="T1", name="G", name_key="g", timezone=zone, checkin_days=days,
                            checkin_time=at, schedule_updated_at=updated, created_by="UFAC")


def test_kolkata_half_hour_offset_fires_at_the_local_minute() -> None:
    group = _group("wed", "14:32", "Asia/Kolkata", datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    due = datetime(2026, 11, 25, 9, 2, tzinfo=UTC)  # 14:32 IST = 09:02 UTC
    assert latest_due(group, now=due - timedelta(seconds=1), grace=GRACE) is None
    assert latest_due(group, now=due, grace=GRACE) == due
    assert latest_due(group, now=due + timedelta(seconds=29), grace=GRACE) == due
    assert next_checkin(group, after=due) == due + timedelta(days=7)


def test_new_york_schedule_keeps_local_time_across_the_dst_change() -> None:
    # Daylight saving time ends in New York on Sunday 2026-11-01: 09:00 EDT is 13:00 UTC, 09:00 EST 14:00 UTC.
    group = _group("mon,tue,wed,thu,fri,sat,sun", "09:00", "America/New_York", datetime(2026, 10, 30, 0, 0, tzinfo=UTC))
    before = datetime(2026, 10, 31, 13, 0, tzinfo=UTC)
    after = datetime(2026, 11, 1, 14, 0, tzinfo=UTC)
    assert latest_due(group, now=before + timedelta(seconds=5), grace=GRACE) == before
    assert next_checkin(group, after=before) == after
    assert latest_due(group, now=datetime(2026, 11, 1, 13, 30, tzinfo=UTC), grace=timedelta(minutes=10)) is None
    assert latest_due(group, now=after + timedelta(seconds=5), grace=GRACE) == after


def test_spring_forward_gap_and_schedule_set_after_the_due_time() -> None:
    # 2027-03-14 02:30 does not exist in New York; the check-in of that day happens once, right after the gap.
    group = _group("sun", "02:30", "America/New_York", datetime(2027, 3, 1, tzinfo=UTC))
    fire = next_checkin(group, after=datetime(2027, 3, 13, tzinfo=UTC))
    assert fire is not None and datetime(2027, 3, 14, 6, 0, tzinfo=UTC) <= fire <= datetime(2027, 3, 14, 8, 0,
                                                                                             tzinfo=UTC)
    due = datetime(2026, 11, 25, 9, 2, tzinfo=UTC)
    late = _group("wed", "14:32", "Asia/Kolkata", due + timedelta(minutes=1))
    assert latest_due(late, now=due + timedelta(minutes=2), grace=GRACE) is None  # never before the schedule


def test_catch_up_only_within_the_grace_and_only_the_latest_missed_time() -> None:
    group = _group("mon,tue,wed,thu,fri,sat,sun", "09:00", "UTC", datetime(2026, 11, 1, tzinfo=UTC))
    due = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert latest_due(group, now=due + timedelta(hours=5, minutes=59), grace=GRACE) == due
    assert latest_due(group, now=due + timedelta(hours=6, minutes=1), grace=GRACE) is None
    assert latest_due(group, now=due + timedelta(hours=2), grace=timedelta(days=3)) == due


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(20) == timedelta(hours=1)
