"""Proposals under load and over time: concurrent clicks, Slack's limits, closing and reminding once."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot import outbox
from bot.clock import FakeClock
from bot.services import proposals as service
from handlers.proposals import messages as propose_command
from storage.models import Proposal
from tests.fakeslack import FakeSlack
from tests.handlers.proposals.proposal_helpers import (
    AUTHOR,
    GROUPS,
    audit,
    buttons,
    click,
    decisions,
    flush,
    live_message,
    live_text,
    make_groups,
    positions_of,
    proposals,
    propose,
    take,
)
from tests.harness import START, Harness, start_harness

CLOSES = START + timedelta(days=7)


def test_concurrent_clicks_are_all_counted_and_shown(accord: Harness) -> None:
    members = [f"UC{i:02d}" for i in range(20)]
    make_groups(accord, {"North": members[:10], "South": members[10:]})
    pid = propose(accord, "Adopt the shared roadmap")
    choices = {user: ("agree" if i % 4 else "abstain") for i, user in enumerate(members)}
    barrier = threading.Barrier(len(members))

    def go(user: str) -> None:
        barrier.wait()
        click(accord, choices[user], pid, user=user, settle=False)

    threads = [threading.Thread(target=go, args=(user,)) for user in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    accord.settle(60)
    assert positions_of(accord, pid) == choices
    text = live_text(accord, pid)
    assert "*Positions:* 15 agree · 5 abstain · 0 disagree · 0 block" in text
    assert "*North*: 7 agree · 3 abstain" in text and "*South*: 8 agree · 2 abstain" in text
    updates = accord.fake.calls_to("chat.update")
    assert "*Positions:* 15 agree · 5 abstain" in FakeSlack.all_text(updates[-1])
    assert len(updates) <= 5  # coalesced: not one update per click
    with accord.rt.session() as session:
        assert service.current_version(session, consortium_id="T1", proposal_id=pid) == 20
    assert len(audit(accord, "position.take")) == 20


def test_twenty_quick_clicks_update_the_message_a_few_times_and_end_on_the_last_tally(accord: Harness) -> None:
    members = [f"UQ{i:02d}" for i in range(20)]
    make_groups(accord, {"North": members[:10], "South": members[10:]})
    pid = propose(accord, "Adopt the shared calendar")
    for i, user in enumerate(members):  # one click every 100 ms, each answered before the next
        accord.clock.advance(timedelta(milliseconds=100))
        sent = click(accord, "agree" if i % 4 else "abstain", pid, user=user)
        assert "You agree with" in sent.reply_text() or "You abstain on" in sent.reply_text()
    held_back = accord.fake.calls_to("chat.update")
    assert 1 <= len(held_back) <= 3  # at most one a second: the last changes are not shown yet…
    assert "*Positions:* 15 agree · 5 abstain" not in FakeSlack.all_text(held_back[-1])
    flush(accord)  # …until the outbox sends the update it held back
    updates = accord.fake.calls_to("chat.update")
    assert len(updates) <= 4
    assert "*Positions:* 15 agree · 5 abstain · 0 disagree · 0 block" in FakeSlack.all_text(updates[-1])
    assert "*North*: 7 agree · 3 abstain" in live_text(accord, pid)
    flush(accord)
    assert len(accord.fake.calls_to("chat.update")) == len(updates)  # nothing more to send


def test_a_click_whose_update_is_held_back_claims_no_outbox_row(accord: Harness) -> None:
    """The update a click re-arms within a second of the last one waits for the outbox loop; the click
    does not try to send it (a claim is a write transaction, on SQLite the one write lock)."""
    make_groups(accord)
    pid = propose(accord, "Adopt the shared glossary")
    click(accord, "agree", pid, user="UI1")  # sent at once: the first change since the post
    updates = len(accord.fake.calls_to("chat.update"))
    claims: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "UPDATE outbox SET lease_token" in statement:
            claims.append(statement)

    event.listen(accord.rt.engine, "before_cursor_execute", seen)
    try:
        accord.clock.advance(timedelta(milliseconds=200))
        sent = click(accord, "abstain", pid, user="UA1")
    finally:
        event.remove(accord.rt.engine, "before_cursor_execute", seen)
    assert "You abstain on" in sent.reply_text()
    assert claims == []
    assert len(accord.fake.calls_to("chat.update")) == updates  # held back…
    flush(accord)  # …and sent when due, with both positions
    assert len(accord.fake.calls_to("chat.update")) == updates + 1
    assert "*Positions:* 1 agree · 1 abstain" in FakeSlack.all_text(accord.fake.calls_to("chat.update")[-1])


def test_an_update_under_way_when_the_proposal_closes_is_followed_by_the_closed_state(
        accord: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt the glossary")
    live = outbox.KINDS[propose_command.LIVE]
    closing: list[str] = []

    def render_then_close(rt: Any, ref: dict[str, Any], parent: Any) -> Any:
        call = live.render(rt, ref, parent)  # rendered open…
        if not closing:  # …and, before it reaches Slack, the author closes the proposal
            closing.append("closed")
            closed = accord.command("/propose", f"close {pid}", user=AUTHOR, settle=False)
            assert "is closed" in closed.reply_text()
            assert buttons(accord.fake.calls_to("chat.update")[-1].params) == []  # the final update
        return call

    monkeypatch.setitem(outbox.KINDS, propose_command.LIVE, replace(live, render=render_then_close))
    click(accord, "agree", pid, user="UI1")
    stale = accord.fake.calls_to("chat.update")[-1]
    assert buttons(stale.params) and "*Industry*: 1 agree" in FakeSlack.all_text(stale)  # landed last
    final = live_message(accord, pid)
    assert buttons(final) == [] and "*Outcome:* " in FakeSlack.all_text(final)


def test_message_fits_slack_limits_with_many_members_groups_and_long_reasons(accord: Harness) -> None:
    names = [f"Group {i:02d} of a very long stakeholder group name that goes on" for i in range(40)]
    members = {name: [f"U{i:02d}M{j:02d}" for j in range(20 if i < 10 else 3)]
               for i, name in enumerate(names)}
    assert sum(len(m) for m in members.values()) == 290
    make_groups(accord, members)
    pid = propose(accord, "A long charter " * 300)
    reason = ("Tell <!channel> this is unacceptable & risky; " * 60)[:2000]
    with accord.rt.session() as session:
        for i, user in enumerate(u for name in names[:10] for u in members[name]):
            choice = "agree" if i % 2 else ("block" if i % 3 == 0 else "disagree")
            service.take_position(session, consortium_id="T1", proposal_id=pid, user_id=user, choice=choice,
                                  reason=reason if choice != "agree" else None, now=START)
    click(accord, "abstain", pid, user=members[names[10]][0])
    update = accord.fake.calls_to("chat.update")[-1]
    blocks = update.params["blocks"]
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    text = FakeSlack.all_text(update)
    assert "and 4 more" in text  # silent groups are cut…
    assert "…and" in text and "more — see `accord export proposals`" in text  # …and so are the reasons
    assert "<!channel>" not in json.dumps(blocks)
    accord.command("/propose", f"close {pid}", user=AUTHOR)
    final = live_message(accord, pid)
    assert buttons(final) == [] and "Blocked" in FakeSlack.all_text(final)
    assert all(c.ok for c in accord.fake.calls if c.method.startswith("chat."))


def test_auto_close_happens_once_across_runtimes_and_restarts(accord: Harness, fake_slack: FakeSlack,
                                                              database_url: str) -> None:
    make_groups(accord)
    pid = propose(accord, "Open a shared repository")
    for user, choice in (("UI1", "agree"), ("UA1", "agree"), ("UP1", "agree"), ("UP2", "disagree")):
        take(accord, pid, user, choice, "Licence unclear" if choice == "disagree" else "")
    accord.tick(CLOSES - timedelta(minutes=1))
    assert proposals(accord)[0]["status"] == "open"
    posts = len(fake_slack.calls_to("chat.postMessage"))
    restarted = start_harness(fake_slack, database_url, clock=FakeClock(CLOSES + timedelta(minutes=3)))
    try:
        restarted.tick(CLOSES + timedelta(minutes=3))  # a process (re)started after the closing time
        accord.tick(CLOSES + timedelta(minutes=4))
        restarted.tick(CLOSES + timedelta(minutes=5))
    finally:
        restarted.stop()
    [row] = proposals(accord)
    assert (row["status"], row["outcome"]) == ("closed", "consensus")
    new_posts = fake_slack.calls_to("chat.postMessage")[posts:]
    assert len(new_posts) == 2  # one thread reply, one channel message
    assert "Consensus" in FakeSlack.all_text(new_posts[1])
    [decision] = decisions(accord)
    assert decision["proposal_id"] == pid
    assert len(audit(accord, "proposal.close")) == 1
    assert buttons(live_message(accord, pid)) == []
    assert "Closed automatically" in live_text(accord, pid)


def test_a_closing_not_yet_announced_is_announced_once_on_the_next_tick(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt the code of conduct")
    with accord.rt.session() as session:  # closed by a process that stopped before announcing it
        service.close_proposal(session, settings=accord.rt.settings, consortium_id="T1", proposal_id=pid,
                               actor_id=AUTHOR, now=START)
    posts = len(accord.fake.calls_to("chat.postMessage"))
    accord.tick(START + timedelta(minutes=1))
    accord.tick(START + timedelta(minutes=2))
    new_posts = accord.fake.calls_to("chat.postMessage")[posts:]
    assert len(new_posts) == 2 and all("No quorum" in FakeSlack.all_text(p) for p in new_posts)


def test_one_reminder_to_undecided_members_of_silent_groups_only(accord: Harness) -> None:
    make_groups(accord, {**GROUPS, "Civil society": ["UC1", "UI2"]})
    pid = propose(accord, "Publish quarterly")
    take(accord, pid, "UI1", "agree")
    take(accord, pid, "UA2", "abstain")
    posts = len(accord.fake.calls_to("chat.postMessage"))
    accord.tick(CLOSES - timedelta(hours=24, minutes=1))
    assert len(accord.fake.calls_to("chat.postMessage")) == posts  # not due yet
    accord.tick(CLOSES - timedelta(hours=23, minutes=59))
    accord.tick(CLOSES - timedelta(hours=23))
    dms = accord.fake.calls_to("chat.postMessage")[posts:]
    # Policy and Civil society are silent: their members are reminded (UI2 through Civil society),
    # never Industry's UI1 nor Academia's members, whose groups have been heard.
    assert sorted(d.params["channel"] for d in dms) == ["UC1", "UI2", "UP1", "UP2"]
    by_user = {d.params["channel"]: FakeSlack.all_text(d) for d in dms}
    assert "*Policy*" in by_user["UP1"] and "*Civil society*" in by_user["UC1"]
    assert all(f"Proposal #{pid}" in text for text in by_user.values())
    assert buttons(dms[0].params)  # members can answer from the reminder itself
    assert len(audit(accord, "proposal.remind")) == 1
    click(accord, "agree", pid, user="UP1", channel="DP1")
    assert positions_of(accord, pid)["UP1"] == "agree"
    assert "*Not yet heard from:* *Civil society*" in live_text(accord, pid)


def test_short_proposal_is_reminded_at_half_time_not_at_once(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Quick poll")
    with accord.rt.session() as session:
        proposal = session.get(Proposal, pid)
        assert proposal is not None
        proposal.closes_at = START + timedelta(hours=12)
        session.add(proposal)
    posts = len(accord.fake.calls_to("chat.postMessage"))
    accord.tick(START + timedelta(hours=5))
    assert len(accord.fake.calls_to("chat.postMessage")) == posts
    accord.tick(START + timedelta(hours=6))
    assert len(accord.fake.calls_to("chat.postMessage")) == posts + 6


def test_the_reminder_skips_observers_and_members_who_declared_a_conflict(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Publish quarterly")
    take(accord, pid, "UI1", "agree")
    take(accord, pid, "UA1", "agree")
    assert "is recorded" in accord.command("/propose", f"conflict {pid} I edit the journal", user="UP1").reply_text()
    accord.command("/group", "observer add Policy <@UOBS>", user="UFAC").reply_text()
    posts = len(accord.fake.calls_to("chat.postMessage"))
    accord.tick(CLOSES - timedelta(hours=23, minutes=59))
    accord.tick(CLOSES - timedelta(hours=23))
    dms = accord.fake.calls_to("chat.postMessage")[posts:]
    assert [d.params["channel"] for d in dms] == ["UP2"]  # Policy is silent: neither UP1 nor its observer
