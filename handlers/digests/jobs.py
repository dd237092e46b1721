"""Digests through the outbox: claim each run once and enqueue its post in the same transaction.

Every digest that is posted — the schedule, `/digest` and `accord digest --post` — is a
``digest_run`` row claimed together with an outbox row of kind ``digest.post`` (key
``digest-run:<id>``), so a crash between the claim and the post still posts it, once. The outbox
builds the digest at send time (its period starts where the channel's last posted digest ended),
retries what Slack refuses with its one backoff policy, and in the transaction that marks its row
sent marks the run posted; a run Slack refused for good is marked failed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.outbox import Delivered, Parent, Result, SlackCall, enqueue, register_kind
from bot.runtime import Runtime
from bot.services import digest_runs as runs
from bot.services.digests import build_digest, period_start
from handlers.digests.blocks import digest_blocks, fallback
from handlers.shared.announcements import send_now
from storage.models import DigestRun
from storage.types import Session

logger = logging.getLogger("accord.jobs.digests")

DIGEST = "digest.post"
KEY_PREFIX = "digest-run:"


def delivery_key(run_id: int) -> str:
    """The outbox key of a run's post."""
    return f"{KEY_PREFIX}{run_id}"


def enqueue_run(session: Session, rt: Runtime, run: DigestRun) -> int | None:
    """Enqueue the post of a claimed run, in the claim's transaction (None: enqueued already)."""
    assert run.id is not None
    return enqueue(session, rt, team_id=run.consortium_id, kind=DIGEST, key=delivery_key(run.id),
                   ref={"team_id": run.consortium_id, "run_id": run.id})


def run_scheduled_digests(rt: Runtime, now: datetime) -> None:
    """Claim the digests that fell due (within the catch-up grace); the outbox posts them.

    The scheduler's tick delivers the outbox right after its jobs, and the outbox's own loop is
    woken, so a claimed digest is posted at once, by whichever sender claims its row first.
    """
    if claim_due_digests(rt, now):
        rt.outbox.wake()


def claim_due_digests(rt: Runtime, now: datetime) -> list[int | None]:
    """Claim the due runs and enqueue their posts in one transaction; the outbox rows' ids.

    Pending runs that no outbox row delivers yet (claimed before digests went through the
    outbox) are enqueued too.
    """
    with rt.session() as session:
        claimed = runs.claim_scheduled_runs(session, schedules=runs.list_schedules(session), now=now,
                                            grace=rt.settings.catchup_grace)
        boxes = [enqueue_run(session, rt, run) for run in claimed]
        adopted = runs.unqueued_runs(session, key_prefix=KEY_PREFIX)
        boxes += [enqueue_run(session, rt, run) for run in adopted]
    for run in claimed:
        logger.info("digest_claimed team=%s channel=%s run_key=%s", run.consortium_id, run.channel_id, run.run_key)
    for run in adopted:
        logger.info("digest_enqueued team=%s channel=%s run=%s", run.consortium_id, run.channel_id, run.id)
    return boxes


def start_digest(rt: Runtime, *, consortium_id: str, channel_id: str, requested_by: str | None,
                 trigger: str) -> tuple[DigestRun, int | None]:
    """Record a digest asked for now and enqueue its post, in one transaction."""
    with rt.session() as session:
        run = runs.start_manual_run(session, consortium_id=consortium_id, channel_id=channel_id,
                                    requested_by=requested_by,
                                    trigger=trigger, now=rt.clock.now())
        box = enqueue_run(session, rt, run)
    return run, box


def post_digest(rt: Runtime, *, consortium_id: str, channel_id: str, requested_by: str | None,
                trigger: str) -> Result | None:
    """Record a digest asked for now and post it on this thread (`/digest`, `accord digest --post`).

    The outcome of the attempt (None: another sender had it); one Slack refused but not for good
    stays pending and the outbox retries it.
    """
    _, box = start_digest(rt, consortium_id=consortium_id, channel_id=channel_id, requested_by=requested_by,
                          trigger=trigger)
    results = send_now(rt, [box])
    return results[0] if results else None


# --- the kind -------------------------------------------------------------------------------------

def _render(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    """The digest of a pending run, built now (None: the run is not pending any more)."""
    consortium_id = ref["team_id"]
    today = rt.today(consortium_id)
    with rt.reading() as session:  # a build of 100,000 commitments holds no write lock (acks need it)
        run = runs.get_run(session, consortium_id=consortium_id, run_id=ref["run_id"])
        if run is None or run.status != "pending":
            return None
        start = period_start(session, consortium_id=consortium_id, channel_id=run.channel_id, end=run.period_end)
        digest = build_digest(session, consortium_id=consortium_id, channel_id=run.channel_id, start=start,
                              end=run.period_end, today=today)
    return SlackCall("chat_postMessage", {"channel": run.channel_id, "text": fallback(digest),
                                          "blocks": digest_blocks(digest), "unfurl_links": False,
                                          "unfurl_media": False},
                     memo={"period_start": start, "at": rt.clock.now()})


def _posted(session: Session, ref: dict[str, Any], sent: Delivered) -> None:
    if "period_start" not in sent.memo:
        return  # nothing was posted: the run was not pending any more
    runs.record_posted(session, consortium_id=ref["team_id"], run_id=ref["run_id"], start=sent.memo["period_start"],
                       message_ts=sent.ts, now=sent.memo["at"])


def _failed(session: Session, ref: dict[str, Any], error: str) -> None:
    if runs.record_failed(session, consortium_id=ref["team_id"], run_id=ref["run_id"], error=error):
        logger.warning("digest_failed team=%s run=%s error=%s", ref["team_id"], ref["run_id"], error)


register_kind(DIGEST, _render, on_sent=_posted, on_failed=_failed)
