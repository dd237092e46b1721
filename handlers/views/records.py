"""Submissions of the decision and commitment modals (from the commands and the shortcuts)."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.services import commitments as commitment_service
from bot.services import decisions as decision_service
from handlers import ids
from handlers.announcements import announce, enqueue_commitment, enqueue_decision
from handlers.blocks.common import escape
from handlers.commands.decision import modal_metadata
from handlers.common import once, permalink, runtime, team_of
from handlers.parsing import MAX_TEXT


def _value(view: dict[str, Any], block: str, action: str) -> Any:
    state = view.get("state", {}).get("values", {}).get(block, {}).get(action, {})
    for key in ("value", "selected_user", "selected_date"):
        if state.get(key):
            return state[key]
    return None


def _text(view: dict[str, Any], block: str, action: str) -> str:
    """A modal text field in Slack's escaped form (modal input arrives unescaped)."""
    return escape(str(_value(view, block, action) or "").strip())


def _errors_for_text(text: str, block: str) -> dict[str, str] | None:
    if not text:
        return {block: "Please write something here."}
    if len(text) > MAX_TEXT:
        return {block: f"That is too long ({len(text)} characters; the limit is {MAX_TEXT:,})."}
    return None


def with_source_link(client: Any, meta: dict[str, Any]) -> dict[str, Any]:
    """A shortcut modal's metadata with the permalink of its message, asked for at submission (the
    shortcut opened the modal first, before its trigger could expire)."""
    channel, ts = meta.get("channel_id"), meta.get("message_ts")
    if meta.get("source") != "shortcut" or meta.get("permalink") or not (channel and ts):
        return meta
    return {**meta, "permalink": permalink(client, channel=channel, ts=ts)}


def handle_decision_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any,
                               context: BoltContext) -> None:
    """Record the decision of a submitted modal, once per view."""
    text = _text(view, ids.TEXT_BLOCK, ids.TEXT_ACTION)
    errors = _errors_for_text(text, ids.TEXT_BLOCK)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    rt, team_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    meta = with_source_link(client, modal_metadata(view))
    with rt.session() as session:
        if not once(session, team_id=team_id, key=f"view:{view['id']}"):
            return
        decision = decision_service.record_decision(
            session, team_id=team_id, text=text, rationale=_text(view, ids.RATIONALE_BLOCK, ids.RATIONALE_ACTION),
            channel_id=meta.get("channel_id") or user_id, thread_ts=meta.get("thread_ts"),
            message_ts=meta.get("message_ts"), permalink=meta.get("permalink"), recorded_by=user_id,
            source=meta.get("source", "modal"), now=rt.clock.now())
        box = enqueue_decision(session, rt, team_id=team_id, decision_id=decision.id or 0)
    announce(rt, box, what=f"Decision #{decision.id}")


def handle_commitment_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any,
                                 context: BoltContext) -> None:
    """Record the commitment of a submitted modal, once per view."""
    text = _text(view, ids.TEXT_BLOCK, ids.TEXT_ACTION)
    errors = _errors_for_text(text, ids.TEXT_BLOCK)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    due_raw = _value(view, ids.DUE_BLOCK, ids.DUE_ACTION)
    try:
        due = date.fromisoformat(due_raw) if due_raw else None
    except ValueError:
        ack(response_action="errors", errors={ids.DUE_BLOCK: "Pick a date from the calendar."})
        return
    ack()
    rt, team_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    meta = with_source_link(client, modal_metadata(view))
    with rt.session() as session:
        if not once(session, team_id=team_id, key=f"view:{view['id']}"):
            return
        commitment = commitment_service.record_commitment(
            session, team_id=team_id, text=text, owner_id=_value(view, ids.OWNER_BLOCK, ids.OWNER_ACTION) or user_id,
            due_date=due, created_by=user_id, channel_id=meta.get("channel_id") or user_id,
            thread_ts=meta.get("thread_ts"), message_ts=meta.get("message_ts"), permalink=meta.get("permalink"),
            source=meta.get("source", "modal"), now=rt.clock.now())
        box = enqueue_commitment(session, rt, team_id=team_id, commitment_id=commitment.id or 0)
    announce(rt, box, what=f"Commitment #{commitment.id}")
