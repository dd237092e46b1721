"""End to end: a check-in prompt Slack refuses as a direct message (a member of another organisation's
workspace met in a Slack Connect channel) goes to the group's channel, mentioning the member."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from handlers.shared import ids
from storage.models import AuditLog
from tests.fakeslack import Call, FakeSlack
from tests.handlers.checkins.checkin_helpers import (
    prompt_calls,
    prompt_id_of,
    prompt_messages,
    prompts,
    responses,
    rounds,
    submit_checkin,
)
from tests.harness import START, Harness
from tests.payloads import message_event

FAC = "UFAC"
SHARED = "CSHARED"  # a Slack Connect channel between this workspace (T1) and T2
OTHER_TEAM = "T2"


def _in_channel(fake: FakeSlack, channel: str = SHARED) -> list[Call]:
    return [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == channel]


def _external_members(accord: Harness, *users: str, error: str = "channel_not_found") -> None:
    for user in users:
        accord.fake.unknown_users.add(user)
        accord.fake.dm_refusals[user] = error


def test_prompts_slack_will_not_send_as_dms_are_posted_in_the_group_channel_once(accord: Harness) -> None:
    _external_members(accord, "UEXT1", "UEXT2")
    accord.command("/group", f"create Policy <#{SHARED}>", user=FAC)
    accord.command("/group", "add Policy <@U1> <@UEXT1> <@UEXT2>", user=FAC)
    accord.command("/checkin", "now Policy", user=FAC)
    accord.tick()
    accord.tick(START + timedelta(minutes=5))  # nothing is sent twice

    assert [c.params["channel"] for c in prompt_calls(accord.fake)] == ["U1"]
    posted = _in_channel(accord.fake)
    assert len(posted) == 2
    by_user = {p.user_id: p for p in prompts(accord)}
    for call in posted:
        [user] = [u for u in ("UEXT1", "UEXT2") if f"<@{u}>" in call.params["text"]]
        prompt = by_user[user]
        assert not call.params.get("thread_ts")  # the round has no channel message while it is open
        assert prompt_id_of(call) == prompt.id and "can't send you a direct message" in FakeSlack.all_text(call)
        assert (prompt.status, prompt.dm_channel_id, prompt.message_ts) == ("sent", SHARED, call.response["ts"])
        assert prompt_messages(accord)[user].state == "sent"
    with accord.rt.session() as session:
        history = session.exec(select(AuditLog).where(AuditLog.action == "checkin.prompt_in_channel")).all()
    assert sorted((a.entity, a.entity_id) for a in history) == sorted(
        ("checkin_prompt", str(by_user[u].id)) for u in ("UEXT1", "UEXT2"))
    assert all(json.loads(a.detail or "{}")["dm_error"] == "channel_not_found" for a in history)

    # UEXT1 answers with the button in the channel (a click from another workspace: user.team_id ≠ team.id).
    prompt_ts = by_user["UEXT1"].message_ts
    stranger = accord.action(ids.OPEN_CHECKIN, str(by_user["UEXT1"].id), user="U1", channel=SHARED,
                             message_ts=prompt_ts)
    assert "sent to <@UEXT1>" in stranger.reply_text()
    accord.action(ids.OPEN_CHECKIN, str(by_user["UEXT1"].id), user="UEXT1", user_team=OTHER_TEAM, channel=SHARED,
                  message_ts=prompt_ts)
    [opened] = accord.fake.wait_for("views.open")
    submit_checkin(accord, opened.params["view"], user="UEXT1", progress="Legal review done")
    confirm = accord.fake.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == prompt_ts)
    assert confirm[0].params["channel"] == SHARED and "check-in is recorded" in FakeSlack.all_text(confirm[0])

    # In UEXT2's prompt thread, someone else's reply is not an answer; UEXT2's own (shaped as Slack sends
    # a Slack Connect member's message) is.
    ext2_ts = by_user["UEXT2"].message_ts
    accord.event(message_event("Thanks all", user="U1", channel=SHARED, thread_ts=ext2_ts))
    assert {r.user_id for r in responses(accord)} == {"UEXT1"}
    accord.event(message_event("Consultation closes Friday", user="UEXT2", channel=SHARED, thread_ts=ext2_ts),
                 actor_team=OTHER_TEAM)
    answers = {r.user_id: r for r in responses(accord)}
    assert set(answers) == {"UEXT1", "UEXT2"} and answers["UEXT2"].text == "Consultation closes Friday"
    assert answers["UEXT2"].source == "thread"


def test_the_reminder_goes_to_the_prompt_thread_in_the_channel_and_the_summary_counts_them_reached(
    accord: Harness,
) -> None:
    _external_members(accord, "UEXT")
    accord.command("/group", f"create Policy <#{SHARED}>", user=FAC)
    accord.command("/group", "add Policy <@U1> <@UEXT>", user=FAC)
    accord.command("/checkin", "now Policy", user=FAC)
    accord.tick()
    [prompt] = [p for p in prompts(accord) if p.user_id == "UEXT"]
    accord.tick(START + timedelta(hours=24, seconds=5))
    accord.tick(START + timedelta(hours=25))
    reminders = [c for c in accord.fake.calls_to("chat.postMessage") if "still waiting" in FakeSlack.all_text(c)]
    [in_channel] = [c for c in reminders if c.params["channel"] == SHARED]
    assert in_channel.params["thread_ts"] == prompt.message_ts and not in_channel.params.get("reply_broadcast")
    assert "<@UEXT>, your *Policy* check-in" in FakeSlack.all_text(in_channel)
    [dm] = [c for c in reminders if c.params["channel"] != SHARED]
    assert dm.params["reply_broadcast"] in (True, "1", "true")

    accord.tick(START + timedelta(hours=48, seconds=10))
    accord.tick(START + timedelta(hours=49))
    head, details = [c for c in _in_channel(accord.fake) if "check-in closed" in FakeSlack.all_text(c)
                     or c.params.get("thread_ts") == rounds(accord)[0].summary_ts]
    assert "0 of 2 answered" in FakeSlack.all_text(head)
    assert "could not be delivered" not in FakeSlack.all_text(details)
    assert "Not answered (2)*: <@U1>, <@UEXT>" in FakeSlack.all_text(details)


@pytest.mark.parametrize("error", ["channel_not_found", "user_not_found", "user_not_visible",
                                   "invalid_user_combination"])
def test_every_refusal_meaning_no_dm_from_here_falls_back_to_the_channel(accord: Harness, error: str) -> None:
    _external_members(accord, "UEXT", error=error)
    accord.command("/group", f"create Policy <#{SHARED}>", user=FAC)
    accord.command("/group", "add Policy <@UEXT>", user=FAC)
    accord.command("/checkin", "now Policy", user=FAC)
    accord.tick()
    [posted] = _in_channel(accord.fake)
    assert "<@UEXT>" in posted.params["text"] and prompts(accord)[0].status == "sent"


def test_without_a_home_channel_or_for_other_refusals_the_prompt_is_not_delivered(accord: Harness) -> None:
    _external_members(accord, "UEXT")
    _external_members(accord, "UBOTLIKE", error="cannot_dm_bot")
    accord.command("/group", "create Nochannel", user=FAC)
    accord.command("/group", f"create Policy <#{SHARED}>", user=FAC)
    accord.command("/group", "add Nochannel <@UEXT>", user=FAC)
    accord.command("/group", "add Policy <@UBOTLIKE>", user=FAC)
    accord.command("/checkin", "now Nochannel", user=FAC)
    accord.command("/checkin", "now Policy", user=FAC)
    accord.tick()
    assert _in_channel(accord.fake) == []
    assert sorted((p.user_id, p.status, p.last_error) for p in prompts(accord)) == [
        ("UBOTLIKE", "failed", "cannot_dm_bot"), ("UEXT", "failed", "channel_not_found")]
    assert "1 prompt(s) could not be delivered" in accord.command("/group", "show Nochannel").reply_text()


def test_a_user_hidden_from_this_workspace_without_a_group_channel_fails_at_once(accord: Harness) -> None:
    _external_members(accord, "UEXT", error="user_not_visible")
    accord.command("/group", "create Nochannel", user=FAC)
    accord.command("/group", "add Nochannel <@UEXT>", user=FAC)
    accord.command("/checkin", "now Nochannel", user=FAC)
    accord.tick()
    [prompt] = prompts(accord)
    assert (prompt.status, prompt.last_error) == ("failed", "user_not_visible")  # not retried for hours
