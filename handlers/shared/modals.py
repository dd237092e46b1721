"""Modal state: reading a submitted modal's fields and the metadata it was opened with."""

from __future__ import annotations

import json
from typing import Any

from handlers.shared.blocks import escape
from handlers.shared.grammar import MAX_TEXT
from handlers.shared.replies import permalink


def modal_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The channel/thread a modal was opened for."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def field_value(view: dict[str, Any], block: str, action: str) -> Any:
    """The value of one input of a submitted modal (text, selected user or date), or None."""
    state = view.get("state", {}).get("values", {}).get(block, {}).get(action, {})
    for key in ("value", "selected_user", "selected_date"):
        if state.get(key):
            return state[key]
    return None


def text_field(view: dict[str, Any], block: str, action: str) -> str:
    """A modal text field in Slack's escaped form (modal input arrives unescaped)."""
    return escape(str(field_value(view, block, action) or "").strip())


def text_errors(text: str, block: str) -> dict[str, str] | None:
    """The modal's errors for an empty or too long text field; None when it is fine."""
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
