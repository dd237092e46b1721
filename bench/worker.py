"""A worker's own cost: how fast one worker works stored requests, and how much CPU each takes.

The bench stores ``--requests`` `/decision <text>` requests (or `/commit <text> by <date>` with
``--kind commit``) in the inbox of a fresh SQLite file, or a fresh schema of the PostgreSQL given
with ``--database-url``, free for any worker, as `accord serve --no-worker` stores them. It then
starts a worker in this process (the inbox poller, the scheduler and the outbox loop of
`accord worker`, against a fake Slack Web API from ``tests/fakeslack.py``, unpaced) and measures
until every request is worked and every announcement marked sent: requests per second, and the
process's CPU time per request (the fake Slack's included, it runs in this process too). No HTTP
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
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.digest import database  # noqa: E402 - a fresh, migrated database
from bot.app import build_runtime, create_app  # noqa: E402
from bot.cli import Worker  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from storage import inbox as inbox_store  # noqa: E402
from storage.db import make_engine, session_scope  # noqa: E402
from storage.models import InboxRequest, OutboxMessage  # noqa: E402
from storage.teams import ensure_team  # noqa: E402
from tests.fakeslack import FakeSlack  # noqa: E402
from tests.payloads import slash_command  # noqa: E402

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


def measure(url: str | None, *, kind: str, count: int, fake: FakeSlack) -> tuple[float, float]:
    """(requests per second, CPU milliseconds per request) of one worker working ``count`` stored requests."""
    with database(url) as db:
        engine = make_engine(db)  # pooled: its polling must not open a connection (and spend CPU) every time
        with session_scope(engine) as session:
            ensure_team(session, team_id=TEAM)
        with engine.begin() as conn:
            inbox_store.add_requests(conn, _requests(kind, count))
        rt = build_runtime(Settings(slack_bot_token="xoxb-test", database_url=db, slack_api_url=fake.api_url,
                                    slack_post_rate=None))
        worker = Worker(rt, create_app(rt))
        # Built once: the bench's own polling is measured with the worker's CPU, so it must cost next to nothing.
        pending_query = select(func.count()).select_from(InboxRequest).where(InboxRequest.state == "pending")
        unsent_query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state != "sent")
        started, cpu = time.monotonic(), time.process_time()
        worker.start()
        try:
            while True:
                with engine.connect() as conn:
                    pending = conn.execute(pending_query).scalar_one()
                    unsent = conn.execute(unsent_query).scalar_one()
                if pending == 0 and unsent == 0:
                    break
                time.sleep(0.1)
            elapsed, used = time.monotonic() - started, time.process_time() - cpu
        finally:
            worker.stop()
            rt.engine.dispose()
            engine.dispose()
        return count / elapsed, used * 1000 / count


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=600, help="stored requests per measurement (default 600)")
    p.add_argument("--kind", choices=("decision", "commit"), default="decision")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--database-url", default=None, help="PostgreSQL instead of the SQLite file")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    fake = FakeSlack().start()
    rates, cpus = [], []
    try:
        for rep in range(args.repeat):
            rate, cpu = measure(args.database_url, kind=args.kind, count=args.requests, fake=fake)
            rates.append(rate)
            cpus.append(cpu)
            print(f"  rep {rep + 1}: {rate:6.1f} requests/s, {cpu:5.2f} ms CPU per request", flush=True)
    finally:
        fake.stop()
    print(f"{'PostgreSQL' if args.database_url else 'SQLite'} /{args.kind}: median {statistics.median(rates):.1f} "
          f"requests/s ({min(rates):.1f}–{max(rates):.1f}), {statistics.median(cpus):.2f} ms CPU per request "
          f"({min(cpus):.2f}–{max(cpus):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
