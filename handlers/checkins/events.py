"""Replies in a check-in prompt's thread count as their answer: in the member's DM with Accord, or in the
group's channel when the prompt was posted there (Slack refused the DM)."""

from __future__ import annotations

from typing import Any

from bot.runtime import Runtime
from bot.services import ServiceError
from bot.services import checkin_answers as answers
from handlers.checkins.blocks import answer_text
from handlers.shared.announcements import enqueue_message, send_now
from handlers.shared.context import once
from handlers.shared.replies import error_text, post
from handlers.shared.workspaces import note_member_workspace, user_team


def route_checkin_reply(rt: Runtime, client: Any, *, consortium_id: str, event: dict[str, Any]) -> bool:
    """A message route: record a member's reply in their prompt's thread; False for every other message."""
    thread_ts, ts = event.get("thread_ts"), event.get("ts")
    if event.get("channel_type") not in ("im", "channel", "group") or not thread_ts or thread_ts == ts:
        return False  # cheap: only thread replies can be check-in answers
    channel, user_id = event["channel"], event.get("user") or ""
    text = (event.get("text") or "").strip() or "(shared a file)"
    try:
        note_member_workspace(rt, client, consortium_id=consortium_id, user_id=user_id, team_id=user_team(event))
        with rt.session() as session:
            prompt = answers.prompt_for_thread(session, consortium_id=consortium_id, channel_id=channel,
                                               thread_ts=thread_ts,
                                               user_id=user_id)
            if prompt is None:
                return False
            if not once(session, team_id=consortium_id, key=f"checkin-reply:{channel}:{ts}"):
                return True
            answer = answers.record_answer(session, settings=rt.settings, consortium_id=consortium_id, user_id=user_id,
                                           prompt_id=prompt.id, text=text, source="thread", now=rt.clock.now())
            box = enqueue_message(session, rt, consortium_id=consortium_id, key=f"checkin-reply:{channel}:{ts}:confirm",
                                  channel=channel, thread_ts=thread_ts,
                                  text=answer_text(answer.group_name, first=answer.first, changed=[], skipped=[]))
    except ServiceError as err:
        post(client, channel=channel, thread_ts=thread_ts, text=error_text(err))
        return True
    send_now(rt, [box])
    return True
