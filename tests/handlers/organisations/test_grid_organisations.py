"""End to end: Accord installed org-wide in an Enterprise Grid org — members of the org's own workspaces
are one organisation's (none by default), whatever workspace of the org they act from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.services.organisations import is_external
from storage.models import Commitment, GroupMembership, Organisation, Position
from tests.fakeslack import FakeSlack
from tests.handlers.proposals.proposal_helpers import CLICK, make_groups, proposals
from tests.harness import Harness, install, start_harness

CLIENT_ID, CLIENT_SECRET = "111.222", "shh"
GRID = {"enterprise": "E1", "org_install": True}


@pytest.fixture
def grid(fake_slack: FakeSlack, database_url: str) -> Iterator[Harness]:
    fake_slack.oauth_clients[CLIENT_ID] = CLIENT_SECRET
    harness = start_harness(fake_slack, database_url, slack_bot_token=None, slack_client_id=CLIENT_ID,
                            slack_client_secret=CLIENT_SECRET, facilitators=frozenset())
    try:
        assert install(harness, code="c-org", user_id="UGRID", team_id=None, enterprise_id="E1",
                       org_wide=True).status_code == 200
        harness.fake.teams.update({"TA": "Workspace A", "TB": "Workspace B"})
        yield harness
    finally:
        harness.stop()


def test_members_of_the_orgs_workspaces_are_not_from_another_organisation(grid: Harness) -> None:
    grid.command("/commit", "Draft the charter", user="W1", team="TB", channel="CA", **GRID)
    grid.command("/group", "create Policy", user="UGRID", team="TA", channel="CA", **GRID)
    make_groups(grid, {"Science": ["W1", "W2"]}, consortium_id="E1")
    grid.command("/propose", "Adopt the charter", user="UGRID", team="TA", channel="CA", **GRID)
    grid.fake.wait_for("chat.postMessage")
    [proposal] = proposals(grid, "E1")
    grid.action(CLICK["agree"], str(proposal["id"]), user="W2", team="TA", user_team="TB", channel="CA", **GRID)
    with grid.rt.session() as session:
        assert [c.organisation for c in session.exec(select(Commitment))] == [None]
        assert [(p.user_id, p.organisation) for p in session.exec(select(Position))] == [("W2", None)]
        assert list(session.exec(select(Organisation))) == []
    assert grid.fake.calls_to("team.info") == []  # no workspace of the org is asked for its name


def test_group_add_gives_no_default_to_a_member_of_the_org(grid: Harness) -> None:
    grid.fake.users["W1"] = {"team_id": "TB", "enterprise_user": {"id": "W1", "enterprise_id": "E1"}}
    grid.fake.users["UX"] = {"team_id": "TX"}  # a workspace outside the org, in a Slack Connect channel
    grid.fake.teams["TX"] = "Partner University"
    grid.command("/group", "create Policy", user="UGRID", team="TA", channel="CA", **GRID)
    grid.command("/group", "add Policy <@W1> <@UX>", user="UGRID", team="TA", channel="CA", **GRID)
    with grid.rt.session() as session:
        assert {m.user_id: m.organisation for m in session.exec(select(GroupMembership))} == {
            "W1": None, "UX": "Partner University"}
    assert [c.params["team"] for c in grid.fake.calls_to("team.info")] == ["TX"]


@pytest.mark.parametrize(("consortium", "team", "enterprise", "external"), [
    ("E1", "TB", "E1", False),  # a workspace of the org the consortium is installed in
    ("E1", "TX", None, True),  # a workspace in no Grid org
    ("E1", "TY", "E2", True),  # a workspace of another org
    ("T1", "T1", "E1", False),  # a consortium of one workspace of the org: its own workspace
    ("T1", "T2", "E1", True),  # … and another workspace of the same org is another's
    ("T1", None, None, False),  # Slack did not say
])
def test_who_comes_from_elsewhere(consortium: str, team: str | None, enterprise: str | None, external: bool) -> None:
    assert is_external(consortium_id=consortium, team_id=team, enterprise_id=enterprise) is external
