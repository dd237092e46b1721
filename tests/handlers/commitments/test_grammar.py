"""Tests for the grammar of `/commit`."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.commitments.grammar import CommitList, CommitModal, CommitUpdate, parse_commit_command
from handlers.shared.grammar import CommitCreate, Help
from tests.grammar_helpers import WED, error


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
        ("Draft the annex for #12", CommitCreate("Draft the annex", None, None, 12)),
        ("Draft the annex by fri for #12", CommitCreate("Draft the annex", None, date(2026, 3, 13), 12)),
        ("Draft the annex for #12 by fri", CommitCreate("Draft the annex", None, date(2026, 3, 13), 12)),
        ("<@U1> Draft the annex FOR 7", CommitCreate("Draft the annex FOR 7", "U1", None)),
        ("Prepare slides for #3 meeting", CommitCreate("Prepare slides for #3 meeting", None, None)),
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
            "/commit <text> [@owner] [by <date>] [for #<decision id>]",
        ),
        ("Review by Ann", "`ann`", "/commit <text> [@owner] [by <date>] [for #<decision id>]"),
        ("Send it by 12/01", "ambiguous", "/commit <text> [@owner] [by <date>] [for #<decision id>]"),
        ("<@U1> by fri", "Say what the commitment is", "/commit <text> [@owner] [by <date>] [for #<decision id>]"),
        ("by fri", "Say what the commitment is", "/commit <text> [@owner] [by <date>] [for #<decision id>]"),
        ("Draft it for #0", "`0` is not a record id", "/commit <text> [@owner] [by <date>] [for #<decision id>]"),
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
