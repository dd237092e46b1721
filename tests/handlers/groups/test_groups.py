"""End to end: `/group` through signed requests, the real server and the fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from storage.groups import get_group_by_name, list_groups, list_member_ids
from storage.models import AuditLog, StakeholderGroup
from tests.harness import Harness

FAC = "UFAC"


def _group(accord: Harness, name: str) -> StakeholderGroup | None:
    with accord.rt.session() as session:
        return get_group_by_name(session, consortium_id="T1", name=name)


def _members(accord: Harness, name: str) -> list[str]:
    group = _group(accord, name)
    assert group is not None and group.id is not None
    with accord.rt.session() as session:
        return list_member_ids(session, consortium_id="T1", group_id=group.id)


def test_non_facilitator_cannot_create_a_group(accord: Harness) -> None:
    sent = accord.command("/group", "create Industry tz Europe/Berlin", user="U1")
    assert "Only facilitators can create groups" in sent.reply_text()
    with accord.rt.session() as session:
        assert list_groups(session, consortium_id="T1") == []
        assert session.exec(select(AuditLog)).all() == []


def test_facilitator_creates_group_with_channel_zone_and_sector(accord: Harness) -> None:
    sent = accord.command("/group", "create Academia <#C77|research> tz asia/kolkata sector academia", user=FAC)
    text = sent.reply_text()
    assert "Created the group *Academia*" in text and "Asia/Kolkata" in text
    group = _group(accord, "ACADEMIA")
    assert group is not None
    assert (group.channel_id, group.timezone, group.sector) == ("C77", "Asia/Kolkata", "academia")
    assert group.created_by == FAC
    again = accord.command("/group", "create academia", user=FAC)
    assert "already exists" in again.reply_text()
    with accord.rt.session() as session:
        assert len(list_groups(session, consortium_id="T1")) == 1
        assert [a.action for a in session.exec(select(AuditLog))] == ["group.create"]


def test_zone_defaults_to_the_team_zone_and_unknown_zone_is_explained(accord: Harness) -> None:
    bad = accord.command("/group", "create Policy tz Mars/Olympus", user=FAC)
    assert "not an IANA time zone" in bad.reply_text() and "Usage" in bad.reply_text()
    assert _group(accord, "Policy") is None
    accord.command("/group", "create Policy", user=FAC)
    group = _group(accord, "Policy")
    assert group is not None and group.timezone == "UTC" and group.channel_id is None


def test_members_are_added_and_removed_and_unknown_group_is_explained(accord: Harness) -> None:
    accord.command("/group", "create Industry", user=FAC)
    added = accord.command("/group", "add industry <@U1|ann> <@U2|bob>", user=FAC)
    assert "Added <@U1>, <@U2> to *Industry*" in added.reply_text()
    again = accord.command("/group", "add Industry <@U2> <@U3>", user=FAC)
    assert "Added <@U3>" in again.reply_text() and "Already in *Industry*: <@U2>" in again.reply_text()
    assert _members(accord, "Industry") == ["U1", "U2", "U3"]
    removed = accord.command("/group", "remove Industry <@U1> <@U9>", user=FAC)
    assert "Removed <@U1>" in removed.reply_text() and "Not members of *Industry*: <@U9>" in removed.reply_text()
    assert _members(accord, "Industry") == ["U2", "U3"]
    unknown = accord.command("/group", "add Industri <@U4>", user=FAC)
    assert "There is no group named “Industri”" in unknown.reply_text() and "Industry" in unknown.reply_text()
    refused = accord.command("/group", "add Industry <@U5>", user="U2")
    assert "Only facilitators" in refused.reply_text()
    plain = accord.command("/group", "add Industry @nobody", user=FAC)
    assert "Mention at least one person" in plain.reply_text()
    stray = accord.command("/group", "add Industry <@U5> bob", user=FAC)
    assert "Mention people with @; I didn't understand `bob`" in stray.reply_text()
    assert _members(accord, "Industry") == ["U2", "U3"]


def test_bots_and_deactivated_accounts_are_refused(accord: Harness) -> None:
    accord.fake.users["UBOT"] = {"is_bot": True}
    accord.fake.users["UGONE"] = {"deleted": True}
    accord.command("/group", "create Industry", user=FAC)
    assert "is a bot" in accord.command("/group", "add Industry <@UBOT>", user=FAC).reply_text()
    assert "deactivated" in accord.command("/group", "add Industry <@UGONE>", user=FAC).reply_text()
    assert _members(accord, "Industry") == []


def test_schedule_shows_next_checkin_in_the_group_zone_and_off_stops_it(accord: Harness) -> None:
    # The clock stands at Wednesday 2026-11-25 09:00 UTC = 14:30 in Kolkata.
    accord.command("/group", "create Academia tz Asia/Kolkata", user=FAC)
    bad_day = accord.command("/group", "schedule Academia funday 10:00", user=FAC)
    assert "is not a day" in bad_day.reply_text()
    bad_time = accord.command("/group", "schedule Academia mon 25:00", user=FAC)
    assert "is not a time" in bad_time.reply_text()
    sent = accord.command("/group", "schedule Academia mon,thu 09:30", user=FAC)
    assert "Thu 26 Nov 2026, 09:30 IST" in sent.reply_text()
    group = _group(accord, "Academia")
    assert group is not None
    assert (group.checkin_days, group.checkin_time) == ("mon,thu", "09:30")
    assert group.schedule_updated_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    shown = accord.command("/group", "show academia", user="U1").reply_text()
    assert "Mon, Thu at 09:30 (Asia/Kolkata)" in shown and "Thu 26 Nov 2026, 09:30 IST" in shown
    refused = accord.command("/group", "schedule Academia off", user="U1")
    assert "Only facilitators" in refused.reply_text()
    off = accord.command("/group", "schedule Academia off", user=FAC)
    assert "are off" in off.reply_text()
    group = _group(accord, "Academia")
    assert group is not None and group.checkin_days is None and group.checkin_time is None


def test_list_and_show(accord: Harness) -> None:
    assert "No groups yet" in accord.command("/group", "list").reply_text()
    accord.command("/group", "create Industry <#C5> sector industry", user=FAC)
    accord.command("/group", "create Civil society tz America/New_York", user=FAC)
    accord.command("/group", "add Industry <@U1> <@U2>", user=FAC)
    listed = accord.command("/group", "list", user="U1").reply_text()
    assert "*Civil society*" in listed and "*Industry* _(industry)_ — 2 members, <#C5>" in listed
    shown = accord.command("/group", "show industry", user="U1").reply_text()
    assert "<@U1>, <@U2>" in shown and "no check-ins scheduled" in shown
    assert "There is no group" in accord.command("/group", "show Nope").reply_text()
    assert "/group create" in accord.command("/group", "help").reply_text()


def test_facilitator_add_lets_a_member_administer(accord: Harness) -> None:
    assert "Only facilitators" in accord.command("/group", "facilitator add <@U2>", user="U1").reply_text()
    added = accord.command("/group", "facilitator add <@U2>", user=FAC)
    assert "<@U2> can now administer" in added.reply_text()
    accord.command("/group", "create Nonprofits", user="U2")
    assert _group(accord, "Nonprofits") is not None
