"""End to end: the App Home shows a member what governance concerns them — the proxy they gave, the members
they stand in for, the groups they only observe, their declared conflicts and the decisions they recorded
that are due for review."""

from __future__ import annotations

from datetime import timedelta

from tests.fakeslack import FakeSlack
from tests.handlers.proposals.proposal_helpers import make_groups, proposals, propose
from tests.harness import FACILITATOR, Harness


def _home(accord: Harness, user: str) -> str:
    before = len(accord.fake.calls_to("views.publish"))
    accord.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    publish = accord.fake.wait_for("views.publish", count=before + 1)[-1]
    assert publish.params["user_id"] == user and len(publish.params["view"]["blocks"]) <= 100
    return FakeSlack.all_text(publish)


def test_home_shows_the_proxy_given_and_the_members_stood_in_for(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt the charter")
    assert "*Your proxy:* none" in _home(accord, "UI1")
    accord.command("/proxy", "<@UA1> until 2026-12-31", user="UI1").reply_text()
    accord.command("/proxy", f"<@UA1> for #{pid}", user="UP1").reply_text()
    mine = _home(accord, "UI1")
    assert "*Your proxy:* <@UA1> may take your positions for every proposal until Thu 31 Dec 2026" in mine
    assert "You stand in for" not in mine
    theirs = _home(accord, "UA1")
    assert "*Your proxy:* none" in theirs
    assert (f"*You stand in for:* <@UI1> for every proposal until Thu 31 Dec 2026; <@UP1> for proposal #{pid} "
            "until you turn it off") in theirs
    accord.command("/proxy", "off", user="UI1").reply_text()
    assert "*Your proxy:* none" in _home(accord, "UI1")
    assert "<@UI1>" not in _home(accord, "UA1")


def test_home_marks_the_groups_the_member_only_observes(accord: Harness) -> None:
    for command in ("create Industry", "create Policy", "add Industry <@UBOTH>", "observer add Policy <@UBOTH>"):
        accord.command("/group", command, user=FACILITATOR).reply_text()
    text = _home(accord, "UBOTH")
    industry, policy = (line for line in text.splitlines() if line.startswith("• *"))
    assert industry.startswith("• *Industry*") and "you observe" not in industry
    assert policy.startswith("• *Policy*") and "you observe: you receive its messages and take no position" in policy


def test_home_lists_the_open_proposals_on_which_the_member_declared_a_conflict(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Award the contract to Acme")
    other = propose(accord, "Adopt the charter")
    accord.command("/propose", f"conflict {pid} I advise Acme's board", user="UI1").reply_text()
    text = _home(accord, "UI1")
    assert "*Your declared conflicts* (your position is not counted)" in text
    assert f"*#{pid}* Award the contract to Acme — I advise Acme's board" in text
    assert f"*#{other}* Adopt the charter" in text  # still awaiting their position
    assert "declared conflicts" not in _home(accord, "UA1")
    accord.command("/propose", f"close {pid}", user="UAUTH").reply_text()
    assert [p["status"] for p in proposals(accord)][0] == "closed"
    assert "declared conflicts" not in _home(accord, "UI1")  # only open proposals concern them now


def test_home_lists_the_decisions_the_member_recorded_that_are_due_for_review(accord: Harness) -> None:
    for text, user in (("Meet monthly", "U1"), ("Publish the minutes", "U1"), ("Someone else's decision", "U2")):
        accord.command("/decision", text, user=user)
        accord.settle()
    for decision_id, user in ((1, "U1"), (2, "U1"), (3, "U2")):
        assert "is due for review" in accord.command("/decision", f"review {decision_id} tomorrow",
                                                     user=user).reply_text()
    assert "due for review" not in _home(accord, "U1")  # not due yet
    accord.clock.advance(timedelta(days=1))
    text = _home(accord, "U1")
    assert "*Decisions you recorded due for review* (2)" in text
    assert "*#1* Meet monthly — review was due Thu 26 Nov 2026" in text and "*#2* Publish the minutes" in text
    assert "Someone else's decision" not in text
    accord.command("/decision", "supersede 1 Meet every two months", user="U1")
    accord.settle()
    text = _home(accord, "U1")
    assert "*Decisions you recorded due for review* (1)" in text and "Meet monthly" not in text
