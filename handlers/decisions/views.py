"""Submissions of the decision modal (from `/decision` alone and the *Log as decision* shortcut)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.services import decisions as decision_service
from handlers.shared import ids
from handlers.shared.announcements import announce, enqueue_decision
from handlers.shared.context import once, runtime, team_of
from handlers.shared.modals import modal_metadata, text_errors, text_field, with_source_link


def handle_decision_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any,
                               context: BoltContext) -> None:
    """Record the decision of a submitted modal, once per view."""
    text = text_field(view, ids.TEXT_BLOCK, ids.TEXT_ACTION)
    errors = text_errors(text, ids.TEXT_BLOCK)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    meta = with_source_link(client, modal_metadata(view))
    with rt.session() as session:
        if not once(session, team_id=consortium_id, key=f"view:{view['id']}"):
            return
        decision = decision_service.record_decision(
            session, consortium_id=consortium_id, text=text, rationale=text_field(view, ids.RATIONALE_BLOCK,
                                                                                  ids.RATIONALE_ACTION),
            channel_id=meta.get("channel_id") or user_id, thread_ts=meta.get("thread_ts"),
            message_ts=meta.get("message_ts"), permalink=meta.get("permalink"), recorded_by=user_id,
            source=meta.get("source", "modal"), now=rt.clock.now())
        box = enqueue_decision(session, rt, consortium_id=consortium_id, decision_id=decision.id or 0)
    announce(rt, box, what=f"Decision #{decision.id}")
