"""Values inside Accord's commands and settings: durations, times of day, time zones, days, dates.

Pure functions, no I/O. Invalid input raises :class:`ParseError` (a ``ValueError``, which the
commands' grammars raise too), whose ``message`` says what was wrong. The settings read their
durations with the same :func:`parse_duration` as everything else.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import dateparser

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DURATION = timedelta(days=3650)


class ParseError(ValueError):
    """Invalid input: ``message`` says what was wrong, ``usage`` shows the correct form."""

    def __init__(self, message: str, usage: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage

    def with_usage(self, usage: str) -> ParseError:
        """This error, or a copy showing ``usage`` if it has none yet."""
        return self if self.usage else ParseError(self.message, usage)


def shown(text: str, limit: int = 60) -> str:
    """User input quoted for an error message: one line, backticks replaced, at most ``limit``."""
    text = " ".join(text.split()).replace("`", "'")
    return f"`{text[: limit - 1]}…`" if len(text) > limit else f"`{text}`"


_DURATION = re.compile(r"(?:([0-9]{1,9})d)?(?:([0-9]{1,9})h)?(?:([0-9]{1,9})m)?(?:([0-9]{1,9})s)?")


def parse_duration(s: str) -> timedelta:
    """A duration such as ``90s``, ``15m``, ``24h``, ``7d`` or ``1h30m``."""
    compact = "".join(s.lower().split())
    match = _DURATION.fullmatch(compact)
    if not compact or match is None:
        raise ParseError(f"{shown(s)} is not a duration; use e.g. `90s`, `15m`, `24h`, `7d` or `1h30m`.")
    units = ("days", "hours", "minutes", "seconds")
    try:
        delta = timedelta(**{u: int(v) for u, v in zip(units, match.groups(), strict=True) if v})
    except OverflowError:
        delta = MAX_DURATION + timedelta(days=1)
    if delta > MAX_DURATION:
        raise ParseError(f"{shown(s)} is too long; a duration can be at most {MAX_DURATION.days} days.")
    if not delta:
        raise ParseError(f"{shown(s)} is zero; a duration must be longer than that.")
    return delta


def parse_hhmm(s: str) -> time:
    """A local time of day, ``HH:MM`` on a 24-hour clock."""
    match = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", s.strip())
    if match is None:
        raise ParseError(f"{shown(s)} is not a time; use HH:MM on a 24-hour clock, e.g. `09:00`.")
    return time(int(match.group(1)), int(match.group(2)))


@cache
def _zones() -> dict[str, str]:
    keys = available_timezones() - {"localtime", "Factory", "posixrules"}
    return {key.lower(): key for key in keys} | {"utc": "UTC"}


def parse_timezone(s: str) -> str:
    """An IANA time zone, matched case-insensitively, in its canonical spelling."""
    zone = _zones().get(s.strip().lower())
    if zone is None:
        raise ParseError(f"{shown(s)} is not an IANA time zone; use e.g. `Europe/Berlin` or `UTC`.")
    return zone


# --- days and dates ------------------------------------------------------------------------

_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NAMES = {name: day for day, full in zip(DAYS, _FULL_DAYS, strict=True) for name in (day, full)}
_DAY_NAMES |= {"tues": "tue", "weds": "wed", "thur": "thu", "thurs": "thu"}
_DAY_WORDS = {name: (day,) for name, day in _DAY_NAMES.items()} | {
    "weekdays": DAYS[:5],
    "daily": DAYS,
    "everyday": DAYS,
    "weekends": DAYS[5:],
    "weekend": DAYS[5:],
}


def parse_days(s: str) -> tuple[str, ...]:
    """Days of the week (``mon,thu``, ``weekdays``, ``daily``…) as ``("mon", "thu")``."""
    chosen: set[str] = set()
    for part in filter(None, re.split(r"[\s,]+", s.lower())):
        if part not in _DAY_WORDS:
            raise ParseError(f"{shown(part)} is not a day; use mon…sun, weekdays, weekends or daily.")
        chosen.update(_DAY_WORDS[part])
    if not chosen:
        raise ParseError("Say which days, e.g. `mon,thu`, `weekdays` or `daily`.")
    return tuple(day for day in DAYS if day in chosen)


def format_days(days: tuple[str, ...]) -> str:
    """Days back in cron form: ``("mon", "thu")`` → ``"mon,thu"``."""
    return ",".join(days)


_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.I)
_DATEPARSER_SETTINGS: dict[str, Any] = {
    "PREFER_DATES_FROM": "future",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "REQUIRE_PARTS": ["day"],
    "PARSERS": ["relative-time", "custom-formats", "absolute-time"],
}
_DATE_HINT = "Try an ISO date (2026-12-01), a weekday (fri), `tomorrow`, `next week`, `in 3 days` or `Dec 1`."


def parse_due_date(text: str, *, today: date) -> date:
    """A due date: ISO, ``today``, ``tomorrow``, a weekday, ``next week``, ``in 3 days``, ``Dec 1``…

    Weekdays mean the next such day after today; a month and day without a year mean the next
    such date on or after today; ``next <weekday>`` means that day in next week.
    """
    s = " ".join(text.lower().split()).rstrip(".!,;")
    if match := _ISO.fullmatch(s):
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            raise ParseError(f"{shown(text)} is not a valid date.") from None
    numeric = re.fullmatch(r"[0-9\s/.\-]+", s) is not None
    if numeric and re.search(r"[0-9][\s/.\-]+[0-9]", s):
        raise ParseError(f"{shown(text)} is ambiguous; write the date as 2026-12-01 or Dec 1.")
    found = None if numeric else _keyword_date(s, today) or _dateparser_date(s, today)
    if found is None or found.year > today.year + 20:
        raise ParseError(f"I couldn't read the date {shown(text)}. {_DATE_HINT}")
    return found


def _keyword_date(s: str, today: date) -> date | None:
    next_monday = today + timedelta(days=7 - today.weekday())
    if s in ("today", "tomorrow", "next week"):
        return {"today": today, "tomorrow": today + timedelta(days=1)}.get(s, next_monday)
    words = s.split()
    if len(words) == 2 and words[0] == "next" and words[1] in _DAY_NAMES:
        return next_monday + timedelta(days=DAYS.index(_DAY_NAMES[words[1]]))
    if s in _DAY_NAMES:
        return today + timedelta(days=(DAYS.index(_DAY_NAMES[s]) - today.weekday() - 1) % 7 + 1)
    return None


def _dateparser_date(s: str, today: date) -> date | None:
    if not s or len(s) > 60:
        return None
    settings = _DATEPARSER_SETTINGS | {"RELATIVE_BASE": datetime.combine(today, time())}
    try:
        parsed = dateparser.parse(s, languages=["en"], settings=settings)
    except Exception:  # dateparser may fail on odd input; that is just unreadable text
        return None
    if parsed is None:
        return None
    found: date = parsed.date()
    same_day = (found.month, found.day) == (today.month, today.day)
    if _MONTH.search(s) and not re.search(r"[0-9]{4}", s) and same_day:
        return today  # dateparser moves "Mar 11" on Mar 11 to next year
    return found
