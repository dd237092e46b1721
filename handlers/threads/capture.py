"""Recording decisions and commitments from messages: `Decision:` / `Action:` lines and mentions."""

from __future__ import annotations

from typing import Any

from bot.runtime import Runtime
from bot.services import commitments as commitment_service
from bot.services import decisions as decision_service
from bot.services.threads import thread_records
from bot.values import ParseError
from handlers.shared.announcements import enqueue_message, send_now
from handlers.shared.blocks import plain_date, section, truncate
from handlers.shared.context import once
from handlers.shared.grammar import parse_commitment_text
from handlers.shared.replies import error_text, permalink, post, whisper
from handlers.threads.blocks import thread_summary_blocks
from handlers.threads.grammar import RecordMessage


def record_from_message(rt: Runtime, client: Any, *, consortium_id: str, event: dict[str, Any],
                        found: RecordMessage) -> None:
    """Record what a message says, once per message however often Slack delivers it."""
    channel, ts, user = event["channel"], event["ts"], event.get("user") or ""
    thread_ts = event.get("thread_ts") or ts
    try:
        parsed = (parse_commitment_text(found.body, today=rt.today(consortium_id))
                  if found.kind == "commitment" else None)
    except ParseError as err:
        whisper(client, channel=channel, user=user, thread_ts=event.get("thread_ts"), text=error_text(err))
        return
    link = permalink(client, channel=channel, ts=ts)
    with rt.session() as session:
        if not once(session, team_id=consortium_id, key=f"msg:{channel}:{ts}"):
            return
        common = {"consortium_id": consortium_id, "channel_id": channel, "thread_ts": thread_ts, "message_ts": ts,
                  "permalink": link, "source": "message", "now": rt.clock.now()}
        if parsed is None:
            record: Any = decision_service.record_decision(session, text=found.body, recorded_by=user, **common)
            what = f":memo: Recorded *decision #{record.id}*."
        else:
            record = commitment_service.record_commitment(
                session, text=parsed.text, owner_id=parsed.owner_id or user, due_date=parsed.due_date,
                created_by=user, **common)
            due = f", due {plain_date(record.due_date)}" if record.due_date else ""
            what = f":handshake: Recorded *commitment #{record.id}* for <@{record.owner_id}>{due}."
        where = f" <{link}|View the message>" if link else ""
        box = enqueue_message(session, rt, consortium_id=consortium_id, key=f"msg:{channel}:{ts}:confirm",
                              channel=channel,
                              thread_ts=thread_ts, text=what + where)
    send_now(rt, [box])


def reply_thread_summary(rt: Runtime, client: Any, *, consortium_id: str, event: dict[str, Any]) -> None:
    """Answer `@Accord summary` with what this thread recorded."""
    channel = event["channel"]
    thread_ts = event.get("thread_ts") or event["ts"]
    with rt.session() as session:
        decisions, commitments = thread_records(session, consortium_id=consortium_id, channel_id=channel,
                                                thread_ts=thread_ts)
    blocks = thread_summary_blocks(decisions, commitments, today=rt.today(consortium_id))
    post(client, channel=channel, thread_ts=thread_ts, text="What this thread recorded", blocks=blocks)


def reply_mention_help(client: Any, *, event: dict[str, Any]) -> None:
    """A mention Accord did not understand: say what it can do, in the thread."""
    text = ("In a thread, mention me with `decision: …`, `action: …` or `summary`. "
            "Every command: `/accord help`.")
    post(client, channel=event["channel"], thread_ts=event.get("thread_ts") or event["ts"],
         text=text, blocks=[section(truncate(text, 3000))])
