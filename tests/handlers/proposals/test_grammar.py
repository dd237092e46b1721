"""Tests for the grammar of `/propose`."""

from __future__ import annotations

import pytest

from handlers.proposals.grammar import (
    CREATE_FORM,
    ProposeClose,
    ProposeConflict,
    ProposeCreate,
    ProposeModal,
    ProposeWithdraw,
    parse_propose_command,
)
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
        ("Adopt it counting organisation", ProposeCreate("Adopt it", counting="organisation")),
        ("Adopt it counting organization", ProposeCreate("Adopt it", counting="organisation")),
        ("Adopt it COUNTING member", ProposeCreate("Adopt it", counting="member")),
        ("Adopt it cap 25%", ProposeCreate("Adopt it", cap=25)),
        ("Adopt it cap 25 %", ProposeCreate("Adopt it", cap=25)),
        ("Adopt it anonymous hidden cap 100% counting member",
         ProposeCreate("Adopt it", counting="member", cap=100, hidden=True, anonymous=True)),
        ("Keep the budget cap", ProposeCreate("Keep the budget cap")),
        ("Hidden costs of the annex", ProposeCreate("Hidden costs of the annex")),
        ("conflict 4 I advise a bidder", ProposeConflict(4, "I advise a bidder")),
        ("conflict #4 I advise <@U1|ann>", ProposeConflict(4, "I advise <@U1|ann>")),
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
        ("Adopt it cap 0%", CREATE_FORM),
        ("Adopt it cap lots", CREATE_FORM),
        ("Adopt it counting votes", CREATE_FORM),
        ("Adopt it cap 20% cap 30%", CREATE_FORM),
        ("anonymous", CREATE_FORM),
        ("conflict 4", "/propose conflict <id> <statement>"),
        ("conflict", "/propose conflict <id> <statement>"),
    ],
)
def test_propose_command_rejects(text: str, usage: str) -> None:
    assert error(parse_propose_command, text).usage == usage
