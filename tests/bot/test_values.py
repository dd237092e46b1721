"""Tests for the values inside commands and settings: durations, times, zones, days, dates (bot.values)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from bot.values import (
    DAYS,
    ParseError,
    format_days,
    parse_days,
    parse_due_date,
    parse_duration,
    parse_hhmm,
    parse_timezone,
)
from handlers.shared.grammar import parse_record_id
from tests.grammar_helpers import MON, WED, error


def test_parse_error_is_a_value_error_with_message_and_usage() -> None:
    err = ParseError("That was wrong.", "/x <y>")
    assert isinstance(err, ValueError)
    assert (str(err), err.message, err.usage) == ("That was wrong.", "That was wrong.", "/x <y>")
    assert err.with_usage("/other") is err
    assert ParseError("m").with_usage("/u").usage == "/u"


def test_error_messages_quote_long_input_briefly() -> None:
    err = error(parse_record_id, "x" * 500 + "`")
    assert len(err.message) < 200
    assert "…" in err.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d 12h", timedelta(days=1, hours=12)),
        (" 2H ", timedelta(hours=2)),
    ],
)
def test_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "0m", "0d0h", "abc", "5", "1x", "m", "30m1h", "-5m", "1.5h", "999999999d9h", "3651d", "3650d1s"],
)
def test_duration_rejects(text: str) -> None:
    error(parse_duration, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9)),
        ("9:30", time(9, 30)),
        ("17:05", time(17, 5)),
        ("0:00", time(0)),
        ("23:59", time(23, 59)),
    ],
)
def test_hhmm(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9:60", "9", "0900", "9:5", "9:30am", "", "09:00:00"])
def test_hhmm_rejects(text: str) -> None:
    assert "HH:MM" in error(parse_hhmm, text).message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Asia/Kolkata", "Asia/Kolkata"), ("asia/kolkata", "Asia/Kolkata"), (" UTC ", "UTC"), ("utc", "UTC")],
)
def test_timezone(text: str, expected: str) -> None:
    assert parse_timezone(text) == expected


@pytest.mark.parametrize("text", ["Mars/Olympus", "", "Europe/Berlin2", "localtime", "Factory", "+05:30"])
def test_timezone_rejects(text: str) -> None:
    err = error(parse_timezone, text)
    assert f"`{text}`" in err.message
    assert "IANA" in err.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon", ("mon",)),
        ("mon,thu", ("mon", "thu")),
        ("Thu, MON", ("mon", "thu")),
        ("friday,monday", ("mon", "fri")),
        ("weekdays", ("mon", "tue", "wed", "thu", "fri")),
        ("daily", DAYS),
        ("everyday", DAYS),
        ("weekends", ("sat", "sun")),
        ("thurs,weekends", ("thu", "sat", "sun")),
        ("tues,weds", ("tue", "wed")),
    ],
)
def test_days(text: str, expected: tuple[str, ...]) -> None:
    assert parse_days(text) == expected


@pytest.mark.parametrize("text", ["funday", "", ",", "mon,funday", "1"])
def test_days_rejects(text: str) -> None:
    error(parse_days, text)


def test_format_days() -> None:
    assert format_days(("mon", "thu")) == "mon,thu"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("2020-01-31", date(2020, 1, 31)),  # past dates are accepted
        ("today", WED),
        ("tomorrow", date(2026, 3, 12)),
        ("fri", date(2026, 3, 13)),
        ("Friday", date(2026, 3, 13)),
        ("wed", date(2026, 3, 18)),  # the next occurrence; today excluded
        ("tue", date(2026, 3, 17)),
        ("thurs", date(2026, 3, 12)),
        ("next week", MON),
        ("next fri", date(2026, 3, 20)),
        ("in 3 days", date(2026, 3, 14)),
        ("in 2 weeks", date(2026, 3, 25)),
        ("Dec 1", date(2026, 12, 1)),
        ("1 Dec", date(2026, 12, 1)),
        ("December 1 2026", date(2026, 12, 1)),
        ("December 1, 2025", date(2025, 12, 1)),
        ("Mar 11", WED),  # month and day without a year: on or after today
        ("11 March", WED),
        ("Mar 10", date(2027, 3, 10)),
        ("friday.", date(2026, 3, 13)),
        ("  In   3   DAYS ", date(2026, 3, 14)),
    ],
)
def test_due_date(text: str, expected: date) -> None:
    assert parse_due_date(text, today=WED) == expected


def test_next_week_is_the_following_monday() -> None:
    assert parse_due_date("next week", today=MON) == date(2026, 3, 23)
    assert parse_due_date("next week", today=date(2026, 3, 15)) == MON  # a Sunday


@pytest.mark.parametrize(
    "text", ["someday", "banana", "", "   ", "dec", "2026", "soon-ish", "1 dec 25", "15", "-"]
)
def test_due_date_rejects_junk(text: str) -> None:
    assert "couldn't read the date" in error(parse_due_date, text, today=WED).message


@pytest.mark.parametrize("text", ["12/01", "1/12/2026", "12.01.2026", "2026/12/01", "1 12"])
def test_due_date_rejects_ambiguous_numbers(text: str) -> None:
    assert "ambiguous" in error(parse_due_date, text, today=WED).message


def test_due_date_rejects_impossible_iso() -> None:
    assert "not a valid date" in error(parse_due_date, "2026-02-30", today=WED).message
