"""End to end: one consortium across organisations' workspaces, each with Accord installed (OAuth).

T1 (the secretariat) and T2 (a university) each install Accord and join by a one-time code; T3
installs it for a consortium of its own and must see and change nothing of theirs. An Enterprise
Grid org installs it org-wide. Requests are shaped as Slack sends them (bolt-python's tests).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.services.export import export_rows
from handlers.shared import ids
from storage.models import ChannelHome, Workspace
from tests import payloads
from tests.handlers.checkins.checkin_helpers import prompt_id_of, rounds
from tests.handlers.proposals.proposal_helpers import CLICK, decisions, make_groups, proposals
from tests.harness import Harness, install
from tests.payloads import message_event, plain_value

FAC1, FAC2, FAC3 = "UFAC1", "UFAC2", "UFAC3"


def installed(harness: Harness, team: str, installer: str) -> str:
    """Install Accord in ``team`` through OAuth; the bot token Slack gave it."""
    tokens_before = set(harness.fake.tokens)
    assert install(harness, code=f"code-{team}", user_id=installer, team_id=team,
                   team_name=f"Org of {team}").status_code == 200
    [token] = set(harness.fake.tokens) - tokens_before
    return token


def invite_code(harness: Harness, *, user: str = FAC1, team: str = "T1") -> str:
    text = harness.command("/accord", "invite", user=user, team=team, channel="C1").reply_text()
    found = re.search(r"/accord join ([A-Z0-9-]+)", text)
    assert found, text
    return found.group(1)


@pytest.fixture
def joined(oauth: Harness) -> dict[str, str]:
    """T1 and T2 installed and joined by a code; T3 installed on its own. Workspace → bot token."""
    tokens = {"T1": installed(oauth, "T1", FAC1), "T2": installed(oauth, "T2", FAC2),
              "T3": installed(oauth, "T3", FAC3)}
    code = invite_code(oauth)
    assert "Joined" in oauth.command("/accord", f"join {code}", user=FAC2, team="T2", channel="C2").reply_text()
    return tokens


def consortium_of(harness: Harness, workspace: str) -> str | None:
    with harness.rt.session() as session:
        row = session.get(Workspace, workspace)
        return row.consortium_id if row else None


def test_a_code_joins_a_second_installation_once_and_only_by_its_facilitators(oauth: Harness) -> None:
    installed(oauth, "T1", FAC1)
    installed(oauth, "T2", FAC2)
    installed(oauth, "T3", FAC3)
    refused = oauth.command("/accord", "invite", user="UMEMBER", team="T1").reply_text()
    assert "Only facilitators" in refused
    code = invite_code(oauth)
    assert "Only the person who installed" in oauth.command("/accord", f"join {code}", user="USTUDENT",
                                                            team="T2").reply_text()
    assert "not valid" in oauth.command("/accord", "join WRONG-CODE-1234", user=FAC2, team="T2").reply_text()
    assert consortium_of(oauth, "T2") == "T2"
    assert "Joined" in oauth.command("/accord", f"join {code.lower()}", user=FAC2, team="T2").reply_text()
    assert consortium_of(oauth, "T2") == "T1"
    # a code works once
    assert "not valid" in oauth.command("/accord", f"join {code}", user=FAC3, team="T3").reply_text()
    assert consortium_of(oauth, "T3") == "T3"


def test_a_code_expires_after_a_day(oauth: Harness) -> None:
    installed(oauth, "T1", FAC1)
    installed(oauth, "T2", FAC2)
    code = invite_code(oauth)
    oauth.clock.advance(timedelta(hours=24, seconds=1))
    assert "not valid" in oauth.command("/accord", f"join {code}", user=FAC2, team="T2").reply_text()
    assert consortium_of(oauth, "T2") == "T2"


def test_a_workspace_with_a_record_of_its_own_cannot_join(oauth: Harness) -> None:
    installed(oauth, "T1", FAC1)
    installed(oauth, "T2", FAC2)
    oauth.command("/decision", "Meet on Tuesdays", user=FAC2, team="T2", channel="C2")
    assert [d["text"] for d in decisions(oauth, "T2")] == ["Meet on Tuesdays"]
    code = invite_code(oauth)
    refused = oauth.command("/accord", f"join {code}", user=FAC2, team="T2").reply_text()
    assert "record of its own" in refused
    assert consortium_of(oauth, "T2") == "T2"
    assert [d["text"] for d in decisions(oauth, "T2")] == ["Meet on Tuesdays"]


def test_joined_workspaces_keep_one_record_one_count_and_post_with_their_own_token(
        oauth: Harness, joined: dict[str, str]) -> None:
    make_groups(oauth, {"Policy": ["UP1"], "Academia": ["UT2"]}, consortium_id="T1")
    oauth.command("/decision", "Adopt the glossary", user="UP1", team="T1", channel="C1")
    oauth.command("/decision", "Share the dataset", user="UT2", team="T2", channel="C2")
    # a T2 member's message in a channel shared with T1, delivered to T2's installation
    oauth.event(message_event("Decision: meet monthly", user="UT2", channel="CSHARED"), team="T2")
    # ... and one delivered to T1's installation (Slack gives a shared channel's event to either)
    oauth.event(message_event("Decision: minutes are public", user="UT2", channel="CSHARED"), team="T1",
                actor_team="T2")
    rows = decisions(oauth, "T1")
    assert [(d["id"], d["text"], d["team_id"]) for d in rows] == [
        (1, "Adopt the glossary", "T1"), (2, "Share the dataset", "T2"), (3, "meet monthly", "T2"),
        (4, "minutes are public", "T2")]
    assert decisions(oauth, "T2") == []

    # a proposal opened from T2 requires the consortium's groups, and closes from T1
    oauth.command("/propose", "Publish the charter", user="UT2", team="T2", channel="C2")
    [proposal] = proposals(oauth, "T1")
    assert proposal["required_groups"] == ["Academia", "Policy"]
    oauth.action(CLICK["agree"], str(proposal["id"]), user="UP1", team="T1", channel="C2")
    oauth.action(CLICK["agree"], str(proposal["id"]), user="UT2", team="T2", channel="C2")
    closed = oauth.command("/propose", f"close {proposal['id']}", user=FAC1, team="T1", channel="C1")
    assert "no proposal" not in closed.reply_text()
    [proposal] = proposals(oauth, "T1")
    assert (proposal["status"], proposal["outcome"]) == ("closed", "consensus")

    # posts in T2's channel went out with T2's installation's token, in T1's with T1's
    posts = oauth.fake.calls_to("chat.postMessage")
    assert {c.token for c in posts if c.params["channel"] == "C2"} == {joined["T2"]}
    assert {c.token for c in posts if c.params["channel"] == "C1"} == {joined["T1"]}


def test_an_unjoined_workspace_sees_and_changes_nothing_of_the_consortium(
        oauth: Harness, joined: dict[str, str]) -> None:
    make_groups(oauth, {"Policy": ["UP1"]}, consortium_id="T1")
    oauth.command("/decision", "Adopt the glossary", user="UP1", team="T1", channel="C1")
    oauth.command("/propose", "Publish the charter", user="UP1", team="T1", channel="C1")
    [proposal] = proposals(oauth, "T1")
    pid = proposal["id"]

    assert f"no proposal #{pid}" in oauth.command("/propose", f"close {pid}", user=FAC3, team="T3",
                                                  channel="C3").reply_text()
    assert f"no proposal #{pid}" in oauth.action(CLICK["agree"], str(pid), user="UX", team="T3",
                                                 channel="C3").reply_text()
    oauth.command("/decision", "revoke 1", user=FAC3, team="T3", channel="C3")
    [proposal] = proposals(oauth, "T1")
    assert (proposal["status"], proposal["positions"]) == ("open", [])
    assert [d["status"] for d in decisions(oauth, "T1")] == ["active"]
    assert proposals(oauth, "T3") == [] and decisions(oauth, "T3") == []

    # T3 records first in a new channel: it stays T3's, whoever records there next
    oauth.command("/decision", "T3's own", user=FAC3, team="T3", channel="CT3")
    oauth.command("/decision", "Posted from T1", user="UP1", team="T1", channel="CT3")
    with oauth.rt.session() as session:
        home = session.get(ChannelHome, "CT3")
        assert home is not None and home.consortium_id == "T3"
        owners = dict(session.exec(select(ChannelHome.channel_id, ChannelHome.consortium_id)).all())
    assert owners["C1"] == "T1"
    assert [d["text"] for d in decisions(oauth, "T1")] == ["Adopt the glossary"]


def test_an_org_wide_install_keeps_one_record_and_posts_scheduled_prompts_with_the_org_token(
        oauth: Harness) -> None:
    tokens_before = set(oauth.fake.tokens)
    assert install(oauth, code="c-org", user_id="UGRID", team_id=None, enterprise_id="E1",
                   org_wide=True).status_code == 200
    [org_token] = set(oauth.fake.tokens) - tokens_before
    grid = {"enterprise": "E1", "org_install": True}
    assert "Created the group *Policy*" in oauth.command("/group", "create Policy", user="UGRID", team="TA",
                                                         channel="CA", **grid).reply_text()
    oauth.command("/group", "add Policy <@W1>", user="UGRID", team="TB", channel="CB", **grid)
    oauth.command("/decision", "From workspace A", user="W1", team="TA", channel="CA", **grid)
    oauth.command("/commit", "Draft the charter", user="W1", team="TB", channel="CB", **grid)
    oauth.event(message_event("Decision: from workspace B", user="W1", channel="CB2"), team="TB", **grid)
    assert [d["text"] for d in decisions(oauth, "E1")] == ["From workspace A", "from workspace B"]
    with oauth.rt.session() as session:
        assert {w.id for w in session.exec(select(Workspace))} == {"E1"}

    oauth.command("/group", "schedule Policy daily 09:30", user="UGRID", team="TA", channel="CA", **grid)
    oauth.tick(oauth.clock.now().replace(hour=9, minute=30, second=5))
    assert len(rounds(oauth)) == 1
    [prompt] = [c for c in oauth.fake.calls_to("chat.postMessage") if c.params["channel"] == "W1"]
    assert prompt_id_of(prompt)
    assert prompt.token == org_token


def test_commitments_and_forms_from_either_side_land_in_the_one_consortium(
        oauth: Harness, joined: dict[str, str]) -> None:
    make_groups(oauth, {"Policy": ["UP1"], "Academia": ["UT2"]}, consortium_id="T1")
    oauth.command("/commit", "Draft the annex", user="UT2", team="T2", channel="C2")
    oauth.command("/commit", "Review the annex", user="UP1", team="T1", channel="C1")
    # a form opened through T1's installation in a shared channel, submitted by a member of a
    # workspace without Accord (Slack names the installation in view.app_installed_team_id)
    oauth.command("/decision", "", user="UP1", team="T1", channel="CSHARED")
    [opened] = oauth.fake.wait_for("views.open")
    values = {ids.TEXT_BLOCK: {ids.TEXT_ACTION: plain_value("Adopt the data charter")}}
    body, ctype = payloads.view_submission(ids.DECISION_MODAL, values, user="UEXT", team="T9", user_team="T9",
                                           app_installed_team="T1",
                                           private_metadata=opened.params["view"]["private_metadata"])
    assert oauth.post(body, ctype).status_code == 200
    oauth.settle()
    with oauth.rt.session() as session:
        commitments = export_rows(session, kind="commitments", consortium_id="T1")
        assert export_rows(session, kind="commitments", consortium_id="T2") == []
    assert [(c["text"], c["owner_id"], c["team_id"], c["group"]) for c in commitments] == [
        ("Draft the annex", "UT2", "T2", "Academia"), ("Review the annex", "UP1", "T1", "Policy")]
    [decision] = decisions(oauth, "T1")
    assert (decision["text"], decision["recorded_by"], decision["team_id"]) == ("Adopt the data charter", "UEXT", "T9")
