"""What every listener shares: the runtime, replying to one user, and claiming a delivery once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.runtime import Runtime
from bot.services import ServiceError
from handlers.parsing import ParseError
from storage.teams import claim_event

logger = logging.getLogger("accord.handlers")

RUNTIME_KEY = "accord_runtime"


def runtime(context: BoltContext) -> Runtime:
    """The process runtime, put on every request's context by the app factory."""
    rt = context.get(RUNTIME_KEY)
    assert isinstance(rt, Runtime), "the app factory installs the runtime middleware"
    return rt


def team_of(context: BoltContext) -> str:
    """The Slack team (workspace) of a request."""
    team_id = context.team_id or context.enterprise_id
    if not team_id:
        raise ServiceError("This request has no workspace id.")
    return team_id


def error_text(err: ParseError | ServiceError) -> str:
    """The ephemeral reply for a refused command."""
    if isinstance(err, ParseError) and err.usage:
        return f":warning: {err.message}\nUsage: `{err.usage}`"
    return f":warning: {err.message}"


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


def once(session: Session, *, team_id: str, key: str) -> bool:
    """Claim a Slack delivery in the caller's transaction; False when it was already handled."""
    return claim_event(session, team_id=team_id, key=key)


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
