"""A decision's *Add a commitment* button: the commitment modal, pre-filled with that decision."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.services import ServiceError
from bot.services import commitments as service
from bot.services import decisions as decision_service
from bot.values import ParseError
from handlers.shared.context import runtime, team_of
from handlers.shared.grammar import parse_record_id
from handlers.shared.records import commitment_modal
from handlers.shared.replies import error_text, open_modal, tell_user


def handle_add_commitment_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                                 client: Any, context: BoltContext) -> None:
    """Open the commitment modal for the decision (active decisions only), owned by the clicker by default."""
    ack()
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    tell = tell_user(client, body=body, respond=respond)
    try:
        decision_id = parse_record_id(str(action.get("value") or ""))
        with rt.session() as session:
            service.check_decision(session, consortium_id=consortium_id, decision_id=decision_id)
            decision = decision_service.get_decision(session, consortium_id=consortium_id, decision_id=decision_id)
    except (ParseError, ServiceError) as err:
        tell(error_text(err))
        return
    metadata = {"channel_id": decision.channel_id, "thread_ts": decision.message_ts or decision.thread_ts}
    open_modal(client, trigger_id=body["trigger_id"], tell=tell,
               view=commitment_modal(metadata=metadata, owner_id=user_id, decision_id=decision_id))
