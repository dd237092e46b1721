"""Scheduled check-in work, the Slack side: open due rounds, deliver prompts, remind, close with a summary.

Each task is ``task(rt, now)``. Claims happen in short transactions (bot.services.checkins);
Slack is called outside them. Prompts go out from a small thread pool (the Web API client
retries 429s after Retry-After and 5xx answers itself); what still fails is retried on later
ticks with backoff, and given up on (logged at ERROR, shown in the summary) after a few attempts.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.runtime import Runtime
from bot.services import checkins as service
from handlers.announcements import enqueue_message
from handlers.blocks.checkins import (
    prompt_blocks,
    prompt_text,
    reminder_blocks,
    reminder_text,
    summary_text,
    summary_thread_blocks,
)
from handlers.blocks.common import section
from handlers.common import post

logger = logging.getLogger("accord.checkins")

WORKERS = 4
TIME_BUDGET = 15.0  # seconds of delivery per tick (other due work waits meanwhile); the rest goes next tick


def open_due_rounds(rt: Runtime, now: datetime) -> None:
    """Open every round that is due (prompts are delivered by :func:`deliver_prompts` in the same tick)."""
    with rt.session() as session:
        service.open_due_rounds(session, settings=rt.settings, now=now)


def _send_prompt(client: Any, delivery: service.Delivery, today: Any) -> service.Outcome:
    outcome = service.Outcome(prompt_id=delivery.prompt_id, team_id=delivery.team_id, user_id=delivery.user_id,
                              attempts=delivery.attempts)
    try:
        data = client.chat_postMessage(channel=delivery.user_id, text=prompt_text(delivery),
                                       blocks=prompt_blocks(delivery, today=today)).data
        if data.get("ts"):
            return replace(outcome, ts=data["ts"], channel=data.get("channel") or delivery.user_id)
        error = "no_ts"
    except SlackApiError as err:
        error = str(err.response.get("error") or f"http_{err.response.status_code}")
    except (SlackRequestError, OSError) as err:  # the connection failed even after the client's retries
        error = type(err).__name__
    logger.warning("checkin_prompt_not_sent prompt=%s user=%s attempt=%s error=%s",
                   delivery.prompt_id, delivery.user_id, delivery.attempts + 1, error)
    return replace(outcome, error=error)


def deliver_prompts(rt: Runtime, now: datetime) -> None:
    """Claim pending prompts in small batches and send them, each exactly once."""
    deadline = time.monotonic() + TIME_BUDGET
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="accord-checkin") as pool:
        while time.monotonic() < deadline:
            with rt.session() as session:
                batch = service.claim_deliveries(session, now=now)
            if not batch:
                return
            teams = {d.team_id for d in batch}
            clients = {team: rt.client_for(team) for team in teams}
            today = {team: rt.today(team) for team in teams}
            outcomes = list(pool.map(_send_prompt, [clients[d.team_id] for d in batch], batch,
                                     [today[d.team_id] for d in batch]))
            with rt.session() as session:
                final = service.record_deliveries(session, outcomes=outcomes, now=now)
            for o in final:
                logger.error("checkin_prompt_failed prompt=%s team=%s user=%s attempts=%s error=%s",
                             o.prompt_id, o.team_id, o.user_id, o.attempts + 1, o.error)


def send_reminders(rt: Runtime, now: datetime) -> None:
    """Remind, once, the members who have not answered a round whose reminder time has come."""
    with rt.session() as session:
        reminders = service.claim_reminders(session, now=now)
        for r in reminders:  # claimed and enqueued together: the outbox sends each once
            enqueue_message(session, rt, team_id=r.team_id, key=f"checkin-prompt:{r.prompt_id}:remind",
                            channel=r.channel_id, thread_ts=r.thread_ts, reply_broadcast=True,
                            text=reminder_text(r), blocks=reminder_blocks(r))
    if reminders:
        rt.outbox.wake()
        logger.info("checkin_reminders_enqueued count=%s", len(reminders))


def close_rounds(rt: Runtime, now: datetime) -> None:
    """Close every round whose time is up; the summaries are posted by :func:`post_summaries`."""
    with rt.session() as session:
        summaries = service.claim_closings(session, now=now)
    for summary in summaries:
        logger.info("checkin_round_closed round=%s asked=%s answered=%s", summary.round.id, len(summary.asked),
                    len(summary.responses))


def post_summaries(rt: Runtime, now: datetime) -> None:
    """Post each closed round's summary in its group's channel (details in a thread), retrying refusals."""
    with rt.session() as session:
        summaries = service.claim_summaries_to_post(session, now=now)
    for summary in summaries:
        assert summary.round.id is not None and summary.channel_id
        client = rt.client_for(summary.round.team_id)
        text = summary_text(summary)
        head = post(client, channel=summary.channel_id, text=text, blocks=[section(text)])
        with rt.session() as session:
            if head.ts is None:
                service.summary_refused(session, summary=summary, now=now, error=head.error)
                continue
            service.set_summary_ts(session, round_id=summary.round.id, ts=head.ts)
        post(client, channel=summary.channel_id, thread_ts=head.ts, text="Check-in details",
             blocks=summary_thread_blocks(summary))


TASKS = [("checkins.open", open_due_rounds), ("checkins.deliver", deliver_prompts),
         ("checkins.remind", send_reminders), ("checkins.close", close_rounds),
         ("checkins.summaries", post_summaries)]
