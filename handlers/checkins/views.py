"""The check-in modal's submission: progress, blockers and a status for each open commitment."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.services import ServiceError
from bot.services import checkin_answers as answers
from bot.services import commitments as commitment_service
from handlers.checkins.blocks import answer_text
from handlers.shared import ids
from handlers.shared.announcements import enqueue_decision_progress, enqueue_message, request_key, send_now
from handlers.shared.blocks import escape
from handlers.shared.context import once, runtime, team_of
from handlers.shared.grammar import MAX_TEXT
from handlers.shared.replies import error_text, post
from handlers.shared.workspaces import note_member_workspace, user_team


def _state(view: dict[str, Any]) -> dict[str, Any]:
    values = view.get("state", {}).get("values", {})
    return values if isinstance(values, dict) else {}


def _text(values: dict[str, Any], block: str, action: str) -> str:
    """A text field in Slack's escaped form (modal input arrives unescaped)."""
    return escape(str(values.get(block, {}).get(action, {}).get("value") or "").strip())


def _statuses(values: dict[str, Any]) -> dict[int, str]:
    """Commitment id → the status chosen for it."""
    chosen = {}
    for block_id, fields in values.items():
        suffix = block_id.removeprefix(ids.COMMITMENT_STATUS_BLOCK_PREFIX)
        if suffix == block_id or not suffix.isdigit():
            continue
        option = (fields.get(ids.COMMITMENT_STATUS_ACTION) or {}).get("selected_option") or {}
        if option.get("value") in answers.STATUS_CHOICES:
            chosen[int(suffix)] = option["value"]
    return chosen


def _prompt_id(view: dict[str, Any]) -> int | None:
    try:
        value = json.loads(view.get("private_metadata") or "{}").get("prompt_id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def handle_checkin_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any,
                              context: BoltContext) -> None:
    """Record the member's answer once per view, then confirm in the prompt's thread."""
    values = _state(view)
    progress = _text(values, ids.PROGRESS_BLOCK, ids.PROGRESS_ACTION)
    blockers = _text(values, ids.BLOCKERS_BLOCK, ids.BLOCKERS_ACTION)
    if not progress:
        ack(response_action="errors", errors={ids.PROGRESS_BLOCK: "Say what moved forward (even “nothing yet”)."})
        return
    if len(progress) > MAX_TEXT or len(blockers) > MAX_TEXT:
        ack(response_action="errors", errors={ids.PROGRESS_BLOCK: f"Keep it under {MAX_TEXT:,} characters."})
        return
    ack()
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    try:
        note_member_workspace(rt, client, consortium_id=consortium_id, user_id=user_id, team_id=user_team(body),
                              enterprise_id=context.actor_enterprise_id)
        with rt.session() as session:
            if not once(session, team_id=consortium_id, key=f"view:{view['id']}"):
                return
            answer = answers.record_answer(session, settings=rt.settings, consortium_id=consortium_id, user_id=user_id,
                                           prompt_id=_prompt_id(view), text=progress, blockers=blockers,
                                           statuses=_statuses(values), now=rt.clock.now())
            prompt = answer.prompt
            for commitment_id, _status in answer.changed:  # the decisions they carry out count them again
                changed = commitment_service.find_commitment(session, consortium_id=consortium_id,
                                                             commitment_id=commitment_id)
                if changed is not None and changed.decision_id is not None:
                    enqueue_decision_progress(session, rt, consortium_id=consortium_id,
                                              decision_id=changed.decision_id)
            box = enqueue_message(session, rt, consortium_id=consortium_id, key=request_key("checkin-answer"),
                                  channel=prompt.dm_channel_id or user_id, thread_ts=prompt.message_ts,
                                  text=answer_text(answer.group_name, first=answer.first, changed=answer.changed,
                                                   skipped=answer.skipped))
    except ServiceError as err:
        post(client, channel=user_id, text=error_text(err))
        return
    send_now(rt, [box])
