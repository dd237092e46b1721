"""Tests for the grammar of `/org`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.organisations.grammar import OrgList, OrgRole, OrgSet, OrgShow, parse_org_command
from handlers.shared.grammar import Help
from tests.grammar_helpers import error


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        ("set Univ. of Bonn <@U1|lena> <@U2>", OrgSet("Univ. of Bonn", ("U1", "U2"))),
        ("set  Ministry   of Health <@U1>, <@U1>", OrgSet("Ministry of Health", ("U1",))),
        ('set "Save the Children <UK>" <@U1>', None),  # brackets are refused, quoted or not
        ('set "Tz &amp; Sector" <@U1>', OrgSet("Tz &amp; Sector", ("U1",))),
        ("set “Univ Bonn” <@U1>", OrgSet("Univ Bonn", ("U1",))),
        ("list", OrgList()),
        ("show  univ   bonn ", OrgShow("univ bonn")),
        ("representative Univ Bonn <@U2|bob>", OrgRole("representative", "Univ Bonn", "U2")),
        ("focal Univ Bonn <@U3>", OrgRole("focal", "Univ Bonn", "U3")),
        ("focal Univ Bonn off", OrgRole("focal", "Univ Bonn", None)),
        ("REPRESENTATIVE Univ Bonn OFF", OrgRole("representative", "Univ Bonn", None)),
    ],
)
def test_org_command(text: str, expected: object) -> None:
    if expected is None:
        assert "Say the organisation's name" in error(parse_org_command, text).message
    else:
        assert parse_org_command(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("frob", "`/org frob` is not a command"),
        ("set Univ Bonn", "Mention at least one person"),
        ("set <@U1>", "Say the organisation's name"),
        ("set Univ Bonn <!channel>", "not @channel, @here"),
        ("set Univ Bonn <@U1> <!here|here>", "not @channel, @here"),
        ("set Univ Bonn <!subteam^S1|@team>", "not @channel, @here"),
        ("set Univ Bonn <@U1> and friends", "I didn't understand `and friends`"),
        ("list everything", "takes nothing more"),
        ("show", "Say the organisation's name"),
        ("representative Univ Bonn", "Mention at least one person"),
        ("representative", "Say the organisation and mention one person"),
        ("focal Univ Bonn <@U1> <@U2>", "Mention one person only"),
        ("focal off", "Say the organisation's name"),
        (f"set {'x' * 201} <@U1>", "too long"),
    ],
)
def test_bad_org_command(text: str, message: str) -> None:
    err = error(parse_org_command, text)
    assert message in err.message and err.usage.startswith("/org")


names = st.lists(st.from_regex(r"[A-Za-z][A-Za-z.&;-]{0,12}", fullmatch=True), min_size=1, max_size=6).map(" ".join)


@given(names, st.lists(st.from_regex(r"U[A-Z0-9]{2,8}", fullmatch=True), min_size=1, max_size=5, unique=True))
def test_the_name_is_everything_before_the_first_mention(name: str, users: list[str]) -> None:
    parsed = parse_org_command(f"set {name} " + " ".join(f"<@{u}>" for u in users))
    assert parsed == OrgSet(name, tuple(users))
