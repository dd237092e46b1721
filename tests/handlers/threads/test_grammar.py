"""Tests for the grammar of thread messages and mentions."""

from __future__ import annotations

import pytest

from handlers.threads.grammar import RecordMessage, Summary, parse_mention, parse_record_message
from tests.grammar_helpers import error


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
