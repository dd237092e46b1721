"""Tests across every grammar: help and usage for every command, and properties of all the parsers."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import date, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from handlers import USAGE
from handlers.accord.grammar import parse_accord_command
from handlers.checkins.grammar import parse_checkin_command
from handlers.commitments.grammar import parse_commit_command
from handlers.decisions.grammar import DecisionCreate, parse_decision_command
from handlers.digests.grammar import parse_digest_command
from handlers.groups.grammar import parse_group_command
from handlers.organisations.grammar import parse_org_command
from handlers.proposals.grammar import parse_propose_command
from handlers.shared.grammar import Help, first_user, parse_commitment_text, parse_record_id
from handlers.threads.grammar import parse_mention, parse_record_message
from tests.grammar_helpers import WED, error


@pytest.mark.parametrize(
    "parse",
    [
        parse_decision_command,
        parse_propose_command,
        parse_group_command,
        parse_checkin_command,
        parse_digest_command,
        parse_accord_command,
        parse_org_command,
        lambda text: parse_commit_command(text, today=WED),
    ],
)
def test_help_for_every_command(parse: Callable[[str], object]) -> None:
    assert parse("help") == Help()


def test_usage_covers_every_command() -> None:
    assert set(USAGE) == {"/decision", "/commit", "/propose", "/proxy", "/group", "/org", "/checkin", "/digest",
                          "/accord"}


user_ids_st = st.from_regex(r"U[A-Z0-9]{2,8}", fullmatch=True)


mentions = st.builds(
    lambda uid, label: f"<@{uid}|{label}>" if label else f"<@{uid}>",
    user_ids_st,
    st.one_of(st.none(), st.from_regex(r"[a-z]{1,6}", fullmatch=True)),
)


words = st.sampled_from(
    ["draft", "the", "annex", "by", "fri", "tomorrow", "list", "done", "12", "#3", "tz", "UTC"]
)


slackish = st.lists(
    st.one_of(
        words,
        mentions,
        st.sampled_from(
            ["<#C1|general>", "<!here>", "<!subteam^S1|@t>", "&amp;", "\n", "off", "sector", "Dec 1"]
        ),
        st.text(max_size=8),
    ),
    max_size=12,
).map(" ".join)


any_text = st.one_of(st.text(max_size=80), slackish)


todays = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))


PARSERS: list[Callable[[str], object]] = [
    parse_decision_command,
    parse_propose_command,
    parse_group_command,
    parse_checkin_command,
    parse_digest_command,
    parse_accord_command,
    parse_org_command,
    parse_record_id,
    parse_duration,
    parse_hhmm,
    parse_timezone,
    parse_days,
    parse_record_message,
    lambda text: parse_mention(text, bot_user_id="UBOT"),
    lambda text: parse_commit_command(text, today=WED),
    lambda text: parse_due_date(text, today=WED),
]


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PARSERS), any_text)
def test_parsers_raise_only_parse_error(parse: Callable[[str], object], text: str) -> None:
    try:
        parse(text)
    except ParseError as err:
        assert err.message and str(err) == err.message


@settings(deadline=None, max_examples=200)
@given(st.sampled_from(PARSERS[:7] + PARSERS[-2:-1]), any_text)
def test_command_errors_show_usage(parse: Callable[[str], object], text: str) -> None:
    try:
        parse(text)
    except ParseError as err:
        assert err.usage.startswith("/")


@settings(deadline=None)
@given(slackish, mentions, slackish)
def test_owner_is_the_first_mention_and_leaves_the_text(before: str, mention: str, after: str) -> None:
    text = f"{before} {mention} {after}"
    first = re.search(r"<@(U[A-Z0-9]+)[|>]", text)
    assert first is not None
    try:
        result = parse_commitment_text(text, today=WED)
    except ParseError:
        return
    assert result.owner_id == first.group(1)
    assert first_user(text) == first.group(1)
    assert f"<@{result.owner_id}>" not in result.text
    assert f"<@{result.owner_id}|" not in result.text
    assert result.text == result.text.strip() and "  " not in result.text


@given(
    st.lists(
        st.sampled_from(["Draft", "the", "annex", "for", "R&amp;D", "<@U2>", "<#C1>"]), min_size=1, max_size=8
    )
)
def test_commit_text_without_owner_or_date_is_kept(parts: list[str]) -> None:
    text = " ".join(["Draft", *parts])
    result = parse_commitment_text(text, today=WED)
    owner = first_user(text)
    assert result.owner_id == owner and result.due_date is None
    if owner is None:
        assert result.text == text


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)), todays)
def test_iso_dates_roundtrip(day: date, today: date) -> None:
    assert parse_due_date(day.isoformat(), today=today) == day


@settings(deadline=None)
@given(todays, st.sampled_from(list(enumerate(["monday", "tue", "wed", "thursday", "fri", "sat", "sunday"]))))
def test_weekday_is_the_next_occurrence_after_today(today: date, weekday: tuple[int, str]) -> None:
    index, name = weekday
    due = parse_due_date(name, today=today)
    assert due.weekday() == index
    assert timedelta(days=1) <= due - today <= timedelta(days=7)


@settings(deadline=None, max_examples=60)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.dates())
def test_month_day_is_on_or_after_today(today: date, target: date) -> None:
    if (target.month, target.day) == (2, 29):
        return
    due = parse_due_date(target.strftime("%b %d"), today=today)
    assert (due.month, due.day) == (target.month, target.day)
    assert today <= due < today + timedelta(days=366)


@settings(deadline=None, max_examples=60)
@given(todays, st.integers(min_value=1, max_value=60))
def test_in_n_days(today: date, n: int) -> None:
    assert parse_due_date(f"in {n} days", today=today) == today + timedelta(days=n)


@given(st.sets(st.sampled_from(DAYS), min_size=1))
def test_days_roundtrip(days: set[str]) -> None:
    ordered = tuple(day for day in DAYS if day in days)
    assert parse_days(format_days(ordered)) == ordered
    assert parse_days(format_days(ordered).upper()) == ordered


@given(st.times())
def test_hhmm_roundtrip(moment: time) -> None:
    at = moment.replace(second=0, microsecond=0)
    assert parse_hhmm(at.strftime("%H:%M")) == at


@given(st.integers(0, 400), st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
def test_duration_roundtrip(d: int, h: int, m: int, s: int) -> None:
    text = "".join(f"{n}{unit}" for n, unit in ((d, "d"), (h, "h"), (m, "m"), (s, "s")) if n)
    expected = timedelta(days=d, hours=h, minutes=m, seconds=s)
    if expected:
        assert parse_duration(text) == expected
    else:
        error(parse_duration, text)


@given(st.integers(min_value=1, max_value=10**12))
def test_record_id_roundtrip(n: int) -> None:
    assert parse_record_id(str(n)) == parse_record_id(f"#{n}") == n


@given(st.sampled_from(sorted(zoneinfo.available_timezones() - {"localtime", "Factory", "posixrules"})))
def test_timezones_match_case_insensitively(zone: str) -> None:
    assert parse_timezone(zone.lower()) == parse_timezone(zone.upper()) == zone


@given(
    st.text(min_size=1, max_size=200).filter(
        lambda t: t.split() and t.split()[0].lower() not in {"list", "revoke", "help"}
    )
)
def test_decision_text_is_kept_as_sent(text: str) -> None:
    assert parse_decision_command(text) == DecisionCreate(text.strip())


@given(st.sampled_from(["Decision", "ACTION", "commitment"]), st.text(max_size=40), st.booleans())
def test_record_message_body_is_stripped(keyword: str, body: str, mention: bool) -> None:
    text = ("<@UBOT> " if mention else "") + f"{keyword}: {body}"
    result = parse_record_message(text)
    if not body.strip():
        assert result is None
    else:
        assert result is not None and result.body == body.strip()
        assert result.kind == ("decision" if keyword.lower() == "decision" else "commitment")
