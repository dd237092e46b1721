"""Tests for the grammar of every command and thread message, and for the values inside them (bot.values)."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

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
from handlers.checkins.grammar import CheckinNow, CheckinOpen, parse_checkin_command
from handlers.commitments.grammar import CommitList, CommitModal, CommitUpdate, parse_commit_command
from handlers.decisions.grammar import (
    DecisionCreate,
    DecisionList,
    DecisionModal,
    DecisionRevoke,
    parse_decision_command,
)
from handlers.digests.grammar import DigestPost, DigestPreview, DigestSchedule, parse_digest_command
from handlers.groups.grammar import (
    FacilitatorAdd,
    GroupAdd,
    GroupCreate,
    GroupList,
    GroupRemove,
    GroupSchedule,
    GroupShow,
    parse_group_command,
)
from handlers.proposals.grammar import ProposeClose, ProposeCreate, ProposeModal, ProposeWithdraw, parse_propose_command
from handlers.shared.grammar import (
    MAX_TEXT,
    CommitCreate,
    Help,
    channel_id,
    first_user,
    parse_commitment_text,
    parse_record_id,
    user_ids,
)
from handlers.threads.grammar import RecordMessage, Summary, parse_mention, parse_record_message

WED = date(2026, 3, 11)  # a Wednesday
MON = date(2026, 3, 16)


def error(func: Callable[..., Any], *args: Any, **kwargs: Any) -> ParseError:
    with pytest.raises(ParseError) as info:
        func(*args, **kwargs)
    return info.value


# --- ParseError ----------------------------------------------------------------------------


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


# --- mentions, ids -------------------------------------------------------------------------


def test_user_ids_in_order_without_repeats() -> None:
    text = "ask <@U2|bob> and <@U1> and <@U2> and <!here> <#C1|general> <@W9|ent>"
    assert user_ids(text) == ["U2", "U1", "W9"]
    assert first_user(text) == "U2"
    assert first_user("nobody here <!channel>") is None
    assert user_ids("") == []


def test_channel_id() -> None:
    assert channel_id("in <#C123|general> and <#C999>") == "C123"
    assert channel_id("<#C7>") == "C7"
    assert channel_id("#general") is None


@pytest.mark.parametrize(("token", "expected"), [("12", 12), ("#12", 12), (" 7 ", 7), ("#0012", 12)])
def test_record_id(token: str, expected: int) -> None:
    assert parse_record_id(token) == expected


@pytest.mark.parametrize("token", ["abc", "", "#", "0", "-1", "1.5", "12a", "# 12"])
def test_record_id_rejects(token: str) -> None:
    assert "is not a record id" in error(parse_record_id, token).message


# --- durations, times, zones, days ---------------------------------------------------------


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


# --- due dates -----------------------------------------------------------------------------


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


# --- /decision -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", DecisionModal()),
        ("   ", DecisionModal()),
        ("help", Help()),
        (" HELP ", Help()),
        ("list", DecisionList()),
        ("revoke 12", DecisionRevoke(12, None)),
        ("revoke #12 superseded by #14", DecisionRevoke(12, "superseded by #14")),
        ("We adopt the R&amp;D charter", DecisionCreate("We adopt the R&amp;D charter")),
        ("  Adopt <@U1|ann>'s draft\nwith edits ", DecisionCreate("Adopt <@U1|ann>'s draft\nwith edits")),
    ],
)
def test_decision_command(text: str, expected: object) -> None:
    assert parse_decision_command(text) == expected


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("revoke", "/decision revoke <id> [reason]"),
        ("revoke abc", "/decision revoke <id> [reason]"),
        ("list everything", "/decision list"),
    ],
)
def test_decision_command_rejects(text: str, usage: str) -> None:
    assert error(parse_decision_command, text).usage == usage


def test_too_long_text() -> None:
    err = error(parse_decision_command, "x" * (MAX_TEXT + 1))
    assert err.message == "The decision text is too long (20,001 characters; the limit is 20,000)."
    assert err.usage
    assert parse_decision_command("x" * MAX_TEXT) == DecisionCreate("x" * MAX_TEXT)
    assert "too long" in error(parse_propose_command, "y" * 20_001).message
    assert "too long" in error(parse_commit_command, "z" * 20_001, today=WED).message


# --- /commit -------------------------------------------------------------------------------


def commit(text: str) -> object:
    return parse_commit_command(text, today=WED)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", CommitModal()),
        ("help", Help()),
        ("Draft the annex", CommitCreate("Draft the annex", None, None)),
        ("Draft the annex <@U1|ann> by fri", CommitCreate("Draft the annex", "U1", date(2026, 3, 13))),
        ("<@U1> Draft the annex", CommitCreate("Draft the annex", "U1", None)),
        ("Send <@U1> the draft", CommitCreate("Send the draft", "U1", None)),
        ("Ask <@U1>, then <@U2> by tomorrow", CommitCreate("Ask, then <@U2>", "U1", date(2026, 3, 12))),
        (
            "Review the paper by Ann by Dec 1",
            CommitCreate("Review the paper by Ann", None, date(2026, 12, 1)),
        ),
        ("Ship it BY 2025-01-01", CommitCreate("Ship it", None, date(2025, 1, 1))),
        ("Ship it by fri <@U3>", CommitCreate("Ship it", "U3", date(2026, 3, 13))),
        ("Write a standby plan", CommitCreate("Write a standby plan", None, None)),
        ("Line one by fri\nline two", CommitCreate("Line one by fri\nline two", None, None)),
        ("list", CommitList("channel", None)),
        ("list mine", CommitList("mine", None)),
        ("list OVERDUE", CommitList("overdue", None)),
        ("list all", CommitList("all", None)),
        ("list <@U2|bob>", CommitList("user", "U2")),
        ("done 12", CommitUpdate("done", 12, None)),
        ("done #12 sent to all partners", CommitUpdate("done", 12, "sent to all partners")),
        ("block 12 waiting for legal", CommitUpdate("block", 12, "waiting for legal")),
        ("drop #3", CommitUpdate("drop", 3, None)),
    ],
)
def test_commit_command(text: str, expected: object) -> None:
    assert commit(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "usage"),
    [
        (
            "Review by someday",
            "I couldn't read the date `someday`. Try",
            "/commit <text> [@owner] [by <date>]",
        ),
        ("Review by Ann", "`ann`", "/commit <text> [@owner] [by <date>]"),
        ("Send it by 12/01", "ambiguous", "/commit <text> [@owner] [by <date>]"),
        ("<@U1> by fri", "Say what the commitment is", "/commit <text> [@owner] [by <date>]"),
        ("by fri", "Say what the commitment is", "/commit <text> [@owner] [by <date>]"),
        ("list foo", "I can't list `foo`", "/commit list [mine|@user|overdue|all]"),
        ("list <@U1> <@U2>", "I can't list", "/commit list [mine|@user|overdue|all]"),
        ("done", "Say which one", "/commit done <id> [note]"),
        ("done abc", "`abc` is not a record id", "/commit done <id> [note]"),
        ("block 12", "Say why it is blocked", "/commit block <id> <reason>"),
        ("drop 12 because", "only the id", "/commit drop <id>"),
    ],
)
def test_commit_command_rejects(text: str, message: str, usage: str) -> None:
    err = error(commit, text)
    assert message.lower() in err.message.lower()
    assert err.usage == usage


def test_commitment_text_for_thread_messages() -> None:
    assert parse_commitment_text("Share minutes <@U4> by tomorrow", today=WED) == CommitCreate(
        "Share minutes", "U4", date(2026, 3, 12)
    )


# --- /propose ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ProposeModal()),
        ("help", Help()),
        ("Adopt the data-sharing agreement v2", ProposeCreate("Adopt the data-sharing agreement v2")),
        ("close 4", ProposeClose(4)),
        ("close #4", ProposeClose(4)),
        ("withdraw 5", ProposeWithdraw(5)),
    ],
)
def test_propose_command(text: str, expected: object) -> None:
    assert parse_propose_command(text) == expected


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("close", "/propose close <id>"),
        ("close the gap", "/propose close <id>"),
        ("withdraw 4 5", "/propose withdraw <id>"),
    ],
)
def test_propose_command_rejects(text: str, usage: str) -> None:
    assert error(parse_propose_command, text).usage == usage


# --- /group --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        ("create Industry", GroupCreate("Industry")),
        (
            "create Civil Society <#C1|cs> tz Europe/Berlin sector civil-society",
            GroupCreate("Civil Society", "C1", "Europe/Berlin", "civil-society"),
        ),
        (
            "create Academia sector research labs tz asia/kolkata",
            GroupCreate("Academia", None, "Asia/Kolkata", "research labs"),
        ),
        ('create "Tz Sector Partners" <#C2>', GroupCreate("Tz Sector Partners", "C2")),
        ("create “Policy makers” tz UTC", GroupCreate("Policy makers", None, "UTC")),
        ("create R&amp;D", GroupCreate("R&amp;D")),
        ("add Civil Society <@U1> <@U2|bo>", GroupAdd("Civil Society", ("U1", "U2"))),
        ("add Industry <@U1>, <@U1>", GroupAdd("Industry", ("U1",))),
        ('add "Civil Society" <@U1>', GroupAdd("Civil Society", ("U1",))),
        ("remove Industry <@U3>", GroupRemove("Industry", ("U3",))),
        ("schedule Civil Society mon,thu 09:00", GroupSchedule("Civil Society", ("mon", "thu"), time(9))),
        ("schedule Industry weekdays 9:30", GroupSchedule("Industry", DAYS[:5], time(9, 30))),
        ("schedule Civil Society off", GroupSchedule("Civil Society", None, None, off=True)),
        ("list", GroupList()),
        ("show  civil   society ", GroupShow("civil society")),
        ("facilitator add <@U1> <@U2>", FacilitatorAdd(("U1", "U2"))),
    ],
)
def test_group_command(text: str, expected: object) -> None:
    assert parse_group_command(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("frob", "`/group frob` is not a command"),
        ("create", "Say the group's name"),
        ("create " + "n" * 81, "too long"),
        ("create Foo tz", "I didn't understand `tz`"),
        ("create Foo tz Mars/Olympus", "`Mars/Olympus` is not an IANA time zone"),
        ("create Foo tz UTC tz UTC", "only once"),
        ("create Foo <#C1> <#C2>", "only once"),
        ("create Foo <#C1> junk", "I didn't understand"),
        ('create "Foo" junk', "I didn't understand `junk`"),
        ("add Industry", "Mention at least one person"),
        ("add <@U1>", "Say the group's name"),
        ("add Industry <@U1> and Ann", "I didn't understand `and Ann`"),
        ("add Industry <!subteam^S1|@team>", "Mention people with @"),
        ("schedule Industry 09:00", "Say the group, the days and the time"),
        ("schedule Industry funday 09:00", "`funday` is not a day"),
        ("schedule Industry mon 9am", "is not a time"),
        ("schedule off", "Say the group's name"),
        ("list all", "takes nothing more"),
        ("show", "Say the group's name"),
        ("facilitator <@U1>", "/group facilitator add"),
        ("facilitator add", "Mention at least one person"),
    ],
)
def test_group_command_rejects(text: str, message: str) -> None:
    err = error(parse_group_command, text)
    assert message in err.message
    assert err.usage.startswith("/group")


# --- /checkin, /digest, /accord ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", CheckinOpen()), ("help", Help()), ("now Civil Society", CheckinNow("Civil Society"))],
)
def test_checkin_command(text: str, expected: object) -> None:
    assert parse_checkin_command(text) == expected


@pytest.mark.parametrize("text", ["now", "later Industry", "Industry"])
def test_checkin_command_rejects(text: str) -> None:
    assert "/checkin now <group>" in error(parse_checkin_command, text).usage


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", DigestPost()),
        ("help", Help()),
        ("preview", DigestPreview()),
        ("schedule fri 16:00", DigestSchedule(("fri",), time(16), None)),
        ("schedule mon,thu 09:00 tz asia/kolkata", DigestSchedule(("mon", "thu"), time(9), "Asia/Kolkata")),
        ("schedule off", DigestSchedule(off=True)),
    ],
)
def test_digest_command(text: str, expected: object) -> None:
    assert parse_digest_command(text) == expected


@pytest.mark.parametrize(
    "text",
    ["weekly", "preview now", "schedule", "schedule fri", "schedule fri 16:00 UTC", "schedule fri 25:00"],
)
def test_digest_command_rejects(text: str) -> None:
    assert error(parse_digest_command, text).usage.startswith("/digest")


def test_accord_command() -> None:
    assert parse_accord_command("") == Help()
    assert parse_accord_command("Help") == Help()
    assert error(parse_accord_command, "dance").usage == "/accord help"


@pytest.mark.parametrize(
    "parse",
    [
        parse_decision_command,
        parse_propose_command,
        parse_group_command,
        parse_checkin_command,
        parse_digest_command,
        parse_accord_command,
        lambda text: parse_commit_command(text, today=WED),
    ],
)
def test_help_for_every_command(parse: Callable[[str], object]) -> None:
    assert parse("help") == Help()


def test_usage_covers_every_command() -> None:
    assert set(USAGE) == {"/decision", "/commit", "/propose", "/group", "/checkin", "/digest", "/accord"}


# --- messages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Decision: adopt the charter", RecordMessage("decision", "adopt the charter")),
        ("  DECISION :  adopt it  ", RecordMessage("decision", "adopt it")),
        ("action: send minutes <@U1> by fri", RecordMessage("commitment", "send minutes <@U1> by fri")),
        ("Commitment: review\nthe annex", RecordMessage("commitment", "review\nthe annex")),
        ("<@UBOT> decision: adopt it", RecordMessage("decision", "adopt it")),
        ("<@UBOT|accord>  Action: call them", RecordMessage("commitment", "call them")),
        ("Decision:", None),
        ("Decision:   ", None),
        ("We made a decision: adopt it", None),
        ("Actions: lots", None),
        ("hello", None),
        ("", None),
    ],
)
def test_record_message(text: str, expected: object) -> None:
    assert parse_record_message(text) == expected


def test_record_message_skips_only_the_bot_when_known() -> None:
    assert parse_record_message("<@UBOT> decision: x", bot_user_id="UBOT") == RecordMessage(
        "decision", "x"
    )
    assert parse_record_message("<@U2> decision: x", bot_user_id="UBOT") is None


def test_record_message_too_long() -> None:
    assert "too long" in error(parse_record_message, "Decision: " + "x" * 20_001).message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@UBOT> summary", Summary()),
        ("<@UBOT|accord> Summary please?", None),
        ("<@UBOT> SUMMARY.", Summary()),
        ("summary <@UBOT>", Summary()),
        ("<@UBOT> decision: adopt it", RecordMessage("decision", "adopt it")),
        ("<@UBOT> action: ask <@U2> by fri", RecordMessage("commitment", "ask <@U2> by fri")),
        ("<@UBOT> commitment: x", RecordMessage("commitment", "x")),
        ("<@UBOT> hello", None),
        ("<@UBOT>", None),
        ("<@U2> decision: not for the bot? still recorded", None),
    ],
)
def test_mention(text: str, expected: object) -> None:
    assert parse_mention(text, bot_user_id="UBOT") == expected


# --- properties ----------------------------------------------------------------------------

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
@given(st.sampled_from(PARSERS[:6] + PARSERS[-2:-1]), any_text)
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
