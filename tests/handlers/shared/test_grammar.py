"""Tests for what every command's grammar shares: mentions, record ids, long text, the commitment text."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.commitments.grammar import parse_commit_command
from handlers.decisions.grammar import DecisionCreate, parse_decision_command
from handlers.proposals.grammar import parse_propose_command
from handlers.shared.grammar import (
    MAX_TEXT,
    CommitCreate,
    channel_id,
    first_user,
    parse_commitment_text,
    parse_record_id,
    user_ids,
)
from tests.grammar_helpers import WED, error


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


def test_too_long_text() -> None:
    err = error(parse_decision_command, "x" * (MAX_TEXT + 1))
    assert err.message == "The decision text is too long (20,001 characters; the limit is 20,000)."
    assert err.usage
    assert parse_decision_command("x" * MAX_TEXT) == DecisionCreate("x" * MAX_TEXT)
    assert "too long" in error(parse_propose_command, "y" * 20_001).message
    assert "too long" in error(parse_commit_command, "z" * 20_001, today=WED).message


def test_commitment_text_for_thread_messages() -> None:
    assert parse_commitment_text("Share minutes <@U4> by tomorrow", today=WED) == CommitCreate(
        "Share minutes", "U4", date(2026, 3, 12)
    )
