"""Message shortcuts: *Log as decision* and *Log as commitment*.

The modal is opened before any other Slack call: a trigger expires three seconds after the
click. The message's permalink is asked for when the modal is submitted.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from handlers.shared.blocks import unescape
from handlers.shared.records import commitment_modal, decision_modal
from handlers.shared.replies import open_modal, tell_user


def _metadata(body: dict[str, Any]) -> dict[str, Any]:
    message = body.get("message", {})
    ts = message.get("ts")
    return {"channel_id": body.get("channel", {}).get("id"), "thread_ts": message.get("thread_ts") or ts,
            "message_ts": ts, "source": "shortcut"}


def handle_log_decision(ack: Ack, body: dict[str, Any], client: Any, respond: Respond, context: BoltContext) -> None:
    """Open the decision modal prefilled with the message."""
    ack()
    text = unescape(body.get("message", {}).get("text") or "")
    open_modal(client, trigger_id=body["trigger_id"], view=decision_modal(metadata=_metadata(body), initial_text=text),
               tell=tell_user(client, body=body, respond=respond))


def handle_log_commitment(ack: Ack, body: dict[str, Any], client: Any, respond: Respond,
                          context: BoltContext) -> None:
    """Open the commitment modal prefilled with the message (owner: its author)."""
    ack()
    message = body.get("message", {})
    owner = message.get("user") or body["user"]["id"]
    view = commitment_modal(metadata=_metadata(body), owner_id=owner, initial_text=unescape(message.get("text") or ""))
    open_modal(client, trigger_id=body["trigger_id"], view=view, tell=tell_user(client, body=body, respond=respond))

