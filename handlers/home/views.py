"""The App Home's "why is it blocked?" modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from handlers.home.actions import DEFAULT_BLOCK_NOTE, change_from_home
from handlers.home.events import publish_home
from handlers.shared import ids
from handlers.shared.blocks import escape
from handlers.shared.context import runtime, team_of


def handle_home_block_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any,
                                 context: BoltContext) -> None:
    """Mark the commitment blocked with the reason given (or "blocked from App Home"), then re-publish."""
    ack()
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    state = view.get("state", {}).get("values", {}).get(ids.HOME_BLOCK_REASON_BLOCK, {})
    reason = escape(str(state.get(ids.HOME_BLOCK_REASON_ACTION, {}).get("value") or "").strip())
    try:
        commitment_id = int(view.get("private_metadata") or "")
    except ValueError:
        return
    notice = change_from_home(rt, client, consortium_id=consortium_id, user_id=user_id, commitment_id=commitment_id,
                              action="block", note=reason or DEFAULT_BLOCK_NOTE)
    publish_home(rt, client, consortium_id=consortium_id, user_id=user_id, notice=notice)
