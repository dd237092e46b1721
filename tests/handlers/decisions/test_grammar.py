"""Tests for the grammar of `/decision`."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.decisions.grammar import (
    DecisionCreate,
    DecisionList,
    DecisionModal,
    DecisionReview,
    DecisionRevoke,
    DecisionSupersede,
    parse_decision_command,
)
from handlers.shared.grammar import Help
from tests.grammar_helpers import error


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


TODAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("review 12 2027-03-01", DecisionReview(12, date(2027, 3, 1))),
        ("review #12 fri", DecisionReview(12, date(2026, 11, 27))),
        ("REVIEW 12 in 3 days", DecisionReview(12, date(2026, 11, 28))),
        ("review 12 off", DecisionReview(12, None)),
        ("review 12 2020-01-01", DecisionReview(12, date(2020, 1, 1))),  # the past is refused by the service
        ("supersede 12 Meet weekly", DecisionSupersede(12, "Meet weekly")),
        ("supersede #12 Adopt <@U1|ann>'s draft\nwith edits",
         DecisionSupersede(12, "Adopt <@U1|ann>'s draft\nwith edits")),
    ],
)
def test_review_and_supersede(text: str, expected: object) -> None:
    assert parse_decision_command(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "usage", "message"),
    [
        ("review", "/decision review <id> <date|off>", "Say which one"),
        ("review 12", "/decision review <id> <date|off>", "Say when it is due for review"),
        ("review x 2027-01-01", "/decision review <id> <date|off>", "not a record id"),
        ("review 12 2027-13-01", "", "not a valid date"),
        ("review 12 whenever", "", "couldn't read the date"),
        ("supersede", "/decision supersede <id> <new text>", "Say which one"),
        ("supersede 12", "/decision supersede <id> <new text>", "Say what the new decision is"),
        ("supersede 12 " + "x" * 20_001, "", "too long"),
    ],
)
def test_review_and_supersede_reject(text: str, usage: str, message: str) -> None:
    err = error(lambda t: parse_decision_command(t, today=TODAY), text)
    assert message in err.message
    assert usage in err.usage
