"""End to end: proposals through signed requests, the real server and the fake Slack."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot import outbox
from bot.cli import main
from handlers.proposals import messages as propose_command
from handlers.shared import ids
from tests.fakeslack import FakeSlack
from tests.handlers.proposals.proposal_helpers import (
    AUTHOR,
    audit,
    buttons,
    click,
    decisions,
    live_message,
    live_text,
    make_groups,
    positions_of,
    proposals,
    propose,
    take,
)
from tests.harness import START, Harness
from tests.payloads import plain_value


def test_live_message_shows_groups_counts_and_silent_groups_after_each_click(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt the data-sharing charter")
    message = live_message(accord, pid)
    assert buttons(message) == [ids.POSITION_AGREE, ids.POSITION_ABSTAIN, ids.POSITION_DISAGREE,
                                ids.POSITION_BLOCK, ids.DECLARE_CONFLICT]
    [row] = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [el["value"] for el in row["elements"]] == [str(pid)] * 5
    text = live_text(accord, pid)
    assert "Adopt the data-sharing charter" in text and f"Proposal #{pid}" in text
    assert "*Not yet heard from:* *Academia*, *Industry*, *Policy*" in text
    assert "*If it closed now:*" in text and "No quorum" in text
    assert f"<!date^{int((START + timedelta(days=7)).timestamp())}^" in text  # closing time, Slack-formatted

    take(accord, pid, "UI1", "agree")
    text = live_text(accord, pid)
    assert "*Industry*: 1 agree · 0 abstain · 0 disagree · 0 block" in text
    assert "*Not yet heard from:* *Academia*, *Policy*" in text

    take(accord, pid, "UA1", "disagree", "Needs a data-protection annex")
    text = live_text(accord, pid)
    assert "*Academia*: 0 agree · 0 abstain · 1 disagree · 0 block" in text
    assert "*Not yet heard from:* *Policy*" in text
    assert "<@UA1> (Academia): Needs a data-protection annex" in text

    take(accord, pid, "UP1", "agree")
    text = live_text(accord, pid)
    assert "Not yet heard from" not in text
    assert "*Positions:* 2 agree · 0 abstain · 1 disagree · 0 block" in text
    assert "Consensus" in text  # 2 of 3 is exactly two thirds
    [row] = proposals(accord)
    assert row["required_groups"] == ["Academia", "Industry", "Policy"]
    assert {p["user_id"]: (p["group"], p["choice"], p["reason"]) for p in row["positions"]} == {
        "UI1": ("Industry", "agree", None), "UA1": ("Academia", "disagree", "Needs a data-protection annex"),
        "UP1": ("Policy", "agree", None)}


SCENARIOS = [
    ("consensus", [("UI1", "agree"), ("UI2", "agree"), ("UA1", "agree"), ("UP1", "disagree")]),
    ("blocked", [("UI1", "agree"), ("UI2", "agree"), ("UA1", "agree"), ("UP1", "block")]),
    ("no_quorum", [("UI1", "agree"), ("UI2", "agree"), ("UA1", "agree")]),
    ("no_consensus", [("UI1", "agree"), ("UA1", "disagree"), ("UP1", "disagree")]),
]


@pytest.mark.parametrize(("outcome", "stances"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_done_when_scenarios(accord: Harness, database_url: str, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str], outcome: str,
                             stances: list[tuple[str, str]]) -> None:
    make_groups(accord)
    pid = propose(accord, "Publish the joint ethics framework")
    for user, choice in stances:
        reason = "Not without a review clause" if choice in ("disagree", "block") else ""
        take(accord, pid, user, choice, reason)
    posts_before = len(accord.fake.calls_to("chat.postMessage"))
    closed = accord.command("/propose", f"close {pid}", user=AUTHOR)
    label = {"consensus": "Consensus", "blocked": "Blocked", "no_quorum": "No quorum",
             "no_consensus": "No consensus"}[outcome]
    assert label in closed.reply_text()
    [row] = proposals(accord)
    assert (row["status"], row["outcome"]) == ("closed", outcome)
    # thread reply + channel message, and the final message without buttons
    posts = accord.fake.wait_for("chat.postMessage", count=posts_before + 2)[posts_before:]
    ts = live_message(accord, pid)["ts"]
    assert [p.params.get("thread_ts") for p in posts] == [ts, None]
    assert all(label in FakeSlack.all_text(p) for p in posts)
    final = live_message(accord, pid)
    assert buttons(final) == [] and "*Outcome:* " in FakeSlack.all_text(final)

    monkeypatch.setenv("DATABASE_URL", database_url)
    capsys.readouterr()
    assert main(["export", "decisions", "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    if outcome == "consensus":
        [decision] = exported
        assert (decision["proposal_id"], decision["text"]) == (pid, "Publish the joint ethics framework")
        assert decision["permalink"] and decision["channel_id"] == "C1"
        assert f"decision #{decision['id']}" in FakeSlack.all_text(posts[1])
    else:
        assert exported == []


def test_same_click_twice_changes_nothing_twice(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Meet monthly")
    click(accord, "agree", pid, user="UI1")
    updates = len(accord.fake.calls_to("chat.update"))
    again = click(accord, "agree", pid, user="UI1")
    assert "already agree" in again.reply_text()
    assert len(audit(accord, "position.take")) == 1
    assert len(accord.fake.calls_to("chat.update")) == updates
    take(accord, pid, "UI2", "disagree", "Quarterly is enough")
    take(accord, pid, "UI2", "disagree", "Quarterly is enough")
    assert len(audit(accord, "position.take")) == 2


def test_changing_position_withdraws_a_block_and_reasons_follow(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Share raw data with <!channel> partners")
    take(accord, pid, "UI1", "block", "No consent for <!here> reuse")
    text = live_text(accord, pid)
    assert "Blocked" in text and "No consent for" in text
    raw = json.dumps(live_message(accord, pid))
    assert "<!channel>" not in raw and "<!here>" not in raw
    take(accord, pid, "UI1", "agree")
    text = live_text(accord, pid)
    assert "No consent" not in text and "*Industry*: 1 agree" in text
    assert positions_of(accord, pid) == {"UI1": "agree"}
    assert [json.loads(a.detail)["choice"] for a in audit(accord, "position.take")] == ["block", "agree"]


def test_block_needs_a_reason(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Drop the annex")
    sent = take(accord, pid, "UI1", "block", "   ")
    body = sent.response.json()
    assert body["response_action"] == "errors" and ids.REASON_BLOCK in body["errors"]
    assert positions_of(accord, pid) == {}
    accord.fake.fail_next("views.open", error="expired_trigger_id")
    sent = click(accord, "disagree", pid, user="UI2")
    assert "couldn't open the form" in sent.reply_text() and "expired_trigger_id" in sent.reply_text()
    assert positions_of(accord, pid) == {}


def test_closed_proposal_refuses_positions(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt the glossary")
    click(accord, "agree", pid, user="UI1")
    accord.command("/propose", f"withdraw {pid}", user="UFAC")
    [row] = proposals(accord)
    assert row["outcome"] == "withdrawn" and decisions(accord) == []
    refused = click(accord, "agree", pid, user="UA1")
    assert "withdrawn" in refused.reply_text() and "can no longer change" in refused.reply_text()
    refused = click(accord, "block", pid, user="UA1")
    assert "withdrawn" in refused.reply_text()
    assert accord.fake.calls_to("views.open") == []
    assert positions_of(accord, pid) == {"UI1": "agree"}
    again = accord.command("/propose", f"close {pid}", user=AUTHOR)
    assert "withdrawn" in again.reply_text()


def test_only_author_or_facilitator_closes(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Rotate the chair")
    refused = accord.command("/propose", f"close {pid}", user="UI1")
    assert "Only the author" in refused.reply_text()
    assert proposals(accord)[0]["status"] == "open"
    bad = accord.command("/propose", "close soon", user=AUTHOR)
    assert "Usage" in bad.reply_text() and "/propose close <id>" in bad.reply_text()
    missing = accord.command("/propose", "close 999", user=AUTHOR)
    assert "no proposal #999" in missing.reply_text()
    accord.command("/propose", f"close #{pid}", user="UFAC")
    assert proposals(accord)[0]["outcome"] == "no_quorum"


def test_modal_opens_with_groups_and_creates_with_date_and_required_groups(accord: Harness) -> None:
    group_ids = make_groups(accord)
    accord.command("/propose", "", user=AUTHOR, channel="C7")
    [opened] = accord.fake.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == ids.PROPOSAL_MODAL
    options = next(b for b in view["blocks"] if b.get("block_id") == ids.GROUPS_BLOCK)["element"]["options"]
    assert [o["text"]["text"] for o in options] == ["Academia", "Industry", "Policy"]
    values = {ids.TITLE_BLOCK: {ids.TITLE_ACTION: plain_value("Fund a <shared> post-doc")},
              ids.DETAILS_BLOCK: {ids.DETAILS_ACTION: plain_value("Two years, & hosted by academia")},
              ids.CLOSES_BLOCK: {ids.CLOSES_ACTION: {"type": "datepicker", "selected_date": "2026-11-20"}},
              ids.GROUPS_BLOCK: {ids.GROUPS_ACTION: {"type": "multi_static_select", "selected_options": [
                  {"value": str(group_ids["Industry"])}, {"value": str(group_ids["Policy"])}]}}}
    past = accord.submit(ids.PROPOSAL_MODAL, values, user=AUTHOR, private_metadata=view["private_metadata"])
    assert past.response.json()["errors"].keys() == {ids.CLOSES_BLOCK}
    assert proposals(accord) == []
    values[ids.CLOSES_BLOCK][ids.CLOSES_ACTION]["selected_date"] = "2026-12-03"
    for _ in range(2):  # the same submission delivered twice opens one proposal
        accord.submit(ids.PROPOSAL_MODAL, values, user=AUTHOR, private_metadata=view["private_metadata"],
                      view_id="VP1")
    [row] = proposals(accord)
    assert (row["title"], row["details"], row["channel_id"]) == (
        "Fund a <shared> post-doc", "Two years, & hosted by academia", "C7")
    assert row["closes_at"] == "2026-12-03T23:59:00+00:00"
    assert row["required_groups"] == ["Industry", "Policy"]
    text = live_text(accord, row["id"], channel="C7")
    assert "*Not yet heard from:* *Industry*, *Policy*" in text and "Academia" not in text


def test_help_and_unpostable_proposal(accord: Harness) -> None:
    assert "/propose close <id>" in accord.command("/propose", "help").reply_text()
    accord.fake.fail_next("chat.postMessage", error="not_in_channel")
    sent = accord.command("/propose", "Nobody will see this", user=AUTHOR)
    assert "invite me" in sent.reply_text() and "withdrew" in sent.reply_text()
    [row] = proposals(accord)
    assert (row["status"], row["outcome"]) == ("closed", "withdrawn")
    accord.tick(START + timedelta(days=30))
    assert accord.fake.calls_to("chat.postMessage") == []


def _proposal_posts(accord: Harness, *, include_failed: bool = False) -> list[Any]:
    return [c for c in accord.fake.calls_to("chat.postMessage", include_failed=include_failed)
            if c.params.get("channel") == "C1"]


def test_a_first_post_slack_refuses_is_retried_posted_once_and_the_proposal_stays_open(accord: Harness) -> None:
    make_groups(accord)
    accord.fake.fail_next("chat.postMessage", error="internal_error", count=3)
    sent = accord.command("/propose", "Adopt the travel policy", user=AUTHOR)
    told = sent.reply_text()
    assert "is recorded" in told and "keep trying" in told and "`internal_error`" in told
    [row] = proposals(accord)
    for _ in range(8):  # each retry after its backoff (30 s, 1 min, 2 min…)
        if _proposal_posts(accord):
            break
        accord.clock.advance(timedelta(minutes=5))
        accord.tick()
    [posted] = _proposal_posts(accord)
    assert len(_proposal_posts(accord, include_failed=True)) == 4  # refused three times, then taken
    assert f"Proposal #{row['id']}" in FakeSlack.all_text(posted) and buttons(posted.params)
    [row] = proposals(accord)
    assert (row["status"], row["outcome"]) == ("open", None)
    assert live_message(accord, row["id"])["ts"] == posted.response["ts"]
    assert audit(accord, "proposal.withdraw") == []
    take(accord, row["id"], "UI1", "agree")
    assert "*Industry*: 1 agree" in live_text(accord, row["id"])
    accord.clock.advance(timedelta(hours=2))
    accord.tick()
    assert len(_proposal_posts(accord)) == 1


def test_a_first_post_refused_for_good_later_withdraws_it_and_tells_the_author_by_dm(accord: Harness) -> None:
    make_groups(accord)
    accord.fake.fail_next("chat.postMessage", error="internal_error")
    sent = accord.command("/propose", "Meet in person", user=AUTHOR)
    assert "keep trying" in sent.reply_text()
    accord.fake.fail_next("chat.postMessage", error="channel_not_found")
    accord.clock.advance(timedelta(minutes=1))
    accord.tick()  # the retry is refused for good, in the background
    [row] = proposals(accord)
    assert (row["status"], row["outcome"]) == ("closed", "withdrawn")
    assert len(audit(accord, "proposal.withdraw")) == 1
    [dm] = accord.fake.calls_to("chat.postMessage")
    assert dm.params["channel"] == AUTHOR
    assert f"proposal #{row['id']}" in dm.params["text"] and "withdrew" in dm.params["text"]
    assert "invite me" in dm.params["text"]
    assert not [r for r in accord.fake.calls_to("response_url") if "withdrew" in FakeSlack.all_text(r)]
    accord.clock.advance(timedelta(days=30))
    accord.tick()
    assert len(accord.fake.calls_to("chat.postMessage")) == 1  # nothing announced about it, the DM once


def test_unpostable_proposal_from_the_form_is_told_once_by_dm(accord: Harness) -> None:
    make_groups(accord)
    values = {ids.TITLE_BLOCK: {ids.TITLE_ACTION: plain_value("Fund a post-doc")}}
    accord.fake.fail_next("chat.postMessage", error="not_in_channel")
    accord.submit(ids.PROPOSAL_MODAL, values, user=AUTHOR, private_metadata=json.dumps({"channel_id": "C7"}))
    [row] = proposals(accord)
    assert (row["status"], row["outcome"]) == ("closed", "withdrawn")
    accord.tick()
    [dm] = accord.fake.calls_to("chat.postMessage")
    assert dm.params["channel"] == AUTHOR and "withdrew" in dm.params["text"] and "invite me" in dm.params["text"]


def test_a_proposal_recorded_before_a_crash_is_posted_once_by_the_outbox(accord: Harness,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    make_groups(accord)
    with monkeypatch.context() as crash:  # the process stops right after the proposal is committed
        crash.setattr(propose_command, "send_now", lambda *_args, **_kwargs: [])
        accord.command("/propose", "Adopt the roadmap", user=AUTHOR)
    [row] = proposals(accord)
    assert row["status"] == "open" and accord.fake.calls_to("chat.postMessage") == []
    click(accord, "agree", row["id"], user="UI1")  # from a reminder, say: nothing to update yet
    assert accord.fake.calls_to("chat.update") == []
    accord.tick()
    accord.tick()
    [posted] = _proposal_posts(accord)
    assert "*Industry*: 1 agree" in FakeSlack.all_text(posted)  # the first post shows where it stands now
    assert live_message(accord, row["id"])["ts"] == posted.response["ts"]
    assert proposals(accord)[0]["status"] == "open"
    accord.clock.advance(timedelta(hours=1))
    accord.tick()
    assert len(_proposal_posts(accord)) == 1


def test_a_change_while_the_first_post_is_on_its_way_is_shown(accord: Harness,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    make_groups(accord)
    publish = outbox.KINDS[propose_command.PUBLISH]

    def render_then_click(rt: Any, ref: dict[str, Any], parent: Any) -> Any:
        call = publish.render(rt, ref, parent)  # rendered with no position yet…
        clicked = click(accord, "agree", ref["proposal_id"], user="UI1", settle=False)
        assert "You agree with" in clicked.reply_text()  # …a click lands before the post is recorded
        return call

    monkeypatch.setitem(outbox.KINDS, propose_command.PUBLISH, replace(publish, render=render_then_click))
    accord.command("/propose", "Share the minutes", user=AUTHOR)
    [posted] = _proposal_posts(accord)
    assert "Industry*: 1 agree" not in FakeSlack.all_text(posted)
    [row] = proposals(accord)
    assert "*Industry*: 1 agree" in live_text(accord, row["id"])


def test_export_proposals_as_json_csv_and_md(accord: Harness, database_url: str,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    make_groups(accord)
    pid = propose(accord, "Share | pipes & <tags>")
    take(accord, pid, "UI1", "agree")
    take(accord, pid, "UA1", "block", "Needs an <ethics> review")
    monkeypatch.setenv("DATABASE_URL", database_url)
    capsys.readouterr()
    assert main(["export", "proposals"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert list(row) == ["id", "consortium_id", "team_id", "title", "details", "status", "outcome", "channel_id",
                         "closes_at", "required_groups", "counting", "cap", "hidden", "anonymous", "positions",
                         "conflicts"]
    assert (row["title"], row["status"], row["outcome"]) == ("Share | pipes & <tags>", "open", None)
    assert (row["counting"], row["cap"], row["hidden"], row["anonymous"], row["conflicts"]) == (
        "member", None, False, False, [])
    assert row["closes_at"] == "2026-12-02T09:00:00+00:00"
    assert row["positions"] == [
        {"user_id": "UI1", "user_name": None, "group": "Industry", "choice": "agree", "reason": None,
         "organisation": None, "proxy_for": None, "advisory": False},
        {"user_id": "UA1", "user_name": None, "group": "Academia", "choice": "block",
         "reason": "Needs an <ethics> review", "organisation": None, "proxy_for": None, "advisory": False}]
    assert main(["export", "proposals", "--format", "csv"]) == 0
    [cells] = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert json.loads(cells["positions"])[1]["reason"] == "Needs an <ethics> review"
    assert json.loads(cells["required_groups"]) == ["Academia", "Industry", "Policy"]
    assert main(["export", "proposals", "--format", "md"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "# Proposals (1)"  # a document: one section per proposal, markup in text made inert
    assert any(line.startswith("## Proposal ") and "Share \\| pipes" in line for line in lines)
