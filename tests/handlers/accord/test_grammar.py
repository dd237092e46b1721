"""Tests for the grammar of `/accord`."""

from __future__ import annotations

from handlers.accord.grammar import parse_accord_command
from handlers.shared.grammar import Help
from tests.grammar_helpers import error


def test_accord_command() -> None:
    assert parse_accord_command("") == Help()
    assert parse_accord_command("Help") == Help()
    assert error(parse_accord_command, "dance").usage == "/accord help"
