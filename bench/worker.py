"""A worker's own cost: how fast one worker works stored requests, and how much CPU each takes.

The bench stores ``--requests`` `/decision <text>` requests (or `/commit <text> by <date>` with
``--kind commit``, or with ``--kind click`` clicks of Agree / Abstain on one open proposal by 200
members in turn, each member's clicks alternating, so that every click changes a position; the
proposal is opened first through a stored `/propose`, and the measurement starts once it is
posted) in the inbox of a fresh SQLite file, or a fresh schema of the PostgreSQL given with
``--database-url``, free for any worker, as `accord serve --no-worker` stores them. It then
starts a worker in this process (the inbox poller, the scheduler and the outbox loop of
`accord worker`, against a fake Slack Web API from ``tests/fakeslack.py``, unpaced) and measures
until every request is worked and every announcement marked sent: requests per second, and the
process's CPU time per request (the fake Slack's included, it runs in this process too); and how
many requests a second were recorded, until the last one's inbox row is done (a worker records a
backlog before it announces it). No HTTP
in front, no acknowledgements: only the work that follows them. Repeated ``--repeat`` times,
each on a fresh database; medians.

    python bench/worker.py
    python bench/worker.py --database-url postgresql://postgres@127.0.0.1/test --requests 1000

Everything runs on 127.0.0.1; the worker and the fake Slack are stopped before the bench exits.
"""

from __future__ import annotations

import argparse
import json
import logging
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bench.digest import database  # noqa: E402 - a fresh, migrated database
from bot.app import build_runtime, create_app  # noqa: E402
from bot.cli import Worker  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from storage import inbox as inbox_store  # noqa: E402
from storage.db import make_engine, session_scope  # noqa: E402
from storage.models import AuditLog, InboxRequest, OutboxMessage, Proposal  # noqa: E402
from storage.teams import ensure_team  # noqa: E402
from tests.fakeslack import FakeSlack  # noqa: E402
from tests.payloads import block_action, slash_command  # noqa: E402

TEAM = "T1"


def _requests(kind: str, count: int) -> list[dict[str, object]]:
    now = SystemClock().now()
    rows = []
    for i in range(count):
        command, text = (("/decision", f"Adopt option {i}") if kind == "decision"
                         else ("/commit", f"Write part {i} by 2030-01-01"))
        body = dict(parse_qsl(slash_command(command, text, team=TEAM)[0]))
        rows.append({"team_id": TEAM, "kind": "command", "key": f"cmd:{body['trigger_id']}:{secrets.token_hex(4)}",
                     "body": json.dumps(body), "token": "stored", "now": now,
                     "lease_until": now - timedelta(seconds=1)})
    return rows


CLICK_USERS = 200


def _clicks(count: int, proposal: dict[str, Any], fake: FakeSlack) -> list[dict[str, object]]:
    """``count`` stored clicks on ``proposal``: members in turn, each one's clicks alternating Agree and Abstain."""
    now = SystemClock().now()
    rows = []
    for i in range(count):
        action = "accord_position_agree" if (i // CLICK_USERS) % 2 == 0 else "accord_position_abstain"
        body, _ = block_action(action, str(proposal["id"]), user=f"UB{i % CLICK_USERS:03d}", team=TEAM,
                               channel=proposal["channel"], message_ts=proposal["message_ts"],
                               response_url=f"{fake.base_url}/response/click-{i}")
        payload = json.loads(dict(parse_qsl(body))["payload"])
        payload["trigger_id"] = f"click.{i}.{secrets.token_hex(4)}"
        rows.append({"team_id": TEAM, "kind": "action", "key": f"act:{payload['trigger_id']}",
                     "body": json.dumps(payload), "token": "stored", "now": now,
                     "lease_until": now - timedelta(seconds=1)})
    return rows


def _open_proposal(engine: Engine, deadline: float) -> dict[str, Any]:
    """Store a `/propose` for the worker and wait until its proposal is posted: its id, channel and message."""
    now = SystemClock().now()
    body = dict(parse_qsl(slash_command("/propose", "Adopt the data policy", team=TEAM)[0]))
    with engine.begin() as conn:
        inbox_store.add_requests(conn, [{"team_id": TEAM, "kind": "command", "key": f"cmd:{body['trigger_id']}",
                                         "body": json.dumps(body), "token": "stored", "now": now,
                                         "lease_until": now - timedelta(seconds=1)}])
    query = select(Proposal.id, Proposal.channel_id, Proposal.message_ts)
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            row = conn.execute(query).first()
        if row is not None and row.message_ts:
            return {"id": row.id, "channel": row.channel_id, "message_ts": row.message_ts}
        time.sleep(0.1)
    raise RuntimeError("the proposal was not posted in time")


def measure(url: str | None, *, kind: str, count: int, fake: FakeSlack) -> tuple[float, float, float]:
    """(requests per second, CPU milliseconds per request, requests recorded per second) of one worker
    working ``count`` stored requests: the first two until every announcement is sent, the third until
    every request is recorded (its inbox row done)."""
    with database(url) as db:
        engine = make_engine(db)  # pooled: its polling must not open a connection (and spend CPU) every time
        with session_scope(engine) as session:
            ensure_team(session, team_id=TEAM)
        if kind != "click":
            with engine.begin() as conn:
                inbox_store.add_requests(conn, _requests(kind, count))
        rt = build_runtime(Settings(slack_bot_token="xoxb-test", database_url=db, slack_api_url=fake.api_url,
                                    slack_post_rate=None))
        worker = Worker(rt, create_app(rt))
        # Built once: the bench's own polling is measured with the worker's CPU, so it must cost next to nothing.
        pending_query = select(func.count()).select_from(InboxRequest).where(InboxRequest.state == "pending")
        unsent_query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state != "sent")
        done_query = select(func.count()).select_from(InboxRequest).where(InboxRequest.state == "done")
        recorded: float | None = None
        worker.start()
        try:
            if kind == "click":
                proposal = _open_proposal(engine, time.monotonic() + 60)
                clicks = _clicks(count, proposal, fake)
            started, cpu = time.monotonic(), time.process_time()
            if kind == "click":
                with engine.begin() as conn:
                    inbox_store.add_requests(conn, clicks)
            while True:
                with engine.connect() as conn:
                    pending = conn.execute(pending_query).scalar_one()
                    unsent = conn.execute(unsent_query).scalar_one()
                    if recorded is None and conn.execute(done_query).scalar_one() >= count:
                        recorded = time.monotonic() - started
                if pending == 0 and unsent == 0:
                    break
                time.sleep(0.1)
            elapsed, used = time.monotonic() - started, time.process_time() - cpu
            if kind == "click":  # every click changed a position, once
                with engine.connect() as conn:
                    changed = conn.execute(select(func.count()).select_from(AuditLog)
                                           .where(AuditLog.action == "position.take")).scalar_one()
                if changed != count:
                    raise RuntimeError(f"{changed} of {count} clicks changed a position")
        finally:
            worker.stop()
            rt.engine.dispose()
            engine.dispose()
        return count / elapsed, used * 1000 / count, count / (recorded or elapsed)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=600, help="stored requests per measurement (default 600)")
    p.add_argument("--kind", choices=("decision", "commit", "click"), default="decision")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--database-url", default=None, help="PostgreSQL instead of the SQLite file")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    fake = FakeSlack().start()
    rates, cpus, records = [], [], []
    try:
        for rep in range(args.repeat):
            rate, cpu, recorded = measure(args.database_url, kind=args.kind, count=args.requests, fake=fake)
            rates.append(rate)
            cpus.append(cpu)
            records.append(recorded)
            print(f"  rep {rep + 1}: {rate:6.1f} requests/s, {cpu:5.2f} ms CPU per request, "
                  f"{recorded:6.1f} recorded/s", flush=True)
    finally:
        fake.stop()
    print(f"{'PostgreSQL' if args.database_url else 'SQLite'} /{args.kind}: median {statistics.median(rates):.1f} "
          f"requests/s ({min(rates):.1f}–{max(rates):.1f}), {statistics.median(cpus):.2f} ms CPU per request "
          f"({min(cpus):.2f}–{max(cpus):.2f}); recorded {statistics.median(records):.1f} requests/s "
          f"({min(records):.1f}–{max(records):.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
