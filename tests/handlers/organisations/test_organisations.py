"""End to end: `/org` through signed requests, the real server and the fake Slack; organisations kept with
the records about a person, and the default organisation of a member from another workspace."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from storage.models import (
    AuditLog,
    CheckinResponse,
    Commitment,
    GroupMembership,
    MemberOrganisation,
    Organisation,
    Position,
)
from storage.organisations import list_organisations, organisation_names
from tests.handlers.proposals.proposal_helpers import CLICK, live_text, make_groups, propose, take
from tests.harness import Harness
from tests.payloads import message_event

FAC = "UFAC"
OTHER_TEAM = "T2"
EXT = "UEXT"


def _orgs(accord: Harness) -> dict[str, str]:
    with accord.rt.session() as session:
        return organisation_names(session, consortium_id="T1")


def _org(accord: Harness, name: str) -> Organisation:
    with accord.rt.session() as session:
        [found] = [o for o in list_organisations(session, consortium_id="T1") if o.name == name]
        return found


def _rows(accord: Harness, model: Any) -> list[Any]:
    with accord.rt.session() as session:
        return list(session.exec(select(model).order_by(model.id)))


def test_facilitator_sets_members_organisation_with_a_name_of_several_words(accord: Harness) -> None:
    sent = accord.command("/org", "set Univ. of  Bonn <@U1|ann> <@U2|bob>", user=FAC)
    text = sent.reply_text()
    assert "Created the organisation *Univ. of Bonn*" in text and "<@U1>, <@U2> now belong to" in text
    again = accord.command("/org", "set UNIV. OF BONN <@U2> <@U3>", user=FAC)
    assert "Created" not in again.reply_text()
    assert "<@U3> now belongs to *Univ. of Bonn*" in again.reply_text()
    assert "Already in *Univ. of Bonn*: <@U2>" in again.reply_text()
    assert _orgs(accord) == {"U1": "Univ. of Bonn", "U2": "Univ. of Bonn", "U3": "Univ. of Bonn"}
    accord.command("/org", 'set "Ministry of Health" <@U3>', user=FAC)
    assert _orgs(accord)["U3"] == "Ministry of Health"
    assert [o.name for o in _rows(accord, Organisation)] == ["Univ. of Bonn", "Ministry of Health"]
    assert [a.action for a in _rows(accord, AuditLog)] == ["organisation.set"] * 3


def test_bad_org_commands_are_explained_and_change_nothing(accord: Harness) -> None:
    accord.command("/org", "set Univ Bonn <@U1>", user=FAC)
    before = (_rows(accord, Organisation), _rows(accord, MemberOrganisation))
    refused = accord.command("/org", "set Univ Bonn <@U2>", user="U1")
    assert "Only facilitators can set members' organisations" in refused.reply_text()
    no_one = accord.command("/org", "set Univ Bonn", user=FAC)
    assert "Mention at least one person" in no_one.reply_text() and "Usage" in no_one.reply_text()
    for special in ("<!channel>", "<!here>", "<!here|here>"):
        loud = accord.command("/org", f"set Univ Bonn {special}", user=FAC)
        assert "not @channel, @here" in loud.reply_text()
    stray = accord.command("/org", "set Univ Bonn <@U2> bob", user=FAC)
    assert "I didn't understand `bob`" in stray.reply_text()
    long = accord.command("/org", f"set {'x' * 201} <@U2>", user=FAC)
    assert "too long" in long.reply_text()
    unknown = accord.command("/org", "show Univ Bon", user=FAC)
    assert "There is no organisation named “Univ Bon”" in unknown.reply_text()
    assert "Univ Bonn" in unknown.reply_text()
    role = accord.command("/org", "representative Nowhere <@U1>", user=FAC)
    assert "There is no organisation named “Nowhere”" in role.reply_text()
    outsider = accord.command("/org", "focal Univ Bonn <@U2>", user=FAC)
    assert "<@U2> is not a member of Univ Bonn" in outsider.reply_text()
    two = accord.command("/org", "representative Univ Bonn <@U1> <@U2>", user=FAC)
    assert "Mention one person only" in two.reply_text()
    not_fac = accord.command("/org", "representative Univ Bonn <@U1>", user="U1")
    assert "Only facilitators" in not_fac.reply_text()
    what = accord.command("/org", "rename Univ Bonn", user=FAC)
    assert "`/org rename` is not a command" in what.reply_text()
    assert (_rows(accord, Organisation), _rows(accord, MemberOrganisation)) == before


def test_list_and_show_with_representative_and_focal_point(accord: Harness) -> None:
    empty = accord.command("/org", "list", user="U1")
    assert "No organisations yet" in empty.reply().params["blocks"][0]["text"]["text"]
    accord.command("/org", "set Univ Bonn <@U1> <@U2>", user=FAC)
    accord.command("/org", "set ACME <@U3>", user=FAC)
    rep = accord.command("/org", "representative univ bonn <@U2>", user=FAC)
    assert "<@U2> is now the representative of *Univ Bonn*" in rep.reply_text()
    focal = accord.command("/org", "focal Univ Bonn <@U1>", user=FAC)
    assert "<@U1> is now the focal point of *Univ Bonn*" in focal.reply_text()
    listed = accord.fake.all_text(accord.command("/org", "list", user="U3").reply())
    assert "*ACME* — 1 member; representative: none; focal point: none" in listed
    assert "*Univ Bonn* — 2 members; representative: <@U2>; focal point: <@U1>" in listed
    shown = accord.fake.all_text(accord.command("/org", "show UNIV BONN", user="U3").reply())
    assert "*Representative:* <@U2>" in shown and "*Focal point:* <@U1>" in shown
    assert "*Members (2):* <@U1>, <@U2>" in shown
    off = accord.command("/org", "focal Univ Bonn off", user=FAC)
    assert "has no focal point now" in off.reply_text()
    assert _org(accord, "Univ Bonn").focal_user_id is None
    accord.command("/org", "set ACME <@U2>", user=FAC)  # moving away ends their role
    assert _org(accord, "Univ Bonn").representative_user_id is None
    help_text = accord.command("/org", "help", user="U1").reply_text()
    assert "/org set <organisation> @user…" in help_text


def test_records_keep_the_organisation_as_it_was(accord: Harness) -> None:
    make_groups(accord, {"Policy": []})
    accord.command("/org", "set Univ Bonn <@U1>", user=FAC)
    accord.command("/group", "add Policy <@U1> <@U2>", user=FAC)
    accord.command("/commit", "Draft the annex", user="U1")
    proposal_id = propose(accord, "Adopt the charter")
    accord.action(CLICK["agree"], str(proposal_id), user="U1")
    accord.command("/org", "set Ministry of Health <@U1>", user=FAC)  # later: another organisation
    accord.command("/commit", "Review the annex", user="U1")
    memberships = {m.user_id: m.organisation for m in _rows(accord, GroupMembership)}
    assert memberships == {"U1": "Univ Bonn", "U2": None}  # U2: no organisation
    assert [(c.text, c.organisation) for c in _rows(accord, Commitment)] == [
        ("Draft the annex", "Univ Bonn"), ("Review the annex", "Ministry of Health")]
    assert [p.organisation for p in _rows(accord, Position)] == ["Univ Bonn"]
    accord.action(CLICK["abstain"], str(proposal_id), user="U1")  # a changed position: as it is now
    assert [p.organisation for p in _rows(accord, Position)] == ["Ministry of Health"]


def test_a_member_from_another_workspace_defaults_to_its_name(accord: Harness) -> None:
    accord.fake.teams[OTHER_TEAM] = "Univ. Bonn & Partners"
    make_groups(accord, {"Policy": [EXT, "U1"]})
    proposal_id = propose(accord, "Adopt the charter")
    accord.action(CLICK["agree"], str(proposal_id), user=EXT, user_team=OTHER_TEAM)
    accord.action(CLICK["agree"], str(proposal_id), user="U1")  # the home workspace's member: none
    assert {p.user_id: p.organisation for p in _rows(accord, Position)} == {
        EXT: "Univ. Bonn &amp; Partners", "U1": None}
    [asked] = accord.fake.calls_to("team.info")
    assert asked.params["team"] == OTHER_TEAM
    shown = accord.fake.all_text(accord.command("/org", "show univ. bonn &amp; partners", user="U1").reply())
    assert f"*Members (1):* <@{EXT}>" in shown
    accord.action(CLICK["abstain"], str(proposal_id), user=EXT, user_team=OTHER_TEAM)
    assert len(accord.fake.calls_to("team.info")) == 1  # the name is known: Slack is not asked per record
    accord.command("/org", "set WHO <@UEXT>", user=FAC)  # an explicit organisation wins over the default
    accord.action(CLICK["agree"], str(proposal_id), user=EXT, user_team=OTHER_TEAM)
    assert {p.user_id: p.organisation for p in _rows(accord, Position)}[EXT] == "WHO"


def test_the_workspace_name_is_asked_again_after_a_day(accord: Harness) -> None:
    accord.fake.teams[OTHER_TEAM] = "Univ Bonn"
    make_groups(accord, {"Policy": [EXT]})
    proposal_id = propose(accord, "Adopt the charter")
    accord.action(CLICK["agree"], str(proposal_id), user=EXT, user_team=OTHER_TEAM)
    accord.clock.advance(timedelta(hours=25))
    accord.action(CLICK["abstain"], str(proposal_id), user=EXT, user_team=OTHER_TEAM)
    assert len(accord.fake.calls_to("team.info")) == 2


def test_a_workspace_slack_will_not_name_gives_no_default(accord: Harness) -> None:
    accord.fake.teams[OTHER_TEAM] = None  # team.info answers team_not_found
    make_groups(accord, {"Policy": [EXT]})
    proposal_id = propose(accord, "Adopt the charter")
    accord.action(CLICK["agree"], str(proposal_id), user=EXT, user_team=OTHER_TEAM)
    assert [p.organisation for p in _rows(accord, Position)] == [None]
    assert _rows(accord, Organisation) == []


def test_group_add_gives_a_member_of_another_workspace_its_organisation(accord: Harness) -> None:
    accord.fake.teams[OTHER_TEAM] = "ACME"
    accord.fake.users[EXT] = {"team_id": OTHER_TEAM}
    make_groups(accord, {"Policy": []})
    accord.command("/group", f"add Policy <@{EXT}> <@U1>", user=FAC)
    assert {m.user_id: m.organisation for m in _rows(accord, GroupMembership)} == {EXT: "ACME", "U1": None}
    assert _org(accord, "ACME").team_id == OTHER_TEAM


def test_the_live_proposal_and_the_digest_show_members_organisations(accord: Harness) -> None:
    make_groups(accord, {"Policy": ["U1"]})
    accord.command("/org", "set Univ Bonn <@U1>", user=FAC)
    proposal_id = propose(accord, "Adopt the charter")
    take(accord, proposal_id, "U1", "disagree", "Needs legal review")
    assert "*disagree* — <@U1> (Univ Bonn · Policy): Needs legal review" in live_text(accord, proposal_id)
    accord.command("/commit", "Draft the annex", user="U1")
    accord.command("/commit", "Review the annex", user="U2")  # no organisation: shown without one
    digest = accord.fake.all_text(accord.command("/digest", "preview", user="U1").reply())
    assert "<@U1> (Univ Bonn): Draft the annex" in digest
    assert "<@U2>: Review the annex" in digest


def test_a_commitment_from_a_shared_channel_message_keeps_the_authors_workspace(accord: Harness) -> None:
    accord.fake.teams[OTHER_TEAM] = "ACME"
    accord.fake.unknown_users.add(EXT)
    accord.event(message_event("Action: draft the glossary", user=EXT, channel="CSHARED"), actor_team=OTHER_TEAM)
    assert [(c.owner_id, c.organisation) for c in _rows(accord, Commitment)] == [(EXT, "ACME")]


def test_accord_help_lists_org(accord: Harness) -> None:
    assert "/org representative <organisation> @user" in accord.command("/accord", "help", user="U1").reply_text()


def test_app_home_shows_the_members_organisation(accord: Harness) -> None:
    def home_text(user: str) -> str:
        before = len(accord.fake.calls_to("views.publish"))
        accord.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
        return accord.fake.all_text(accord.fake.wait_for("views.publish", count=before + 1)[-1])

    assert "*Your organisation:* none yet" in home_text("U1")
    accord.command("/org", "set Univ Bonn <@U1>", user=FAC)
    assert "*Your organisation:* Univ Bonn" in home_text("U1")


def test_a_check_in_answered_in_a_shared_channel_thread_keeps_the_workspace(accord: Harness) -> None:
    accord.fake.teams[OTHER_TEAM] = "ACME"
    accord.fake.unknown_users.add(EXT)
    accord.fake.dm_refusals[EXT] = "channel_not_found"  # the prompt goes to the group's shared channel
    accord.command("/group", "create Policy <#CSHARED>", user=FAC)
    accord.command("/group", f"add Policy <@{EXT}>", user=FAC)
    accord.command("/checkin", "now Policy", user=FAC)
    accord.tick()
    [prompt] = accord.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "CSHARED")
    accord.event(message_event("Consultation closes Friday", user=EXT, channel="CSHARED",
                               thread_ts=prompt.response["ts"]), actor_team=OTHER_TEAM)
    assert [(r.user_id, r.organisation) for r in _rows(accord, CheckinResponse)] == [(EXT, "ACME")]
