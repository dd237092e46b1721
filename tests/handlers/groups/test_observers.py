"""End to end: observers — `/group observer add|remove`, no positions, never quorum, still asked to check in."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from tests.handlers.checkins.checkin_helpers import prompt_calls
from tests.handlers.proposals.proposal_helpers import (
    AUTHOR,
    audit,
    click,
    live_text,
    positions_of,
    proposals,
    propose,
)
from tests.harness import Harness

FAC = "UFAC"


def _setup(accord: Harness) -> None:
    for command in ("create Industry", "create Policy", "add Industry <@UI1> <@UBOTH>", "add Policy <@UP1>",
                    "observer add Policy <@UOBS> <@UBOTH>"):
        accord.command("/group", command, user=FAC).reply_text()


def test_facilitator_adds_and_removes_observers_and_show_lists_them(accord: Harness) -> None:
    accord.command("/group", "create Policy", user=FAC)
    refused = accord.command("/group", "observer add Policy <@UOBS>", user="U1").reply_text()
    assert "Only facilitators can add observers to groups" in refused
    added = accord.command("/group", "observer add Policy <@UOBS|obs>", user=FAC).reply_text()
    assert "Added <@UOBS> to *Policy* as observers" in added
    again = accord.command("/group", "observer add Policy <@UOBS>", user=FAC).reply_text()
    assert "Already observers of *Policy*: <@UOBS>" in again
    shown = accord.command("/group", "show Policy", user=FAC).reply_text()
    assert "*Observers* (receive everything, take no position): <@UOBS>" in shown
    wrong = accord.command("/group", "observer watch Policy <@UOBS>", user=FAC).reply_text()
    assert "/group observer add <name> @user…" in wrong
    removed = accord.command("/group", "observer remove Policy <@UOBS> <@UX>", user=FAC).reply_text()
    assert "Removed <@UOBS> from *Policy* as observers" in removed and "Not observers of *Policy*: <@UX>" in removed
    assert "Observers" not in accord.command("/group", "show Policy", user=FAC).reply_text()


def test_an_observer_clicking_a_position_is_told_and_nothing_is_recorded(accord: Harness) -> None:
    _setup(accord)
    pid = propose(accord, "Adopt the charter")
    for choice in ("agree", "block"):
        sent = click(accord, choice, pid, user="UOBS")
        assert "observers receive messages and check-ins but don't take positions" in sent.reply_text()
    assert positions_of(accord, pid) == {}
    assert accord.fake.calls_to("views.open") == []  # no reason form for an observer's block


def test_observing_never_counts_for_quorum(accord: Harness) -> None:
    _setup(accord)
    pid = propose(accord, "Adopt the charter")
    click(accord, "agree", pid, user="UBOTH")  # a member of Industry who observes Policy: heard for Industry only
    assert positions_of(accord, pid) == {"UBOTH": "agree"}
    assert "*Not yet heard from:* *Policy*" in live_text(accord, pid)
    assert "No quorum" in accord.command("/propose", f"close {pid}", user=AUTHOR).reply_text()
    [row] = proposals(accord)
    assert row["positions"][0]["group"] == "Industry"


def test_observers_are_asked_to_check_in_with_their_group(accord: Harness) -> None:
    _setup(accord)
    accord.command("/checkin", "now Policy", user=FAC)
    accord.tick()
    assert {c.params["channel"] for c in prompt_calls(accord.fake)} == {"UP1", "UOBS", "UBOTH"}


def test_export_groups_lists_members_with_primary_and_observer(accord: Harness, database_url: str,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    _setup(accord)
    monkeypatch.setenv("DATABASE_URL", database_url)
    capsys.readouterr()
    assert main(["export", "groups"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [list(r) for r in rows][0] == ["id", "consortium_id", "team_id", "name", "sector", "channel_id",
                                           "timezone", "members"]
    assert {r["name"]: r["members"] for r in rows} == {
        "Industry": [{"user_id": "UI1", "organisation": None, "primary": True, "observer": False},
                     {"user_id": "UBOTH", "organisation": None, "primary": True, "observer": False}],
        "Policy": [{"user_id": "UP1", "organisation": None, "primary": True, "observer": False},
                   {"user_id": "UOBS", "organisation": None, "primary": True, "observer": True},
                   {"user_id": "UBOTH", "organisation": None, "primary": False, "observer": True}]}


def test_adding_and_removing_observers_is_audited(accord: Harness) -> None:
    accord.command("/group", "create Policy", user=FAC).reply_text()
    accord.command("/group", "observer add Policy <@UOBS> <@UOBS2>", user=FAC).reply_text()
    accord.command("/group", "observer add Policy <@UOBS>", user=FAC).reply_text()  # already: no line
    [added] = audit(accord, "group.observer_add")
    assert added.actor_id == FAC and added.entity == "group"
    assert json.loads(added.detail) == {"user_ids": ["UOBS", "UOBS2"]}
    accord.command("/group", "observer remove Policy <@UOBS2>", user=FAC).reply_text()
    [removed] = audit(accord, "group.observer_remove")
    assert json.loads(removed.detail) == {"user_ids": ["UOBS2"]}
    assert audit(accord, "group.add") == [] and audit(accord, "group.remove") == []
