"""Answering the user of a request: replies, ephemeral messages, failures, modals, posts and permalinks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext, BoltRequest
from slack_sdk.errors import SlackApiError

from bot.services import ServiceError
from bot.values import ParseError
from handlers.shared.blocks import safe

logger = logging.getLogger("accord.handlers")

def error_text(err: ParseError | ServiceError) -> str:
    """The ephemeral reply for a refused command; the message often quotes the user's text, so it is made safe."""
    if isinstance(err, ParseError) and err.usage:
        return f":warning: {safe(err.message)}\nUsage: `{err.usage}`"
    return f":warning: {safe(err.message)}"


def reply(respond: Callable[..., Any], text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    """Answer the invoking user alone (through the command's response URL)."""
    kwargs: dict[str, Any] = {"text": text, "response_type": "ephemeral", "replace_original": False}
    if blocks is not None:
        kwargs["blocks"] = blocks
    respond(**kwargs)


def whisper(client: Any, *, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
    """An ephemeral message in a channel (for events, which have no response URL)."""
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
    except SlackApiError as err:
        logger.warning("ephemeral_failed channel=%s error=%s", channel, err.response.get("error"))


def whisper_blocks(client: Any, *, channel: str, user: str, text: str, blocks: list[dict[str, Any]]) -> None:
    """An ephemeral message with blocks in a channel (for modal submissions, which have no response URL)."""
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
    except SlackApiError as err:
        logger.warning("ephemeral_failed channel=%s error=%s", channel, err.response.get("error"))


FAILED_TEXT = (":warning: Something went wrong while I worked on that. Please try again; "
               "if it keeps failing, tell a facilitator.")


def report_failure(kwargs: dict[str, Any], error: Exception) -> None:
    """A listener's work failed after its ack: hand the error to the app's error handler (``@app.error``),
    and tell the user who is waiting (a command or a click with a response URL) that their request failed."""
    _to_error_handler(kwargs, error)
    respond = kwargs.get("respond")
    if respond is None or not (kwargs.get("command") or (kwargs.get("body") or {}).get("response_url")):
        return
    try:
        reply(respond, FAILED_TEXT)
    except Exception as err:  # noqa: BLE001 - the failure is logged already; telling it is best effort
        logger.warning("failure_report_failed error=%s", type(err).__name__)


def _listener_body(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The request body, as far as the listener's arguments carry it."""
    for key in ("body", "command"):
        if isinstance(kwargs.get(key), dict):
            return dict(kwargs[key])
    if isinstance(kwargs.get("event"), dict):
        return {"type": "event_callback", "event": kwargs["event"]}
    return {}


def _to_error_handler(kwargs: dict[str, Any], error: Exception) -> None:
    """Run Bolt's listener error handler (the app's ``@app.error``) for an error raised after the ack."""
    context = kwargs.get("context")
    handler = getattr(context.get("listener_runner"), "listener_error_handler", None) if isinstance(
        context, BoltContext) else None
    if handler is None or not isinstance(context, BoltContext):
        logger.error("listener_failed error=%r", error, exc_info=error)
        return
    request = BoltRequest(body=_listener_body(kwargs), mode="socket_mode")
    request.context = context  # the request's own context: its team, user, client and runtime
    try:
        handler.handle(error=error, request=request, response=None)
    except Exception:  # noqa: BLE001 - a failing error handler must not hide the error it was given
        logger.exception("error_handler_failed error=%r", error)


def tell_user(client: Any, *, body: dict[str, Any], respond: Callable[..., Any] | None = None) -> Callable[[str], None]:
    """How to tell the user of an interaction something: ephemeral through its response URL when it has
    one, else an ephemeral message in its channel, else a direct message."""
    user = str((body.get("user") or {}).get("id") or body.get("user_id") or "")
    channel = (body.get("channel") or {}).get("id") if isinstance(body.get("channel"), dict) else body.get("channel_id")

    def tell(text: str) -> None:
        if respond is not None and body.get("response_url"):
            try:
                reply(respond, text)
                return
            except Exception as err:  # noqa: BLE001 - an expired response URL: fall back to the Web API
                logger.warning("respond_failed error=%s", type(err).__name__)
        if channel and not str(channel).startswith("D"):
            whisper(client, channel=str(channel), user=user, text=text)
        elif user:
            post(client, channel=user, text=text)

    return tell


MODAL_FAILED_TEXT = (":warning: I couldn't open the form: Slack answered `{error}` (usually because I took too "
                     "long). Please try again.")


def open_modal(client: Any, *, trigger_id: str, view: dict[str, Any], tell: Callable[[str], object]) -> bool:
    """views.open; when Slack refuses (an expired or invalid trigger…) the user is told to try again.

    True when the modal opened.
    """
    try:
        client.views_open(trigger_id=trigger_id, view=view)
        return True
    except SlackApiError as err:
        error = str(err.response.get("error"))
        logger.warning("modal_failed callback_id=%s error=%s", view.get("callback_id"), error)
        tell(MODAL_FAILED_TEXT.format(error=error))
        return False


def permalink(client: Any, *, channel: str, ts: str) -> str | None:
    """A message's permalink, or None when Slack will not say."""
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError as err:
        logger.warning("permalink_failed channel=%s ts=%s error=%s", channel, ts, err.response.get("error"))
        return None


@dataclass(frozen=True)
class Posted:
    """What became of a chat.postMessage: its ts, or Slack's error code."""

    ts: str | None = None
    channel: str | None = None
    error: str | None = None

    @property
    def hint(self) -> str:
        return POST_FAILED_HINT.get(self.error or "", f"Slack answered `{self.error}`.")


def post(client: Any, **kwargs: Any) -> Posted:
    """chat.postMessage that logs a Slack refusal instead of raising (the record is kept)."""
    try:
        data = client.chat_postMessage(**kwargs).data
        return Posted(ts=data.get("ts"), channel=data.get("channel"))
    except SlackApiError as err:
        error = str(err.response.get("error"))
        logger.warning("post_failed channel=%s error=%s", kwargs.get("channel"), error)
        return Posted(error=error)


POST_FAILED_HINT = {
    "not_in_channel": "I'm not in this channel: invite me with `/invite @Accord` so I can announce records.",
    "channel_not_found": "I can't see this channel: invite me with `/invite @Accord`.",
    "is_archived": "This channel is archived.",
}
