"""Submissions of the commitment modal (from `/commit` alone and the *Log as commitment* shortcut)."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.runtime import Runtime
from bot.services import ServiceError
from bot.services import commitments as commitment_service
from bot.values import ParseError
from handlers.shared import ids
from handlers.shared.announcements import announce, enqueue_commitment
from handlers.shared.blocks import unescape
from handlers.shared.context import once, runtime, team_of
from handlers.shared.grammar import parse_record_id
from handlers.shared.modals import field_value, modal_metadata, text_errors, text_field, with_source_link
from handlers.shared.workspaces import note_member_workspace, user_team


def _decision(rt: Runtime, consortium_id: str, view: dict[str, Any]) -> tuple[int | None, str | None]:
    """The decision field: (its id, None), (None, None) when empty, or (None, what is wrong with it)."""
    raw = str(field_value(view, ids.DECISION_BLOCK, ids.DECISION_ACTION) or "").strip()
    if not raw:
        return None, None
    try:
        decision_id = parse_record_id(raw)
        with rt.session() as session:
            commitment_service.check_decision(session, consortium_id=consortium_id, decision_id=decision_id)
    except (ParseError, ServiceError) as err:
        return None, unescape(err.message)[:150]
    return decision_id, None


def handle_commitment_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any,
                                 context: BoltContext) -> None:
    """Record the commitment of a submitted modal, once per view."""
    text = text_field(view, ids.TEXT_BLOCK, ids.TEXT_ACTION)
    errors = text_errors(text, ids.TEXT_BLOCK)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    due_raw = field_value(view, ids.DUE_BLOCK, ids.DUE_ACTION)
    try:
        due = date.fromisoformat(due_raw) if due_raw else None
    except ValueError:
        ack(response_action="errors", errors={ids.DUE_BLOCK: "Pick a date from the calendar."})
        return
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    decision_id, problem = _decision(rt, consortium_id, view)
    if problem:
        ack(response_action="errors", errors={ids.DECISION_BLOCK: problem})
        return
    ack()
    meta = with_source_link(client, modal_metadata(view))
    note_member_workspace(rt, client, consortium_id=consortium_id, user_id=user_id, team_id=user_team(body),
                          enterprise_id=context.actor_enterprise_id)
    with rt.session() as session:
        if not once(session, team_id=consortium_id, key=f"view:{view['id']}"):
            return
        commitment = commitment_service.record_commitment(
            session, consortium_id=consortium_id, text=text,
            owner_id=field_value(view, ids.OWNER_BLOCK, ids.OWNER_ACTION) or user_id,
            due_date=due, created_by=user_id, channel_id=meta.get("channel_id") or user_id,
            thread_ts=meta.get("thread_ts"), message_ts=meta.get("message_ts"), permalink=meta.get("permalink"),
            source=meta.get("source", "modal"), now=rt.clock.now(), decision_id=decision_id)
        box = enqueue_commitment(session, rt, consortium_id=consortium_id, commitment_id=commitment.id or 0,
                                 decision_id=decision_id)
    announce(rt, box, what=f"Commitment #{commitment.id}")
