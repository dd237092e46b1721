"""End to end: check-in rounds, answers by modal and thread, reminders, closing, `/checkin`, the export."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.cli import main
from handlers.shared import ids
from storage.models import Commitment, CommitmentUpdate
from tests.factories import make_commitments, make_proposal_with_positions
from tests.fakeslack import FakeSlack
from tests.handlers.checkins.checkin_helpers import (
    open_modal,
    prompt_calls,
    prompt_id_of,
    prompts,
    prompts_per_user,
    reply_in_thread,
    responses,
    rounds,
    seed_group,
    submit_checkin,
)
from tests.harness import START, Harness
from tests.payloads import message_event

FAC = "UFAC"


def test_done_when_three_groups_one_scheduled_in_kolkata_answers_exported(
    accord: Harness, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # START is Wednesday 2026-11-25 09:00 UTC = 14:30 in Kolkata: schedule the check-in two minutes ahead.
    accord.command("/group", "create Academia <#CACA> tz Asia/Kolkata sector academia", user=FAC)
    accord.command("/group", "create Industry tz Europe/Berlin sector industry", user=FAC)
    accord.command("/group", "create Policy tz America/New_York sector policy", user=FAC)
    accord.command("/group", "add Academia <@UA1> <@UA2> <@UA3>", user=FAC)
    accord.command("/group", "add Industry <@UI1> <@UI2>", user=FAC)
    accord.command("/group", "add Policy <@UP1>", user=FAC)
    scheduled = accord.command("/group", "schedule Academia wed 14:32", user=FAC)
    assert "Wed 25 Nov 2026, 14:32 IST" in scheduled.reply_text()

    accord.tick(START + timedelta(minutes=1, seconds=59))
    assert prompt_calls(accord.fake) == [] and rounds(accord) == []
    accord.clock.set(START + timedelta(minutes=2, seconds=5))
    accord.tick()
    assert prompts_per_user(accord.fake) == {"UA1": 1, "UA2": 1, "UA3": 1}
    [round_] = rounds(accord)
    assert round_.due_at == START + timedelta(minutes=2) and round_.trigger == "schedule"

    view = open_modal(accord, user="UA1", prompt_id=prompt_id_of(prompt_calls(accord.fake, "UA1")[0]))
    submit_checkin(accord, view, user="UA1", progress="Draft <ethics> chapter done", blockers="Need IRB & legal")
    reply_in_thread(accord, user="UA2", text="Survey fielded; results next week")
    confirmations = [c for c in accord.fake.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert len(confirmations) == 2 and all("check-in is recorded" in FakeSlack.all_text(c) for c in confirmations)

    monkeypatch.setenv("DATABASE_URL", database_url)
    capsys.readouterr()
    assert main(["export", "checkins", "--format", "json"]) == 0
    [exported] = json.loads(capsys.readouterr().out)
    assert (exported["id"], exported["team_id"], exported["group"]) == (round_.id, "T1", "Academia")
    assert exported["opened_at"] == "2026-11-25T09:02:05+00:00" and exported["closed_at"] is None
    answers = {r["user_id"]: r for r in exported["responses"]}
    assert answers["UA1"]["text"] == "Draft <ethics> chapter done" and answers["UA1"]["blockers"] == "Need IRB & legal"
    assert answers["UA2"]["text"] == "Survey fielded; results next week" and answers["UA2"]["blockers"] is None
    assert set(answers) == {"UA1", "UA2"} and answers["UA1"]["responded_at"].endswith("+00:00")


def test_prompt_lists_open_commitments_and_proposals_the_group_has_not_answered(accord: Harness) -> None:
    gid = seed_group(accord, name="Civil society", members=["U1", "U2"])
    with accord.rt.session() as session:
        make_commitments(session, owner_id="U1", text="Send the <draft> charter")
        make_commitments(session, owner_id="U2", text="Book the venue")
        done = make_commitments(session, owner_id="U1", text="Old finished item")[0]
        done.status = "done"
        session.add(done)
        make_proposal_with_positions(session, title="Adopt the data charter", group_ids=[gid])
        make_proposal_with_positions(session, title="Already answered", group_ids=[gid],
                                     positions=[("U2", gid, "agree")])
        make_proposal_with_positions(session, title="Closed one", group_ids=[gid], status="closed")
    sent = accord.command("/checkin", "now civil society", user=FAC)
    assert "asking 2 members" in sent.reply_text()
    accord.tick()
    text = FakeSlack.all_text(prompt_calls(accord.fake, "U1")[0])
    assert "Send the &lt;draft&gt; charter" in text and "Adopt the data charter" in text
    assert "Book the venue" not in text and "Old finished item" not in text
    assert "Already answered" not in text and "Closed one" not in text
    assert "Book the venue" in FakeSlack.all_text(prompt_calls(accord.fake, "U2")[0])


def test_modal_statuses_change_commitments_with_history_once(accord: Harness) -> None:
    seed_group(accord, name="Industry", members=["U1"])
    with accord.rt.session() as session:
        first, second, third = make_commitments(session, owner_id="U1", count=3, text="Deliverable")
    accord.command("/checkin", "now Industry", user=FAC)
    accord.tick()
    view = open_modal(accord, user="U1", prompt_id=prompt_id_of(prompt_calls(accord.fake, "U1")[0]))
    shown = {b.get("block_id") for b in view["blocks"]}
    assert {f"{ids.COMMITMENT_STATUS_BLOCK_PREFIX}{c.id}" for c in (first, second, third)} <= shown
    statuses = {first.id: "done", second.id: "blocked", third.id: "keep"}
    for _ in range(2):  # Slack delivering the same submission twice records it once
        submit_checkin(accord, view, user="U1", progress="Moved", blockers="Waiting on legal", statuses=statuses,
                       view_id="VSAME")
    [round_] = rounds(accord)
    with accord.rt.session() as session:
        status = {c.id: c.status for c in session.exec(select(Commitment))}
        updates = list(session.exec(select(CommitmentUpdate)))
    assert status == {first.id: "done", second.id: "blocked", third.id: "open"}
    assert sorted((u.commitment_id, u.new_status, u.source, u.checkin_round_id) for u in updates) == [
        (first.id, "done", "checkin", round_.id), (second.id, "blocked", "checkin", round_.id)]
    assert [u.note for u in updates if u.new_status == "blocked"] == ["Waiting on legal"]
    assert len(responses(accord)) == 1
    [confirm] = [c for c in accord.fake.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert f"#{first.id} → done" in FakeSlack.all_text(confirm)


def test_empty_progress_is_refused_in_the_modal(accord: Harness) -> None:
    seed_group(accord, name="Industry", members=["U1"])
    accord.command("/checkin", "now Industry", user=FAC)
    accord.tick()
    view = open_modal(accord, user="U1", prompt_id=prompt_id_of(prompt_calls(accord.fake, "U1")[0]))
    from tests.payloads import plain_value

    sent = accord.submit(ids.CHECKIN_MODAL, {ids.PROGRESS_BLOCK: {ids.PROGRESS_ACTION: plain_value("  ")}},
                         user="U1", private_metadata=view["private_metadata"])
    assert sent.response.json()["response_action"] == "errors"
    assert responses(accord) == []


def test_checkin_command_opens_the_pending_checkin_or_says_there_is_none(accord: Harness) -> None:
    assert "You have no check-in waiting" in accord.command("/checkin", "", user="U1").reply_text()
    seed_group(accord, name="Policy", members=["U1", "U2"])
    accord.command("/checkin", "now Policy", user=FAC)
    accord.tick()
    accord.command("/checkin", "", user="U1")
    [opened] = accord.fake.wait_for("views.open")
    assert opened.params["view"]["callback_id"] == ids.CHECKIN_MODAL
    assert json.loads(opened.params["view"]["private_metadata"])["prompt_id"] == prompt_id_of(
        prompt_calls(accord.fake, "U1")[0])
    theirs = prompt_id_of(prompt_calls(accord.fake, "U2")[0])
    refused = accord.action(ids.OPEN_CHECKIN, str(theirs), user="U1")
    assert "This check-in was sent to <@U2>" in refused.reply_text()
    assert len(accord.fake.calls_to("views.open")) == 1


def test_checkin_now_is_for_facilitators_and_not_twice_while_open(accord: Harness) -> None:
    seed_group(accord, name="Policy", members=["U1"])
    seed_group(accord, name="Empty", members=[])
    assert "Only facilitators can start check-ins" in accord.command("/checkin", "now Policy", user="U1").reply_text()
    assert "There is no group named “Polcy”" in accord.command("/checkin", "now Polcy", user=FAC).reply_text()
    assert "has no members yet" in accord.command("/checkin", "now Empty", user=FAC).reply_text()
    assert rounds(accord) == []
    started = accord.command("/checkin", "now policy", user=FAC).reply_text()
    [round_] = rounds(accord)
    assert f"Started check-in round #{round_.id}" in started
    assert (round_.trigger, round_.opened_by, round_.due_at) == ("manual", FAC, START)
    assert "already open" in accord.command("/checkin", "now Policy", user=FAC).reply_text()
    assert len(rounds(accord)) == 1
    assert "Usage" in accord.command("/checkin", "later Policy", user=FAC).reply_text()


def test_thread_replies_count_once_and_other_messages_are_left_alone(accord: Harness) -> None:
    seed_group(accord, name="Industry", members=["U1"])
    accord.command("/checkin", "now Industry", user=FAC)
    accord.tick()
    event = reply_in_thread(accord, user="U1", text="Pilot running", event_id="EvDUP")
    accord.event(event, event_id="EvDUP")  # Slack's retry
    reply_in_thread(accord, user="U1", text="Also: partner signed")
    [answer] = responses(accord)
    assert (answer.user_id, answer.source, answer.text) == ("U1", "thread", "Pilot running\nAlso: partner signed")
    # A DM that is not in a prompt's thread and a channel thread message are not check-in answers.
    accord.event(message_event("hello", user="U1", channel="D1", thread_ts="1.000001", channel_type="im"))
    accord.event(message_event("Decision: adopt the glossary", user="U1", channel="C1", thread_ts="1.5"))
    assert len(responses(accord)) == 1
    from bot.services.export import export_rows

    with accord.rt.session() as session:
        assert [d["text"] for d in export_rows(session, kind="decisions", consortium_id="T1")] == ["adopt the glossary"]


def test_one_reminder_to_members_who_have_not_answered(accord: Harness) -> None:
    seed_group(accord, name="Academia", members=["U1", "U2", "U3"])
    accord.command("/checkin", "now Academia", user=FAC)
    accord.tick()
    reply_in_thread(accord, user="U1", text="Done with the review")
    accord.tick(START + timedelta(hours=23))
    reminders = [c for c in accord.fake.calls_to("chat.postMessage") if "still waiting" in FakeSlack.all_text(c)]
    assert reminders == []
    accord.tick(START + timedelta(hours=24, seconds=5))
    accord.tick(START + timedelta(hours=30))
    reminders = [c for c in accord.fake.calls_to("chat.postMessage") if "still waiting" in FakeSlack.all_text(c)]
    assert sorted(c.params["channel"] for c in reminders) == ["D2", "D3"]
    by_user = {p.user_id: p for p in prompts(accord)}
    assert all(c.params["thread_ts"] == by_user["U" + c.params["channel"][1:]].message_ts for c in reminders)
    assert by_user["U1"].reminded_at is None and by_user["U2"].reminded_at is not None
    assert rounds(accord)[0].reminded_at is not None


def test_round_closes_once_with_a_quiet_summary_and_details_in_the_thread(accord: Harness) -> None:
    gid = seed_group(accord, name="Academia", members=["U1", "U2", "U3"], channel="CACA")
    seed_group(accord, name="Nochannel", members=["U9"])
    with accord.rt.session() as session:
        [commitment] = make_commitments(session, owner_id="U2", text="Write the <summary>", group_id=gid)
    accord.command("/checkin", "now Academia", user=FAC)
    accord.command("/checkin", "now Nochannel", user=FAC)
    accord.tick()
    reply_in_thread(accord, user="U1", text="All good")
    view = open_modal(accord, user="U2", prompt_id=prompt_id_of(prompt_calls(accord.fake, "U2")[0]))
    submit_checkin(accord, view, user="U2", progress="Drafted", blockers="<!channel> needs data access",
                   statuses={commitment.id: "done"})
    accord.tick(START + timedelta(hours=48, seconds=10))
    accord.tick(START + timedelta(hours=49))
    channel_posts = [c for c in accord.fake.calls_to("chat.postMessage") if c.params["channel"] == "CACA"]
    head, details = channel_posts
    assert "thread_ts" not in head.params or not head.params["thread_ts"]
    assert "2 of 3 answered, 1 with blockers, 1 commitment update" in FakeSlack.all_text(head)
    assert details.params["thread_ts"] == head.response["ts"]
    text = FakeSlack.all_text(details)
    assert "<@U1>, <@U2>" in text and "Not answered (1)*: <@U3>" in text
    assert "needs data access" in text and "<!channel>" not in json.dumps(details.params)
    assert f"#{commitment.id}" in text and "open → *done*" in text
    closed = rounds(accord)
    assert all(r.closed_at == START + timedelta(hours=48, seconds=10) for r in closed)
    assert closed[0].summary_ts == head.response["ts"] and closed[1].summary_ts is None
    late = reply_in_thread(accord, user="U3", text="Sorry, late")
    assert late and len(responses(accord)) == 2
    refusal = accord.fake.wait_for("chat.postMessage", where=lambda c: "closed on" in FakeSlack.all_text(c))
    assert refusal[0].params["channel"] == "D3"


def test_a_refused_summary_is_retried_later_and_posted_once(accord: Harness) -> None:
    seed_group(accord, name="Policy", members=["U1", "U2"], channel="CPOL")
    accord.command("/checkin", "now Policy", user=FAC)
    accord.tick()
    accord.tick(START + timedelta(hours=25))  # reminders go out first
    accord.fake.fail_next("chat.postMessage", error="internal_error")
    accord.tick(START + timedelta(hours=48, seconds=10))
    assert [c.params["channel"] for c in accord.fake.calls_to("chat.postMessage", include_failed=True)
            if not c.ok] == ["CPOL"]
    assert rounds(accord)[0].closed_at is not None and rounds(accord)[0].summary_ts is None
    accord.tick(START + timedelta(hours=48, seconds=20))  # too early for the retry
    assert not [c for c in accord.fake.calls_to("chat.postMessage") if c.params["channel"] == "CPOL"]
    accord.tick(START + timedelta(hours=49))
    accord.tick(START + timedelta(hours=50))
    heads = [c for c in accord.fake.calls_to("chat.postMessage")
             if c.params["channel"] == "CPOL" and not c.params.get("thread_ts")]
    assert len(heads) == 1 and "0 of 2 answered" in FakeSlack.all_text(heads[0])
    assert rounds(accord)[0].summary_ts == heads[0].response["ts"]


def test_refused_summary_details_are_retried_under_the_summary_posted_once(accord: Harness) -> None:
    seed_group(accord, name="Policy", members=["U1", "U2"], channel="CPOL")
    accord.command("/checkin", "now Policy", user=FAC)
    accord.tick()
    reply_in_thread(accord, user="U1", text="Drafted the annex")
    accord.fake.fail_next("chat.postMessage", error="internal_error",
                          where=lambda p: p.get("channel") == "CPOL" and bool(p.get("thread_ts")))
    accord.tick(START + timedelta(hours=48, seconds=10))

    def channel_posts() -> list[tuple[bool, bool]]:
        return [(c.ok, bool(c.params.get("thread_ts")))
                for c in accord.fake.calls_to("chat.postMessage", include_failed=True) if c.params["channel"] == "CPOL"]

    assert channel_posts() == [(True, False), (False, True)]
    accord.tick(START + timedelta(hours=48, minutes=2))
    heads = [c for c in accord.fake.calls_to("chat.postMessage") if c.params["channel"] == "CPOL"]
    assert channel_posts() == [(True, False), (False, True), (True, True)]
    assert heads[1].params["thread_ts"] == heads[0].response["ts"] == rounds(accord)[0].summary_ts
    assert "*Answered (1)*: <@U1>" in FakeSlack.all_text(heads[1])


def test_a_summary_slack_refuses_for_good_is_shown_in_group_show(accord: Harness) -> None:
    seed_group(accord, name="Policy", members=["U1"], channel="CPOL")
    accord.command("/checkin", "now Policy", user=FAC)
    accord.tick()
    assert ":warning:" not in accord.command("/group", "show Policy").reply_text()
    accord.fake.fail_next("chat.postMessage", error="channel_not_found", where=lambda p: p.get("channel") == "CPOL")
    accord.tick(START + timedelta(hours=48, seconds=10))
    accord.tick(START + timedelta(hours=49))
    assert not [c for c in accord.fake.calls_to("chat.postMessage") if c.params["channel"] == "CPOL"]
    shown = accord.command("/group", "show Policy").reply_text()
    assert f"summary of check-in round #{rounds(accord)[0].id} could not be posted" in shown
    assert "`channel_not_found`" in shown
