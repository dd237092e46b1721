"""Tests for the grammar of `/propose`."""

from __future__ import annotations

import pytest

from handlers.proposals.grammar import ProposeClose, ProposeCreate, ProposeModal, ProposeWithdraw, parse_propose_command
from handlers.shared.grammar import Help
from tests.grammar_helpers import error


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
