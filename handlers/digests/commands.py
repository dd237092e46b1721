"""`/digest`: post the channel's digest now, preview it, or schedule it."""

from __future__ import annotations

from slack_bolt import Respond

from bot.runtime import Runtime
from bot.services import digest_runs as runs
from bot.services.digests import build_digest, period_start
from handlers.digests.blocks import digest_blocks, fallback
from handlers.digests.grammar import (
    USAGE,
    DigestCommand,
    DigestPost,
    DigestPreview,
    DigestSchedule,
    parse_digest_command,
)
from handlers.digests.jobs import post_digest
from handlers.shared.announcements import announce, enqueue_message, hint, request_key
from handlers.shared.blocks import slack_date
from handlers.shared.commands import SlashCall, slash_command
from handlers.shared.replies import reply


@slash_command(USAGE, lambda call: parse_digest_command(call.text))
def handle_digest_command(call: SlashCall, parsed: DigestCommand) -> None:
    """`/digest …`: post, preview or schedule."""
    rt, respond = call.rt, call.respond
    consortium_id, user_id, channel_id = call.consortium_id, call.user_id, call.channel_id
    if isinstance(parsed, DigestPreview):
        _preview(rt, respond, consortium_id=consortium_id, channel_id=channel_id)
    elif isinstance(parsed, DigestPost):
        post_digest_now(rt, respond, consortium_id=consortium_id, channel_id=channel_id, user_id=user_id)
    elif isinstance(parsed, DigestSchedule):
        _schedule(rt, respond, parsed, consortium_id=consortium_id, channel_id=channel_id, user_id=user_id)


def _preview(rt: Runtime, respond: Respond, *, consortium_id: str, channel_id: str) -> None:
    """The digest as it would be posted now, to the invoker only: nothing recorded."""
    now = rt.clock.now()
    with rt.reading() as session:
        start = period_start(session, consortium_id=consortium_id, channel_id=channel_id, end=now)
        digest = build_digest(session, consortium_id=consortium_id, channel_id=channel_id, start=start, end=now,
                              today=rt.today(consortium_id))
    reply(respond, fallback(digest), digest_blocks(digest))


def post_digest_now(rt: Runtime, respond: Respond, *, consortium_id: str, channel_id: str, user_id: str) -> None:
    """Record a manual run and post it at once through the outbox (as scheduled digests are)."""
    result = post_digest(rt, consortium_id=consortium_id, channel_id=channel_id, requested_by=user_id,
                         trigger="command")
    if result is None or result.sent:
        return
    if result.final:
        reply(respond, f":warning: I couldn't post the digest: {hint(result.error)} "
                       "Ask for it again with `/digest` once that is fixed.")
    else:
        reply(respond, f":warning: I couldn't post the digest yet: {hint(result.error)} "
                       "I'll try again in a little while.")


def _schedule(rt: Runtime, respond: Respond, parsed: DigestSchedule, *, consortium_id: str, channel_id: str,
              user_id: str) -> None:
    now = rt.clock.now()
    if parsed.off:
        with rt.session() as session:
            stopped = runs.stop_digest_schedule(session, consortium_id=consortium_id, channel_id=channel_id,
                                                actor_id=user_id)
        rt.wake_scheduler()
        reply(respond, "The scheduled digest of this channel is stopped." if stopped
              else "This channel has no scheduled digest.")
        return
    assert parsed.days is not None and parsed.at is not None
    with rt.session() as session:
        schedule = runs.schedule_digest(session, settings=rt.settings, consortium_id=consortium_id,
                                        channel_id=channel_id,
                                        days=parsed.days, at=parsed.at, timezone=parsed.timezone,
                                        actor_id=user_id, now=now)
        when = f"{schedule.days} at {schedule.time} ({schedule.timezone})"
        notice = enqueue_message(session, rt, consortium_id=consortium_id, key=request_key("digest-schedule"),
                                 channel=channel_id,
                                 text=f":calendar: <@{user_id}> scheduled this channel's digest: {when}.")
    rt.wake_scheduler()
    nxt = runs.next_digest_time(schedule, after=now)
    first = f" The next one: {slack_date(nxt)}." if nxt else ""
    reply(respond, f"The digest of this channel will be posted {when}.{first}")
    announce(rt, notice, what="The schedule", respond=respond)
