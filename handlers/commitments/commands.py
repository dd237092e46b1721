"""`/commit`: record commitments, list them, change their status; alone it opens a modal."""

from __future__ import annotations

from slack_bolt import Respond

from bot.runtime import Runtime
from bot.services import commitments as service
from bot.services.groups import group_names
from handlers.commitments.blocks import commitment_list_blocks
from handlers.commitments.grammar import (
    USAGE,
    CommitCommand,
    CommitCreate,
    CommitList,
    CommitModal,
    CommitUpdate,
    parse_commit_command,
)
from handlers.shared.announcements import STATUS_VERBS, announce, enqueue_commitment, enqueue_status_change, send_now
from handlers.shared.commands import SlashCall, slash_command
from handlers.shared.records import commitment_modal
from handlers.shared.replies import open_modal, reply

LIST_TITLES = {"channel": "Open commitments in this channel", "mine": "Your open commitments",
               "overdue": "Overdue commitments", "all": "All open commitments"}


@slash_command(USAGE, lambda call: parse_commit_command(call.text, today=call.rt.today(call.consortium_id)))
def handle_commit_command(call: SlashCall, parsed: CommitCommand) -> None:
    """`/commit …`: call the service, answer."""
    rt, respond, client, command = call.rt, call.respond, call.client, call.command
    consortium_id, user_id, channel_id = call.consortium_id, call.user_id, call.channel_id
    if isinstance(parsed, CommitModal):
        open_modal(client, trigger_id=command["trigger_id"], tell=lambda text: reply(respond, text),
                   view=commitment_modal(metadata={"channel_id": channel_id}, owner_id=user_id))
    elif isinstance(parsed, CommitList):
        _list(rt, respond, parsed, consortium_id=consortium_id, user_id=user_id, channel_id=channel_id)
    elif isinstance(parsed, CommitUpdate):
        with rt.session() as session:
            commitment, changed = service.change_status(
                session, settings=rt.settings, consortium_id=consortium_id, commitment_id=parsed.id, actor_id=user_id,
                action=parsed.action, note=parsed.note, now=rt.clock.now())
            box = enqueue_status_change(session, rt, commitment=commitment, action=parsed.action,
                                        actor_id=user_id, note=parsed.note) if changed else None
        if not changed:
            reply(respond, f"Commitment #{commitment.id} is already {commitment.status}.")
            return
        send_now(rt, [box])
        reply(respond, f"Commitment #{commitment.id} {STATUS_VERBS[parsed.action]}.")
    elif isinstance(parsed, CommitCreate):
        with rt.session() as session:
            commitment = service.record_commitment(
                session, consortium_id=consortium_id, text=parsed.text, owner_id=parsed.owner_id or user_id,
                due_date=parsed.due_date, created_by=user_id, channel_id=channel_id, now=rt.clock.now(),
                decision_id=parsed.decision_id)
            box = enqueue_commitment(session, rt, consortium_id=consortium_id, commitment_id=commitment.id or 0,
                                     decision_id=commitment.decision_id)
        announce(rt, box, what=f"Commitment #{commitment.id}", respond=respond)


def _list(rt: Runtime, respond: Respond, parsed: CommitList, *, consortium_id: str, user_id: str,
          channel_id: str) -> None:
    whose = parsed.user_id if parsed.scope == "user" and parsed.user_id else user_id
    limit = 200
    with rt.session() as session:
        rows = service.list_for_scope(session, consortium_id=consortium_id, scope=parsed.scope, channel_id=channel_id,
                                      user_id=whose, today=rt.today(consortium_id), limit=limit)
        names = group_names(session, consortium_id=consortium_id)
    title = LIST_TITLES.get(parsed.scope, f"Open commitments of <@{whose}>")
    reply(respond, title, commitment_list_blocks(rows, title=title, today=rt.today(consortium_id), groups=names))
