"""`accord digest --channel C [--consortium C | --team T] [--post]`: print a channel's digest, or post it.

Printing shows the digest as it would be posted now (plain text, nothing recorded). With
``--post`` it is recorded as a digest run and posted at once through the outbox, as `/digest`
is. If Slack refuses it for good, the run is marked failed; if Slack refuses it for now, it
stays pending and a running Accord's outbox retries it.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.app import build_runtime
from bot.config import ConfigError, Settings
from bot.services.digests import build_digest, period_start
from bot.team_option import resolve_consortium
from handlers.digests.blocks import digest_text
from handlers.digests.jobs import post_digest
from handlers.shared.announcements import hint
from storage.db import make_engine, session_scope, upgrade


def run(settings: Settings, *, channel: str, team: str | None, post: bool, consortium: str | None = None) -> int:
    """Print (or with ``post``, post) the digest of ``channel``; the exit code."""
    upgrade(settings.database_url)
    consortium_id = resolve_consortium(settings, consortium=consortium, team=team)
    if not consortium_id:
        print("accord: the database holds no records yet, so there is no digest to show", file=sys.stderr)
        return 1
    if post:
        return _post(settings, consortium_id=consortium_id, channel=channel)
    engine = make_engine(settings.database_url, single_use=True)
    now = datetime.now(UTC)
    try:
        with session_scope(engine) as session:
            start = period_start(session, consortium_id=consortium_id, channel_id=channel, end=now)
            digest = build_digest(session, consortium_id=consortium_id, channel_id=channel, start=start, end=now,
                                  today=now.astimezone(ZoneInfo(settings.timezone)).date())
    finally:
        engine.dispose()
    sys.stdout.write(digest_text(digest))
    return 0


def _post(settings: Settings, *, consortium_id: str, channel: str) -> int:
    if not settings.slack_bot_token and not settings.oauth:
        raise ConfigError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…); "
                          "--post needs it to reach Slack")
    rt = build_runtime(settings)  # under OAuth, with the installations' tokens
    try:
        result = post_digest(rt, consortium_id=consortium_id, channel_id=channel, requested_by=None, trigger="cli")
    finally:
        rt.engine.dispose()
    if result is None:  # a running Accord's outbox took it first
        print(f"Recorded the digest of {channel}: a running Accord is posting it.")
        return 0
    if result.sent:
        print(f"Posted the digest of {channel} (message {result.ts}).")
        return 0
    if result.final:
        print(f"accord: Slack refused the digest: {hint(result.error)} It is recorded as failed.", file=sys.stderr)
    else:
        print(f"accord: Slack refused the digest: {hint(result.error)} It stays pending: a running Accord "
              "retries it.", file=sys.stderr)
    return 1
