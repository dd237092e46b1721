"""Message shortcuts: *Log as decision* and *Log as commitment*."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from handlers import ids
from handlers.blocks.common import unescape
from handlers.blocks.records import commitment_modal, decision_modal
from handlers.common import permalink


def _metadata(body: dict[str, Any], client: Any) -> dict[str, Any]:
    message = body.get("message", {})
    channel = body.get("channel", {}).get("id")
    ts = message.get("ts")
    return {"channel_id": channel, "thread_ts": message.get("thread_ts") or ts, "message_ts": ts,
            "permalink": permalink(client, channel=channel, ts=ts) if channel and ts else None,
            "source": "shortcut"}


def handle_log_decision(ack: Ack, body: dict[str, Any], client: Any, context: BoltContext) -> None:
    """Open the decision modal prefilled with the message."""
    ack()
    text = unescape(body.get("message", {}).get("text") or "")
    client.views_open(trigger_id=body["trigger_id"],
                      view=decision_modal(metadata=_metadata(body, client), initial_text=text))


def handle_log_commitment(ack: Ack, body: dict[str, Any], client: Any, context: BoltContext) -> None:
    """Open the commitment modal prefilled with the message (owner: its author)."""
    ack()
    message = body.get("message", {})
    owner = message.get("user") or body["user"]["id"]
    client.views_open(trigger_id=body["trigger_id"],
                      view=commitment_modal(metadata=_metadata(body, client), owner_id=owner,
                                            initial_text=unescape(message.get("text") or "")))


def register(app: App) -> None:
    app.message_shortcut(ids.LOG_DECISION_SHORTCUT)(handle_log_decision)
    app.message_shortcut(ids.LOG_COMMITMENT_SHORTCUT)(handle_log_commitment)
