"""The *Answer check-in* button of a prompt (and of its reminder): opens the check-in modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.services import ServiceError
from bot.services import checkin_answers as answers
from handlers.checkins.blocks import checkin_modal
from handlers.shared.context import runtime, team_of
from handlers.shared.replies import error_text, open_modal, reply, tell_user


def handle_open_checkin(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: Any,
                        context: BoltContext) -> None:
    """Open the modal of the prompt the button belongs to (only for the member it was sent to)."""
    ack()
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    value = str(action.get("value") or "")
    try:
        with rt.reading() as session:
            form = answers.checkin_form(session, consortium_id=consortium_id, user_id=user_id,
                                        prompt_id=int(value) if value.isdigit() else None)
    except ServiceError as err:
        reply(respond, error_text(err))
        return
    open_modal(client, trigger_id=body["trigger_id"], view=checkin_modal(form),
               tell=tell_user(client, body=body, respond=respond))
