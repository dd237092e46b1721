"""Tests for the grammar of `/decision`."""

from __future__ import annotations

import pytest

from handlers.decisions.grammar import (
    DecisionCreate,
    DecisionList,
    DecisionModal,
    DecisionRevoke,
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
