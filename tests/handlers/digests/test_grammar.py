"""Tests for the grammar of `/digest`."""

from __future__ import annotations

from datetime import time

import pytest

from handlers.digests.grammar import DigestPost, DigestPreview, DigestSchedule, parse_digest_command
from handlers.shared.grammar import Help
from tests.grammar_helpers import error


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
