"""`/commit`: record commitments, list them, change their status; alone it opens a modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.runtime import Runtime
from bot.services import ServiceError
from bot.services import commitments as service
from handlers.blocks.common import fallback_text, safe
from handlers.blocks.help import usage_text
from handlers.blocks.records import commitment_blocks, commitment_list_blocks, commitment_modal
from handlers.common import error_text, permalink, post, reply, runtime, team_of
from handlers.parsing import (
    CommitCreate,
    CommitList,
    CommitModal,
    CommitUpdate,
    Help,
    ParseError,
    parse_commit_command,
)
from storage.groups import group_names
from storage.models import Commitment

LIST_TITLES = {"channel": "Open commitments in this channel", "mine": "Your open commitments",
               "overdue": "Overdue commitments", "all": "All open commitments"}
VERBS = {"done": "marked done", "block": "marked blocked", "drop": "dropped"}


def handle_commit_command(ack: Ack, command: dict[str, Any], respond: Respond, client: Any,
                          context: BoltContext) -> None:
    """Parse `/commit …`, call the service, answer."""
    ack()
    rt = runtime(context)
    team_id, user_id, channel_id = team_of(context), command["user_id"], command["channel_id"]
    try:
        parsed = parse_commit_command(command.get("text", ""), today=rt.today(team_id))
        if isinstance(parsed, Help):
            reply(respond, usage_text("commit"))
        elif isinstance(parsed, CommitModal):
            client.views_open(trigger_id=command["trigger_id"],
                              view=commitment_modal(metadata={"channel_id": channel_id}, owner_id=user_id))
        elif isinstance(parsed, CommitList):
            _list(rt, respond, parsed, team_id=team_id, user_id=user_id, channel_id=channel_id)
        elif isinstance(parsed, CommitUpdate):
            with rt.session() as session:
                commitment, changed = service.change_status(
                    session, settings=rt.settings, team_id=team_id, commitment_id=parsed.id, actor_id=user_id,
                    action=parsed.action, note=parsed.note, now=rt.clock.now())
            if not changed:
                reply(respond, f"Commitment #{commitment.id} is already {commitment.status}.")
                return
            note = f" — {safe(parsed.note)}" if parsed.note else ""
            post(client, channel=commitment.channel_id, thread_ts=commitment.message_ts,
                 text=f"Commitment #{commitment.id} {VERBS[parsed.action]} by <@{user_id}>{note}")
            reply(respond, f"Commitment #{commitment.id} {VERBS[parsed.action]}.")
        elif isinstance(parsed, CommitCreate):
            with rt.session() as session:
                commitment = service.record_commitment(
                    session, team_id=team_id, text=parsed.text, owner_id=parsed.owner_id or user_id,
                    due_date=parsed.due_date, created_by=user_id, channel_id=channel_id, now=rt.clock.now())
            announce_commitment(rt, client, commitment=commitment, respond=respond)
    except (ParseError, ServiceError) as err:
        reply(respond, error_text(err))


def _list(rt: Runtime, respond: Respond, parsed: CommitList, *, team_id: str, user_id: str, channel_id: str) -> None:
    whose = parsed.user_id if parsed.scope == "user" and parsed.user_id else user_id
    limit = 200
    with rt.session() as session:
        rows = service.list_for_scope(session, team_id=team_id, scope=parsed.scope, channel_id=channel_id,
                                      user_id=whose, today=rt.today(team_id), limit=limit)
        names = group_names(session, team_id=team_id)
    title = LIST_TITLES.get(parsed.scope, f"Open commitments of <@{whose}>")
    reply(respond, title, commitment_list_blocks(rows, title=title, today=rt.today(team_id), groups=names))


def announce_commitment(rt: Runtime, client: Any, *, commitment: Commitment, respond: Respond | None = None) -> None:
    """Post a new commitment in its channel and remember the message and its permalink."""
    with rt.session() as session:
        group = group_names(session, team_id=commitment.team_id).get(commitment.group_id or 0)
    posted = post(client, channel=commitment.channel_id, thread_ts=commitment.thread_ts,
                  text=fallback_text(f"Commitment #{commitment.id} for <@{commitment.owner_id}>: {commitment.text}"),
                  blocks=commitment_blocks(commitment, today=rt.today(commitment.team_id), group=group))
    if posted.ts is None:
        if respond is not None:
            reply(respond, f"Commitment #{commitment.id} is recorded, but I couldn't announce it: {posted.hint}")
        return
    link = commitment.permalink or permalink(client, channel=commitment.channel_id, ts=posted.ts)
    with rt.session() as session:
        service.set_commitment_link(session, team_id=commitment.team_id, commitment_id=commitment.id or 0,
                                    message_ts=posted.ts, permalink=link)
