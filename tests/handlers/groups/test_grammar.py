"""Tests for the grammar of `/group`."""

from __future__ import annotations

from datetime import time

import pytest

from bot.values import DAYS
from handlers.groups.grammar import (
    FacilitatorAdd,
    GroupAdd,
    GroupCreate,
    GroupList,
    GroupRemove,
    GroupSchedule,
    GroupShow,
    parse_group_command,
)
from handlers.shared.grammar import Help
from tests.grammar_helpers import error


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        ("create Industry", GroupCreate("Industry")),
        (
            "create Civil Society <#C1|cs> tz Europe/Berlin sector civil-society",
            GroupCreate("Civil Society", "C1", "Europe/Berlin", "civil-society"),
        ),
        (
            "create Academia sector research labs tz asia/kolkata",
            GroupCreate("Academia", None, "Asia/Kolkata", "research labs"),
        ),
        ('create "Tz Sector Partners" <#C2>', GroupCreate("Tz Sector Partners", "C2")),
        ("create “Policy makers” tz UTC", GroupCreate("Policy makers", None, "UTC")),
        ("create R&amp;D", GroupCreate("R&amp;D")),
        ("add Civil Society <@U1> <@U2|bo>", GroupAdd("Civil Society", ("U1", "U2"))),
        ("add Industry <@U1>, <@U1>", GroupAdd("Industry", ("U1",))),
        ('add "Civil Society" <@U1>', GroupAdd("Civil Society", ("U1",))),
        ("remove Industry <@U3>", GroupRemove("Industry", ("U3",))),
        ("schedule Civil Society mon,thu 09:00", GroupSchedule("Civil Society", ("mon", "thu"), time(9))),
        ("schedule Industry weekdays 9:30", GroupSchedule("Industry", DAYS[:5], time(9, 30))),
        ("schedule Civil Society off", GroupSchedule("Civil Society", None, None, off=True)),
        ("list", GroupList()),
        ("show  civil   society ", GroupShow("civil society")),
        ("facilitator add <@U1> <@U2>", FacilitatorAdd(("U1", "U2"))),
    ],
)
def test_group_command(text: str, expected: object) -> None:
    assert parse_group_command(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("frob", "`/group frob` is not a command"),
        ("create", "Say the group's name"),
        ("create " + "n" * 81, "too long"),
        ("create Foo tz", "I didn't understand `tz`"),
        ("create Foo tz Mars/Olympus", "`Mars/Olympus` is not an IANA time zone"),
        ("create Foo tz UTC tz UTC", "only once"),
        ("create Foo <#C1> <#C2>", "only once"),
        ("create Foo <#C1> junk", "I didn't understand"),
        ('create "Foo" junk', "I didn't understand `junk`"),
        ("add Industry", "Mention at least one person"),
        ("add <@U1>", "Say the group's name"),
        ("add Industry <@U1> and Ann", "I didn't understand `and Ann`"),
        ("add Industry <!subteam^S1|@team>", "Mention people with @"),
        ("schedule Industry 09:00", "Say the group, the days and the time"),
        ("schedule Industry funday 09:00", "`funday` is not a day"),
        ("schedule Industry mon 9am", "is not a time"),
        ("schedule off", "Say the group's name"),
        ("list all", "takes nothing more"),
        ("show", "Say the group's name"),
        ("facilitator <@U1>", "/group facilitator add"),
        ("facilitator add", "Mention at least one person"),
    ],
)
def test_group_command_rejects(text: str, message: str) -> None:
    err = error(parse_group_command, text)
    assert message in err.message
    assert err.usage.startswith("/group")
