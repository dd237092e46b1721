"""Tests for the grammar of `/accord`."""

from __future__ import annotations

from handlers.accord.grammar import Invite, Join, parse_accord_command
from handlers.shared.grammar import Help
from tests.grammar_helpers import error


def test_accord_command() -> None:
    assert parse_accord_command("") == Help()
    assert parse_accord_command("Help") == Help()
    assert parse_accord_command("invite") == Invite()
    assert parse_accord_command("JOIN abcd-efgh-jkmn") == Join("abcd-efgh-jkmn")
    assert "/accord join <code>" in error(parse_accord_command, "dance").usage
    assert "Give the code" in str(error(parse_accord_command, "join"))
    assert "Give the code" in str(error(parse_accord_command, "join a b"))
    assert "didn't understand" in str(error(parse_accord_command, "invite everyone"))
