"""Scheduled digests: claim each due time once, then deliver pending runs (also retries).

Delivery is the one code path for every digest that is posted — `/digest`, the schedule and
`accord digest --post`: lease the run (conditional update), build the digest, post it outside
any transaction, then mark it posted or leave it pending with a later next attempt.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.runtime import Runtime
from bot.services import digest_runs as runs
from bot.services.digests import build_digest, period_start
from handlers.blocks.digest import digest_blocks, fallback
from handlers.common import Posted, post
from storage.models import DigestRun

logger = logging.getLogger("accord.jobs.digests")


def run_scheduled_digests(rt: Runtime, now: datetime) -> None:
    """Claim the digests that fell due (within the catch-up grace), then deliver pending runs."""
    with rt.session() as session:
        claimed = runs.claim_scheduled_runs(session, schedules=runs.list_schedules(session), now=now,
                                            grace=rt.settings.catchup_grace)
    for run in claimed:
        logger.info("digest_claimed team=%s channel=%s run_key=%s", run.team_id, run.channel_id, run.run_key)
    deliver_due_digests(rt, now)


def deliver_due_digests(rt: Runtime, now: datetime) -> None:
    """Deliver every pending run whose next attempt is due (first attempts and retries)."""
    with rt.session() as session:
        pending = runs.due_runs(session, now=now)
    for run in pending:
        assert run.id is not None
        deliver_run(rt, team_id=run.team_id, run_id=run.id, now=now)


def deliver_run(rt: Runtime, *, team_id: str, run_id: int, now: datetime,
                leased: bool = False) -> Posted | None:
    """Post one run once: None when another process holds it or it is no longer pending.

    ``leased`` says the caller created the run already leased (`/digest`, the CLI).
    """
    today = now.astimezone(ZoneInfo(rt.timezone(team_id))).date()
    with rt.session() as session:
        run = runs.get_run(session, team_id=team_id, run_id=run_id)
        if run is None or run.status != "pending":
            return None
        if not leased:
            if not runs.lease_run(session, run=run, now=now):
                return None
            session.refresh(run)
        start = period_start(session, team_id=team_id, channel_id=run.channel_id, end=run.period_end)
        digest = build_digest(session, team_id=team_id, channel_id=run.channel_id, start=start,
                              end=run.period_end, today=today)
    posted = _post(rt, run, digest_blocks(digest), fallback(digest))
    with rt.session() as session:
        if posted.ts is not None:
            runs.record_posted(session, run=run, start=start, message_ts=posted.ts, now=now)
        else:
            retry_at = runs.record_refused(session, run=run, attempts=run.attempts, error=posted.error or "?",
                                           now=now)
            logger.warning("digest_refused team=%s channel=%s run=%s error=%s retry_at=%s", team_id,
                           run.channel_id, run_id, posted.error, retry_at)
    return posted


def _post(rt: Runtime, run: DigestRun, blocks: list[dict[str, object]], text: str) -> Posted:
    try:
        return post(rt.client_for(run.team_id), channel=run.channel_id, text=text, blocks=blocks,
                    unfurl_links=False, unfurl_media=False)
    except Exception as err:  # connection failures after the client's own retries: try again later
        logger.warning("digest_post_failed channel=%s error=%r", run.channel_id, err)
        return Posted(error=type(err).__name__)
