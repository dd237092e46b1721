"""Scheduled check-in work, the Slack side: open due rounds, remind, close; and the messages they send.

Each task is ``task(rt, now)``; claims happen in short transactions (bot.services.checkins).
Prompts, reminders and round summaries are enqueued in the outbox in the transaction that
claims them; the outbox kinds registered here build each message when it is sent, and record
what Slack answered.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.outbox import Delivered, Parent, SlackCall, register_kind
from bot.runtime import Runtime
from bot.services import checkins as service
from handlers.checkins.blocks import (
    channel_prompt_blocks,
    channel_prompt_text,
    prompt_blocks,
    prompt_text,
    reminder_blocks,
    reminder_text,
    summary_text,
    summary_thread_blocks,
)
from handlers.shared.announcements import enqueue_message
from handlers.shared.blocks import section
from storage.types import Session

logger = logging.getLogger("accord.checkins")

# What Slack answers (chat.postMessage, conversations.open) when a direct message to a user can't
# be opened from this workspace — typically a member of another organisation's workspace met in a
# Slack Connect channel: the id is not valid here (channel_not_found, user_not_found), the user is
# hidden from this workspace (user_not_visible), or the external user and the bot must share a
# channel first (invalid_user_combination). The prompt then goes to the group's channel,
# mentioning the member. Refusals a channel post would not cure (cannot_dm_bot, user_disabled,
# account_inactive…) are not here.
DM_REFUSED = frozenset({"channel_not_found", "user_not_found", "user_not_visible", "invalid_user_combination"})


def open_due_rounds(rt: Runtime, now: datetime) -> None:
    """Open every round that is due (their prompts are enqueued with them)."""
    with rt.session() as session:
        opened = service.open_due_rounds(session, settings=rt.settings, now=now)
    if opened:
        rt.outbox.wake()


def send_reminders(rt: Runtime, now: datetime) -> None:
    """Remind, once, the members who have not answered a round whose reminder time has come."""
    with rt.session() as session:
        reminders = service.claim_reminders(session, now=now)
        for r in reminders:  # claimed and enqueued together: the outbox sends each once
            enqueue_message(session, rt, consortium_id=r.consortium_id, key=f"checkin-prompt:{r.prompt_id}:remind",
                            channel=r.channel_id, thread_ts=r.thread_ts, reply_broadcast=not r.in_channel,
                            text=reminder_text(r), blocks=reminder_blocks(r))
    if reminders:
        rt.outbox.wake()
        logger.info("checkin_reminders_enqueued count=%s", len(reminders))


def close_rounds(rt: Runtime, now: datetime) -> None:
    """Close every round whose time is up (their summaries are enqueued with the closing)."""
    with rt.session() as session:
        summaries = service.claim_closings(session, now=now)
    for summary in summaries:
        logger.info("checkin_round_closed round=%s asked=%s answered=%s", summary.round.id, len(summary.asked),
                    len(summary.responses))
    if summaries:
        rt.outbox.wake()


TASKS = [("checkins.open", open_due_rounds), ("checkins.remind", send_reminders),
         ("checkins.close", close_rounds)]


# --- the outbox kinds -------------------------------------------------------------------------------

def _render_prompt(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    consortium_id = ref["team_id"]
    with rt.reading() as session:
        delivery = service.delivery(session, consortium_id=consortium_id, prompt_id=ref["prompt_id"])
    if delivery is None:
        return None
    today = rt.today(consortium_id)
    instead = None
    if delivery.channel_id:  # a DM Slack refuses goes to the group's channel, mentioning the member
        instead = SlackCall("chat_postMessage", {"channel": delivery.channel_id, "text": channel_prompt_text(delivery),
                                                 "blocks": channel_prompt_blocks(delivery, today=today)})
    return SlackCall("chat_postMessage", {"channel": delivery.user_id, "text": prompt_text(delivery),
                                          "blocks": prompt_blocks(delivery, today=today)},
                     instead=instead, instead_on=DM_REFUSED if instead else frozenset())


def _prompt_sent(session: Session, ref: dict[str, Any], sent: Delivered) -> None:
    if sent.ts is not None and sent.at is not None:
        service.prompt_sent(session, consortium_id=ref["team_id"], prompt_id=ref["prompt_id"], ts=sent.ts,
                            channel=sent.channel, now=sent.at, dm_refused=sent.memo.get("instead_of"))


def _prompt_failed(session: Session, ref: dict[str, Any], error: str) -> None:
    service.prompt_failed(session, consortium_id=ref["team_id"], prompt_id=ref["prompt_id"], error=error)


def _summary(rt: Runtime, ref: dict[str, Any]) -> service.RoundSummary | None:
    with rt.reading() as session:
        summary = service.closed_round_summary(session, consortium_id=ref["team_id"], round_id=ref["round_id"])
    return summary if summary is not None and summary.channel_id else None


def _render_summary(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    summary = _summary(rt, ref)
    if summary is None:
        return None
    text = summary_text(summary)
    return SlackCall("chat_postMessage", {"channel": summary.channel_id, "text": text, "blocks": [section(text)]})


def _summary_sent(session: Session, ref: dict[str, Any], sent: Delivered) -> None:
    service.set_summary_ts(session, consortium_id=ref["team_id"], round_id=ref["round_id"], ts=sent.ts)


def _render_details(rt: Runtime, ref: dict[str, Any], parent: Parent | None) -> SlackCall | None:
    summary = _summary(rt, ref)
    if summary is None or parent is None or not parent.ts:
        return None
    return SlackCall("chat_postMessage", {"channel": summary.channel_id, "thread_ts": parent.ts,
                                          "text": "Check-in details", "blocks": summary_thread_blocks(summary)})


register_kind(service.PROMPT, _render_prompt, on_sent=_prompt_sent, on_failed=_prompt_failed)
register_kind(service.SUMMARY, _render_summary, on_sent=_summary_sent)
register_kind(service.SUMMARY_DETAILS, _render_details)
