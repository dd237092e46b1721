"""Follow-through's moments and settings, as plain data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.config import ConfigError, Settings, settings_from_env
from bot.services.follow_through import FACILITATORS, FINISHED, FOCAL, REMIND, due_moment, step_time


def test_the_due_moment_is_nine_in_the_owners_zone_daylight_saving_aware() -> None:
    assert due_moment(date(2026, 11, 28), "Asia/Kolkata") == datetime(2026, 11, 28, 3, 30, tzinfo=UTC)
    assert due_moment(date(2026, 7, 1), "America/New_York") == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    assert due_moment(date(2026, 12, 1), "America/New_York") == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def test_steps_count_from_the_due_moment() -> None:
    settings = Settings(commitment_remind_before=timedelta(hours=6), commitment_escalate_after=timedelta(days=2))
    due = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert step_time(REMIND, due_at=due, settings=settings) == due - timedelta(hours=6)
    assert step_time(FOCAL, due_at=due, settings=settings) == due + timedelta(days=2)
    assert step_time(FACILITATORS, due_at=due, settings=settings) == due + timedelta(days=4)
    assert step_time(FINISHED, due_at=due, settings=settings) is None


def test_settings_default_parse_and_refuse() -> None:
    defaults = settings_from_env({})
    assert (defaults.commitment_remind_before, defaults.commitment_escalate_after) == (timedelta(days=1),
                                                                                       timedelta(days=3))
    assert defaults.public_url is None
    chosen = settings_from_env({"ACCORD_COMMITMENT_REMIND_BEFORE": "2h", "ACCORD_COMMITMENT_ESCALATE_AFTER": "7d",
                                "ACCORD_PUBLIC_URL": "https://accord.example.org/"})
    assert (chosen.commitment_remind_before, chosen.commitment_escalate_after) == (timedelta(hours=2),
                                                                                   timedelta(days=7))
    assert chosen.public_url == "https://accord.example.org"
    for bad in ({"ACCORD_COMMITMENT_REMIND_BEFORE": "soon"}, {"ACCORD_COMMITMENT_ESCALATE_AFTER": "later"},
                {"ACCORD_PUBLIC_URL": "accord.example.org"}):
        with pytest.raises(ConfigError) as err:
            settings_from_env(bad)
        assert next(iter(bad)) in str(err.value)
