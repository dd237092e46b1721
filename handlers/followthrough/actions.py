"""The buttons of the owner's reminder: Done at once, Blocked and New date through a small modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.runtime import Runtime
from bot.services import ServiceError
from bot.services import commitments as service
from bot.values import ParseError
from handlers.followthrough.blocks import block_modal, due_date_modal
from handlers.shared.announcements import change_commitment_status
from handlers.shared.context import runtime, team_of
from handlers.shared.grammar import parse_record_id
from handlers.shared.replies import error_text, open_modal, reply, tell_user


def _silent(*_args: Any, **_kwargs: Any) -> None:
    return None


def _answer(body: dict[str, Any], respond: Respond) -> Callable[..., Any]:
    return respond if body.get("response_url") else _silent


def handle_done_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                       context: BoltContext) -> None:
    """Done: mark the commitment done (owner or facilitator) and say so."""
    ack()
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    try:
        commitment_id = parse_record_id(str(action.get("value") or ""))
    except ParseError as err:
        reply(_answer(body, respond), error_text(err))
        return
    reply(_answer(body, respond), change_commitment(rt, consortium_id=consortium_id, user_id=user_id,
                                                    commitment_id=commitment_id, action="done", note=None))


def change_commitment(rt: Runtime, *, consortium_id: str, user_id: str, commitment_id: int, action: str,
                      note: str | None) -> str:
    """Change a commitment's status from a reminder; what to tell the user."""
    return change_commitment_status(rt, consortium_id=consortium_id, user_id=user_id, commitment_id=commitment_id,
                                    action=action, note=note, source="reminder")


def _open(body: dict[str, Any], action: dict[str, Any], respond: Respond, client: Any, context: BoltContext,
          build: Callable[[Any], dict[str, Any]]) -> None:
    rt, consortium_id = runtime(context), team_of(context)
    tell = tell_user(client, body=body, respond=respond)
    try:
        commitment_id = parse_record_id(str(action.get("value") or ""))
        with rt.reading() as session:
            commitment = service.get_commitment(session, consortium_id=consortium_id, commitment_id=commitment_id)
    except (ParseError, ServiceError) as err:
        tell(error_text(err))
        return
    open_modal(client, trigger_id=body["trigger_id"], view=build(commitment), tell=tell)


def handle_blocked_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: Any,
                          context: BoltContext) -> None:
    """Blocked: ask why in a modal."""
    ack()
    _open(body, action, respond, client, context, block_modal)


def handle_new_date_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: Any,
                           context: BoltContext) -> None:
    """New date: ask for the new due date in a modal."""
    ack()
    _open(body, action, respond, client, context, due_date_modal)
