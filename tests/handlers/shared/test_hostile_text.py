"""Hostile text in well-formed requests: nested mentions, echoed input, NUL, other apps' bots,
response URLs in logs, and due dates that must read the same in every zone."""

from __future__ import annotations

import json
import logging
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.export import export_rows
from handlers.shared.blocks import plain_date, safe, slack_date
from handlers.shared.records import commitment_line
from storage.models import Commitment
from tests.fakeslack import BOT_USER_ID, FakeSlack
from tests.harness import FACILITATOR, Harness
from tests.payloads import message_event

SPECIAL = re.compile(r"<!(?!date\^)")  # any special mention (channel, here, everyone, group, subteam…)


def _pings(text: str) -> bool:
    return bool(SPECIAL.search(text))


def _rows(accord: Harness, kind: str) -> list[dict]:
    with accord.rt.session() as session:
        return export_rows(session, kind=kind, consortium_id="T1")


# --------------------------------------------------------------------------------- safe()

NESTED = ["<!channel|<x>>", "<!here|<@U1>>", "<!subteam^S1|<x>>", "<@U1|<!everyone>>", "<#C1|<!here>>",
          "<https://x.org|<!channel>>", "<!date^1700000000^{date}|<!here>>", "<<!channel>>", "<!group>",
          "<!channel|<!here|<!everyone>>>", "<!here", "<!channel|x"]


@pytest.mark.parametrize("text", NESTED)
def test_nested_special_mentions_never_ping(text: str) -> None:
    assert not _pings(safe(text)), safe(text)


def test_safe_still_keeps_what_may_stay_and_shows_the_rest_as_typed() -> None:
    assert safe("<!here|<@U1>>") == "&lt;!here|<@U1>&gt;"
    assert safe("see <https://x.org|site> and <@U1|ann>") == "see <https://x.org|site> and <@U1|ann>"
    assert safe("a > b < c") == "a &gt; b &lt; c"


_piece = st.sampled_from(["<", ">", "|", "!", "channel", "here", "everyone", "subteam^S1", "@U1", "#C1", "!date^1^x",
                          "https://x.org", "&lt;", " ", "x"])


@given(st.lists(_piece, max_size=40))
def test_no_arrangement_of_brackets_and_words_pings(parts: list[str]) -> None:
    assert not _pings(safe("".join(parts)))


# --------------------------------------------------------------------------------- echoed input

HOSTILE_COMMANDS = [
    ("/group", "show <!channel>"),
    ("/group", "show <!channel|<x>>"),
    ("/group", "add <!here> <@U2>"),
    ("/group", "schedule <!everyone> mon 09:00"),
    ("/group", "create Ops tz <!here>"),
    ("/decision", "revoke <!here>"),
    ("/decision", "list <!everyone>"),
    ("/commit", "done <!everyone>"),
    ("/commit", "list <!subteam^S1|@leads>"),
    ("/commit", "ship it by <!channel>"),
    ("/propose", "close <!here|<@U1>>"),
    ("/checkin", "now <!channel>"),
    ("/digest", "schedule <!channel> 09:00"),
    ("/accord", "<!everyone>"),
]


def test_refusals_never_echo_a_special_mention(accord: Harness) -> None:
    for command, text in HOSTILE_COMMANDS:
        reply = accord.command(command, text, user=FACILITATOR).reply_text()
        assert ":warning:" in reply, (command, text, reply)
        assert not _pings(reply), (command, text, reply)
    assert accord.fake.calls_to("chat.postMessage") == []


def test_a_refused_message_line_never_echoes_a_special_mention(accord: Harness) -> None:
    accord.event(message_event("Action: tell everyone by <!here>", user="U1"))
    [warning] = accord.fake.wait_for("chat.postEphemeral")
    text = FakeSlack.all_text(warning)
    assert "date" in text and not _pings(text)
    assert _rows(accord, "commitments") == []


def test_nested_mentions_in_a_recorded_decision_never_ping(accord: Harness) -> None:
    accord.command("/decision", "Tell <!channel|<x>> and <!here|<@U7>> now")
    [post] = accord.fake.wait_for("chat.postMessage")
    assert not _pings(json.dumps(post.params))
    assert "<@U7>" in FakeSlack.all_text(post)


# --------------------------------------------------------------------------------- NUL and surrogates


def test_nul_in_a_decision_command_is_dropped_on_every_database(accord: Harness) -> None:
    sent = accord.command("/decision", "We adopt\x00 the glossary\x00")
    assert sent.status == 200
    [post] = accord.fake.wait_for("chat.postMessage")
    assert "We adopt the glossary" in FakeSlack.all_text(post)
    assert [d["text"] for d in _rows(accord, "decisions")] == ["We adopt the glossary"]


def test_nul_in_decision_and_action_lines_is_dropped_on_every_database(accord: Harness) -> None:
    accord.event(message_event("Decision:\x00 meetings move\x00 to Thursdays", user="U1"))
    accord.event(message_event("Action: <@U2> draft\x00 the annex by 2026-12-07", user="U1"))
    accord.fake.wait_for("chat.postMessage", count=2)
    assert [d["text"] for d in _rows(accord, "decisions")] == ["meetings move to Thursdays"]
    [commitment] = _rows(accord, "commitments")
    assert (commitment["text"], commitment["owner_id"]) == ("draft the annex", "U2")


def test_a_lone_surrogate_is_stored_as_a_replacement_character(accord: Harness) -> None:
    accord.event(message_event("Decision: adopt \ud800 the charter", user="U1"))
    accord.fake.wait_for("chat.postMessage")
    assert [d["text"] for d in _rows(accord, "decisions")] == ["adopt \ufffd the charter"]


def test_a_command_mentioning_payload_is_not_dropped(accord: Harness) -> None:
    accord.command("/decision", "The payload format is frozen")
    [post] = accord.fake.wait_for("chat.postMessage")
    assert "The payload format is frozen" in FakeSlack.all_text(post)


# --------------------------------------------------------------------------------- other apps' bots

BOT_PROFILE = {"id": "B9", "app_id": "A9", "name": "other-bot", "deleted": False, "team_id": "T1"}


def _bot_variants(event: dict) -> list[dict]:
    return [
        {**event, "bot_id": "B9"},
        {**event, "bot_profile": BOT_PROFILE},
        {**event, "bot_id": "B9", "bot_profile": BOT_PROFILE, "app_id": "A9"},
        {**{k: v for k, v in event.items() if k != "user"}, "subtype": "bot_message", "bot_id": "B9",
         "username": "other-bot"},
    ]


def test_other_apps_messages_and_mentions_are_never_recorded(accord: Harness) -> None:
    for n, text in enumerate(["Decision: adopt the glossary", "Action: <@U2> write the FAQ"]):
        for variant in _bot_variants(message_event(text, user="U9", ts=f"1764000001.00{n}100")):
            accord.event(variant)
    for n, text in enumerate([f"<@{BOT_USER_ID}> decision: x", f"<@{BOT_USER_ID}> action: y",
                              f"<@{BOT_USER_ID}> summary", f"<@{BOT_USER_ID}> hello"]):
        mention = {**message_event(text, user="U9", ts=f"1764000002.00{n}100"), "type": "app_mention"}
        for variant in _bot_variants(mention):
            accord.event(variant)
    accord.settle()
    assert _rows(accord, "decisions") == [] and _rows(accord, "commitments") == []
    assert accord.fake.calls_to("chat.postMessage") == [] and accord.fake.calls_to("chat.postEphemeral") == []
    # The same mention from a person is recorded.
    accord.event({**message_event(f"<@{BOT_USER_ID}> decision: x", user="U9"), "type": "app_mention"})
    accord.fake.wait_for("chat.postMessage")
    assert [d["text"] for d in _rows(accord, "decisions")] == ["x"]


# --------------------------------------------------------------------------------- response URLs


def test_response_urls_are_never_logged_even_at_debug(accord: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sent = accord.command("/decision", "revoke 999")
    assert "no decision #999" in sent.reply_text()
    url = accord.fake.response_url(sent.key or "")
    accord.settle()
    messages = [record.getMessage() for record in caplog.records]
    assert any(record.name.startswith("slack_sdk.webhook") for record in caplog.records)  # it did log
    assert not [m for m in messages if url in m or "/response/" in m]


# --------------------------------------------------------------------------------- due dates


def test_due_dates_are_plain_calendar_dates() -> None:
    assert plain_date(date(2026, 12, 7)) == "Mon 7 Dec 2026"
    assert slack_date(date(2026, 12, 7)) == "Mon 7 Dec 2026"  # a date is never turned into an instant
    line = commitment_line(Commitment(id=3, consortium_id="T1", text="x", owner_id="U1", due_date=date(2026, 12, 7),
                                      created_by="U1", channel_id="C1"), today=date(2026, 12, 8))
    assert "was due Mon 7 Dec 2026" in line and "<!date" not in line


def test_due_dates_read_the_same_in_every_zone_end_to_end(accord: Harness) -> None:
    accord.command("/commit", "draft the annex by 2026-12-07")
    [announced] = accord.fake.wait_for("chat.postMessage")
    accord.event(message_event("Action: review the annex by 2026-12-08", user="U1"))
    confirmed = accord.fake.wait_for("chat.postMessage", count=2)[-1]
    listed = accord.command("/commit", "list all").reply_text()
    accord.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    [home] = accord.fake.wait_for("views.publish")
    assert "due Mon 7 Dec 2026" in FakeSlack.all_text(announced)
    assert "due Tue 8 Dec 2026" in FakeSlack.all_text(confirmed)
    assert "due Mon 7 Dec 2026" in listed and "due Tue 8 Dec 2026" in listed
    assert "due Mon 7 Dec 2026" in FakeSlack.all_text(home)
    for text in (FakeSlack.all_text(announced), FakeSlack.all_text(confirmed), listed, FakeSlack.all_text(home)):
        assert "<!date" not in text
