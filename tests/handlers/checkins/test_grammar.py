"""Tests for the grammar of `/checkin`."""

from __future__ import annotations

import pytest

from handlers.checkins.grammar import CheckinNow, CheckinOpen, parse_checkin_command
from handlers.shared.grammar import Help
from tests.grammar_helpers import error


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", CheckinOpen()), ("help", Help()), ("now Civil Society", CheckinNow("Civil Society"))],
)
def test_checkin_command(text: str, expected: object) -> None:
    assert parse_checkin_command(text) == expected


@pytest.mark.parametrize("text", ["now", "later Industry", "Industry"])
def test_checkin_command_rejects(text: str) -> None:
    assert "/checkin now <group>" in error(parse_checkin_command, text).usage
