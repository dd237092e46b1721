"""Submissions of the reminder's modals: why a commitment is blocked, and its new due date."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.services import ServiceError
from bot.services import follow_through as service
from handlers.followthrough.actions import change_commitment
from handlers.shared import ids
from handlers.shared.announcements import enqueue_message, request_key, send_now
from handlers.shared.blocks import plain_date
from handlers.shared.context import once, runtime, team_of
from handlers.shared.modals import field_value, text_field
from handlers.shared.replies import error_text, tell_user

DEFAULT_BLOCK_NOTE = "blocked from a reminder"


def _commitment_id(view: dict[str, Any]) -> int | None:
    try:
        return int(view.get("private_metadata") or "")
    except ValueError:
        return None


def _tell(client: Any, user_id: str, text: str) -> None:
    """A modal has no response URL: the answer comes as a direct message."""
    tell_user(client, body={"user": {"id": user_id}})(text)


def handle_block_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any,
                            context: BoltContext) -> None:
    """Mark the commitment blocked with the reason given."""
    ack()
    commitment_id = _commitment_id(view)
    if commitment_id is None:
        return
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    reason = text_field(view, ids.COMMITMENT_REASON_BLOCK, ids.COMMITMENT_REASON_ACTION)[:2000]
    _tell(client, user_id, change_commitment(rt, consortium_id=consortium_id, user_id=user_id,
                                             commitment_id=commitment_id, action="block",
                                             note=reason or DEFAULT_BLOCK_NOTE))


def handle_due_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any,
                          context: BoltContext) -> None:
    """Move the commitment's due date: its reminder and escalations start again for the new date."""
    raw = field_value(view, ids.DUE_BLOCK, ids.DUE_ACTION)
    try:
        due = date.fromisoformat(str(raw))
    except ValueError:
        ack(response_action="errors", errors={ids.DUE_BLOCK: "Pick a date from the calendar."})
        return
    ack()
    commitment_id = _commitment_id(view)
    if commitment_id is None:
        return
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    try:
        with rt.session() as session:
            if not once(session, team_id=consortium_id, key=f"view:{view['id']}"):
                return  # Slack delivered this submission twice
            commitment, changed = service.change_due_date(
                session, settings=rt.settings, consortium_id=consortium_id, commitment_id=commitment_id,
                actor_id=user_id, due_date=due, now=rt.clock.now())
            box = enqueue_message(
                session, rt, consortium_id=consortium_id, key=request_key(f"commitment:{commitment_id}:due"),
                channel=commitment.channel_id, thread_ts=commitment.message_ts,
                text=f"Commitment #{commitment_id} is now due {plain_date(due)} (moved by <@{user_id}>)",
            ) if changed else None
    except ServiceError as err:
        _tell(client, user_id, error_text(err))
        return
    if not changed:
        _tell(client, user_id, f"Commitment #{commitment_id} is already due {plain_date(due)}.")
        return
    send_now(rt, [box])
    rt.wake_scheduler()
    _tell(client, user_id, f":calendar: Commitment #{commitment_id} is now due {plain_date(due)}; "
                           "you will be reminded before then.")
