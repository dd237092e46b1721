"""`/decision`: record, list and revoke decisions; alone it opens a modal."""

from __future__ import annotations

from bot.services import decisions as service
from handlers.decisions.blocks import decision_list_blocks
from handlers.decisions.grammar import (
    USAGE,
    DecisionCommand,
    DecisionCreate,
    DecisionList,
    DecisionModal,
    DecisionReview,
    DecisionRevoke,
    DecisionSupersede,
    parse_decision_command,
)
from handlers.shared.announcements import (
    announce,
    enqueue_decision,
    enqueue_message,
    enqueue_superseded,
    send_now,
)
from handlers.shared.blocks import plain_date, safe
from handlers.shared.commands import SlashCall, slash_command
from handlers.shared.records import decision_modal
from handlers.shared.replies import open_modal, reply


@slash_command(USAGE, lambda call: parse_decision_command(call.text, today=call.rt.today(call.consortium_id)))
def handle_decision_command(call: SlashCall, parsed: DecisionCommand) -> None:
    """`/decision …`: call the service, answer."""
    rt, respond, client, command = call.rt, call.respond, call.client, call.command
    consortium_id, user_id, channel_id = call.consortium_id, call.user_id, call.channel_id
    if isinstance(parsed, DecisionModal):
        open_modal(client, trigger_id=command["trigger_id"], tell=lambda text: reply(respond, text),
                   view=decision_modal(metadata={"channel_id": channel_id}))
    elif isinstance(parsed, DecisionList):
        with rt.session() as session:
            rows = service.recent_decisions(session, consortium_id=consortium_id, channel_id=channel_id)
        reply(respond, "Recent decisions", decision_list_blocks(rows, title="Recent decisions in this channel"))
    elif isinstance(parsed, DecisionRevoke):
        with rt.session() as session:
            decision = service.revoke_decision(session, settings=rt.settings, consortium_id=consortium_id,
                                               decision_id=parsed.id, actor_id=user_id,
                                               reason=parsed.reason, now=rt.clock.now())
            why = f" — {safe(decision.revoke_reason)}" if decision.revoke_reason else ""
            box = enqueue_message(session, rt, consortium_id=consortium_id, key=f"decision:{decision.id}:revoked",
                                  channel=decision.channel_id, thread_ts=decision.message_ts,
                                  text=f":no_entry_sign: Decision #{decision.id} was revoked by <@{user_id}>{why}")
        send_now(rt, [box])
        reply(respond, f"Decision #{decision.id} is revoked.")
    elif isinstance(parsed, DecisionReview):
        _review(call, parsed)
    elif isinstance(parsed, DecisionSupersede):
        _supersede(call, parsed)
    elif isinstance(parsed, DecisionCreate):
        with rt.session() as session:
            decision = service.record_decision(session, consortium_id=consortium_id, text=parsed.text,
                                               channel_id=channel_id, recorded_by=user_id,
                                               now=rt.clock.now())
            box = enqueue_decision(session, rt, consortium_id=consortium_id, decision_id=decision.id or 0)
        announce(rt, box, what=f"Decision #{decision.id}", respond=respond)



def _review(call: SlashCall, parsed: DecisionReview) -> None:
    """`/decision review <id> <date|off>`: set or clear the review day; the channel hears nothing."""
    rt = call.rt
    with rt.session() as session:
        decision = service.set_review(session, settings=rt.settings, consortium_id=call.consortium_id,
                                      decision_id=parsed.id, actor_id=call.user_id, review_on=parsed.review_on,
                                      today=rt.today(call.consortium_id))
    if decision.review_on is None:
        call.reply(f"Decision #{decision.id} has no review date now.")
    else:
        call.reply(f"Decision #{decision.id} is due for review on {plain_date(decision.review_on)}: digests list "
                   "it from that day, and its thread gets a reminder that morning.")


def _supersede(call: SlashCall, parsed: DecisionSupersede) -> None:
    """`/decision supersede <id> <new text>`: record and announce the new decision, note it in the old one's
    thread, all enqueued in the transaction that records it."""
    rt = call.rt
    with rt.session() as session:
        done = service.supersede_decision(session, settings=rt.settings, consortium_id=call.consortium_id,
                                          decision_id=parsed.id, actor_id=call.user_id, text=parsed.text,
                                          channel_id=call.channel_id, now=rt.clock.now())
        new_id = done.new.id or 0
        boxes = [enqueue_decision(session, rt, consortium_id=call.consortium_id, decision_id=new_id),
                 enqueue_superseded(session, rt, consortium_id=call.consortium_id, decision_id=new_id)]
    announce(rt, *boxes, what=f"Decision #{new_id}", respond=call.respond)
    call.reply(f"Decision #{new_id} is recorded and supersedes decision #{parsed.id}.")
