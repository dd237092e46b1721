"""Event listeners of threads: messages (`Decision:` / `Action:` lines, after other features' routes), mentions."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from bot.values import ParseError
from handlers.shared.context import once, runtime, team_of
from handlers.shared.messages import route_message
from handlers.shared.replies import error_text, whisper
from handlers.shared.workspaces import note_member_workspace, user_team
from handlers.threads.capture import record_from_message, reply_mention_help, reply_thread_summary
from handlers.threads.grammar import RecordMessage, Summary, parse_mention, parse_record_message

IGNORED_SUBTYPES = {"message_changed", "message_deleted", "bot_message", "channel_join", "channel_leave"}


def from_a_bot(event: dict[str, Any]) -> bool:
    """A message or mention posted by an app (another's or Accord's own): never recorded nor answered."""
    return bool(event.get("bot_id") or event.get("bot_profile") or event.get("subtype") == "bot_message")


def handle_message(event: dict[str, Any], client: Any, context: BoltContext) -> None:
    """Every message event: check-in replies first, then `Decision:` / `Action:` lines."""
    if event.get("subtype") in IGNORED_SUBTYPES or from_a_bot(event) or not event.get("user"):
        return
    rt = runtime(context)
    consortium_id = team_of(context)
    if route_message(rt, client, consortium_id=consortium_id, event=event):
        return
    text = event.get("text") or ""
    if text.lstrip().startswith("<@"):
        return  # a mention: the app_mention listener answers it
    try:
        found = parse_record_message(text, bot_user_id=context.bot_user_id)
    except ParseError as err:
        whisper(client, channel=event["channel"], user=event["user"], thread_ts=event.get("thread_ts"),
                text=error_text(err))
        return
    if found is not None:
        note_member_workspace(rt, client, consortium_id=consortium_id, user_id=event["user"], team_id=user_team(event),
                              enterprise_id=context.actor_enterprise_id)
        record_from_message(rt, client, consortium_id=consortium_id, event=event, found=found)


def handle_app_mention(event: dict[str, Any], client: Any, context: BoltContext) -> None:
    """`@Accord decision: …`, `@Accord action: …` or `@Accord summary` (from people, not apps)."""
    if from_a_bot(event):
        return
    rt = runtime(context)
    consortium_id = team_of(context)
    try:
        found = parse_mention(event.get("text") or "", bot_user_id=context.bot_user_id or "")
    except ParseError as err:
        whisper(client, channel=event["channel"], user=event.get("user", ""), thread_ts=event.get("thread_ts"),
                text=error_text(err))
        return
    if not isinstance(found, RecordMessage):
        with rt.session() as session:  # Slack may deliver a mention twice: answer once
            if not once(session, team_id=consortium_id, key=f"mention:{event['channel']}:{event['ts']}"):
                return
    if isinstance(found, Summary):
        reply_thread_summary(rt, client, consortium_id=consortium_id, event=event)
    elif isinstance(found, RecordMessage):
        note_member_workspace(rt, client, consortium_id=consortium_id, user_id=event.get("user", ""),
                              team_id=user_team(event), enterprise_id=context.actor_enterprise_id)
        record_from_message(rt, client, consortium_id=consortium_id, event=event, found=found)
    else:
        reply_mention_help(client, event=event)
