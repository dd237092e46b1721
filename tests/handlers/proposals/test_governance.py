"""End to end: a proposal's governance — counting, cap, hidden, anonymous — from `/propose` and its form."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.cli import main
from bot.clock import FakeClock
from bot.config import settings_from_env
from handlers.shared import ids
from tests.fakeslack import FakeSlack
from tests.handlers.proposals.proposal_helpers import (
    AUTHOR,
    audit,
    decisions,
    live_text,
    make_groups,
    proposals,
    propose,
    take,
)
from tests.harness import START, Harness, start_harness
from tests.payloads import plain_value


def test_options_at_the_end_of_propose_are_recorded_and_shown(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt the charter counting organisation cap 25% hidden anonymous")
    [row] = proposals(accord)
    assert row["title"] == "Adopt the charter"
    assert (row["counting"], row["cap"], row["hidden"], row["anonymous"]) == ("organisation", 25, True, True)
    assert "Counting: per organisation · cap 25 % per organisation · hidden until it closes · anonymous" in live_text(
        accord, pid)
    [created] = audit(accord, "proposal.create")
    assert created.actor_id == AUTHOR and created.entity_id == str(pid)
    detail = json.loads(created.detail)
    assert (detail["counting"], detail["cap"], detail["hidden"], detail["anonymous"]) == (
        "organisation", 25, True, True)


def test_a_plain_proposal_counts_per_member_with_no_cap(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Raise the budget cap")
    [row] = proposals(accord)
    assert (row["title"], row["counting"], row["cap"], row["hidden"], row["anonymous"]) == (
        "Raise the budget cap", "member", None, False, False)
    assert "Counting:" not in live_text(accord, pid)


@pytest.mark.parametrize(("text", "error"), [
    ("Adopt cap 0%", "is not a cap"),
    ("Adopt cap 101%", "is not a cap"),
    ("Adopt counting sheep", "Counting is `member` or `organisation`"),
    ("Adopt hidden hidden", "given twice"),
    ("hidden anonymous", "Give the proposal a title"),
])
def test_bad_options_are_refused_and_change_nothing(accord: Harness, text: str, error: str) -> None:
    reply = accord.command("/propose", text, user=AUTHOR).reply_text()
    assert error in reply and "counting member|organisation" in reply
    assert proposals(accord) == []
    assert accord.fake.calls_to("chat.postMessage") == []


def test_the_form_offers_counting_cap_and_options(accord: Harness) -> None:
    make_groups(accord)
    accord.command("/propose", "", user=AUTHOR, channel="C7")
    [opened] = accord.fake.wait_for("views.open")
    view = opened.params["view"]
    counting = next(b for b in view["blocks"] if b.get("block_id") == ids.COUNTING_BLOCK)["element"]
    assert counting["initial_option"]["value"] == "member"
    values = {ids.TITLE_BLOCK: {ids.TITLE_ACTION: plain_value("Fund a post-doc")},
              ids.COUNTING_BLOCK: {ids.COUNTING_ACTION: {"type": "static_select",
                                                         "selected_option": {"value": "organisation"}}},
              ids.CAP_BLOCK: {ids.CAP_ACTION: {"type": "number_input", "value": "150"}},
              ids.OPTIONS_BLOCK: {ids.OPTIONS_ACTION: {"type": "checkboxes",
                                                       "selected_options": [{"value": "anonymous"}]}}}
    bad = accord.submit(ids.PROPOSAL_MODAL, values, user=AUTHOR, private_metadata=view["private_metadata"])
    assert bad.response.json()["errors"].keys() == {ids.CAP_BLOCK}
    assert proposals(accord) == []
    values[ids.CAP_BLOCK][ids.CAP_ACTION]["value"] = "30"
    accord.submit(ids.PROPOSAL_MODAL, values, user=AUTHOR, private_metadata=view["private_metadata"])
    [row] = proposals(accord)
    assert (row["counting"], row["cap"], row["hidden"], row["anonymous"]) == ("organisation", 30, False, True)


@pytest.fixture
def by_organisation(fake_slack: FakeSlack, database_url: str) -> Iterator[Harness]:
    harness = start_harness(fake_slack, database_url, clock=FakeClock(START), default_counting="organisation")
    try:
        yield harness
    finally:
        harness.stop()


def test_the_consortium_default_counting_applies_unless_the_proposal_says(by_organisation: Harness) -> None:
    make_groups(by_organisation)
    propose(by_organisation, "Adopt the charter")
    propose(by_organisation, "Adopt the annex counting member")
    assert [row["counting"] for row in proposals(by_organisation)] == ["organisation", "member"]


def test_default_counting_setting_is_read_and_checked() -> None:
    assert settings_from_env({}, dotenv=False).default_counting == "member"
    assert settings_from_env({"ACCORD_DEFAULT_COUNTING": "Organisation"}, dotenv=False).default_counting == (
        "organisation")
    with pytest.raises(Exception, match="ACCORD_DEFAULT_COUNTING"):
        settings_from_env({"ACCORD_DEFAULT_COUNTING": "votes"}, dotenv=False)


def test_members_without_organisation_count_as_their_own_under_organisation_counting(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt counting organisation")
    for user, choice in (("UI1", "agree"), ("UI2", "agree"), ("UA1", "disagree"), ("UP1", "agree")):
        take(accord, pid, user, choice)
    text = live_text(accord, pid)
    assert "*Positions:* 3 agree · 0 abstain · 1 disagree · 0 block" in text
    assert "Advice (not counted)" not in text
    closed = accord.command("/propose", f"close {pid}", user=AUTHOR)
    assert "Consensus" in closed.reply_text()


def test_anonymous_export_names_nobody_unless_asked_with_names(accord: Harness, database_url: str,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt the charter anonymous")
    take(accord, pid, "UI1", "agree")
    take(accord, pid, "UA1", "disagree", "Too vague")
    text = live_text(accord, pid)
    assert "UA1" not in text and "UI1" not in text and "a member" in text and "Too vague" in text
    monkeypatch.setenv("DATABASE_URL", database_url)
    capsys.readouterr()
    assert main(["export", "proposals"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert [p["user_id"] for p in row["positions"]] == [None, None]
    assert [p["choice"] for p in row["positions"]] == ["agree", "disagree"]
    assert main(["export", "proposals", "--with-names"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert [p["user_id"] for p in row["positions"]] == ["UI1", "UA1"]


def test_hidden_shows_only_who_was_heard_until_close_then_everything(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt the charter hidden")
    take(accord, pid, "UI1", "agree")
    take(accord, pid, "UA1", "block", "Not without an ethics review")
    text = live_text(accord, pid)
    assert "2 members have taken a position" in text
    assert "*Heard from:* *Academia*, *Industry*" in text and "*Not yet heard from:* *Policy*" in text
    for leak in ("agree ·", "*block*", "UA1", "UI1", "ethics review", "If it closed now", "Positions"):
        assert leak not in text, leak
    accord.command("/propose", f"close {pid}", user=AUTHOR)
    text = live_text(accord, pid)
    assert "*Positions:* 1 agree · 0 abstain · 0 disagree · 1 block" in text
    assert "<@UA1>" in text and "Not without an ethics review" in text


def test_organisations_set_with_org_count_once_each_through_their_representative(accord: Harness) -> None:
    """Organisations and a representative set with `/org`: a proposal counted per organisation with a cap
    counts one position per organisation, shows the rest as advice, and weighs."""
    for name, members in (("Acme", "<@UI1> <@UI2>"), ("Uni", "<@UA1> <@UA2>"), ("Ministry", "<@UP1>")):
        accord.command("/org", f"set {name} {members}", user="UFAC")
    accord.command("/org", "representative Uni <@UA2>", user="UFAC")
    make_groups(accord)
    pid = propose(accord, "Adopt the charter counting organisation cap 40%")
    for user, choice in (("UI1", "agree"), ("UI2", "disagree"), ("UA1", "disagree"), ("UA2", "agree"),
                         ("UP1", "agree"), ("UP2", "agree")):
        take(accord, pid, user, choice, "Not yet" if choice == "disagree" else "")
    text = live_text(accord, pid)
    assert "*Positions:* 4 agree · 0 abstain · 0 disagree · 0 block" in text
    assert "<@UI1> stands in for *Acme*" in text and "<@UP1> stands in for *Ministry*" in text
    assert "stands in for *Uni*" not in text  # its representative counts
    assert "*disagree* — <@UI2> (Acme): Not yet" in text and "*disagree* — <@UA1> (Uni): Not yet" in text
    assert "Consensus" in accord.command("/propose", f"close {pid}", user=AUTHOR).reply_text()
    [row] = proposals(accord)
    assert {p["user_id"]: (p["organisation"], p["advisory"]) for p in row["positions"]} == {
        "UI1": ("Acme", False), "UI2": ("Acme", True), "UA1": ("Uni", True), "UA2": ("Uni", False),
        "UP1": ("Ministry", False), "UP2": (None, False)}


def test_a_consensus_weighed_under_a_cap_says_so_in_its_decision(accord: Harness,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.services import proposals as service

    big = {1: ("UI1", "UI2", "UA1"), 2: ("UI1", "UI2", "UA1", "UA2")}  # proposal id → Big's members

    def organisation_inputs(session: object, *, consortium_id: str,
                            positions: list[Any]) -> tuple[dict[int, str | None], dict[str, str]]:
        return {p.id: "Big" if p.user_id in big[p.proposal_id] else None for p in positions}, {}

    monkeypatch.setattr(service, "organisation_inputs", organisation_inputs)
    make_groups(accord)
    pid = propose(accord, "Adopt the charter cap 50%")
    for user, choice in (("UI1", "agree"), ("UI2", "agree"), ("UA1", "agree"), ("UP1", "disagree"),
                         ("UP2", "agree")):
        take(accord, pid, user, choice)
    assert "*Weighted (cap 50 %):* 3 agree · 1 disagree — 75.0 % agree" in live_text(accord, pid)
    accord.command("/propose", f"close {pid}", user=AUTHOR).reply_text()
    [decision] = decisions(accord)
    assert "Weighted with a cap of 50 % per organisation: 3.00 agree, 1.00 disagree." in decision["rationale"]

    flipped = propose(accord, "Adopt the annex cap 50%")  # 4 of 6 agree, all from Big: capped, 2 against 2
    for user, choice in (("UI1", "agree"), ("UI2", "agree"), ("UA1", "agree"), ("UA2", "agree"),
                         ("UP1", "disagree"), ("UP2", "disagree")):
        take(accord, flipped, user, choice)
    assert "*Weighted (cap 50 %):* 2 agree · 2 disagree — 50.0 % agree" in live_text(accord, flipped)
    assert "No consensus" in accord.command("/propose", f"close {flipped}", user=AUTHOR).reply_text()
