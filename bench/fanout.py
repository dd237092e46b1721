"""Check-in fan-out: how long a round of 1,000 members takes to reach everyone, next to its floor.

Each scenario gets a fresh database (a SQLite file, or a new PostgreSQL schema with
``--database-url``), a group of ``--members`` members and a fake Slack Web API
(``tests.fakeslack``) that takes ``--latency`` seconds per call. A facilitator opens a round
(`/checkin now`, through the service), which enqueues one direct message per member in the
outbox; the bench then lets the outbox deliver (its 4 senders, as `accord serve` runs them) and
measures until every prompt is recorded as sent. Scenarios:

* **latency** — Slack takes ``--latency`` per call, no limit; Accord paced at ``--rate`` per second.
* **limited** — Slack also answers 429 (Retry-After: 1) beyond ``--limit`` posts in any second, as
  its workspace limit does; Accord paced at ``--rate``.
* **limited, unpaced** — the same Slack, Accord not paced (``ACCORD_SLACK_POST_RATE=off``): what
  happens without pacing.

The floor is the arithmetic one: ``members / min(rate, limit)`` when paced, or
``members * latency / senders`` when nothing limits but the senders. The 429s counted are the
answers the fake gave.

    python bench/fanout.py
    python bench/fanout.py --database-url postgresql://postgres@127.0.0.1/test
    python bench/fanout.py --members 300 --only latency
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.digest import database  # noqa: E402 - a fresh, migrated database
from bot.app import build_runtime  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.outbox import SENDERS  # noqa: E402
from bot.services import checkins  # noqa: E402
from handlers.checkins import jobs as _checkin_kinds  # noqa: E402,F401 - registers the prompt's outbox kind
from storage.db import make_engine, session_scope  # noqa: E402
from storage.models import CheckinPrompt  # noqa: E402
from tests.factories import make_group  # noqa: E402
from tests.fakeslack import FakeSlack  # noqa: E402

TEAM, FACILITATOR, GROUP = "T1", "UFAC", "Consortium"


@dataclass
class Outcome:
    scenario: str
    seconds: float
    floor: float
    posts: int
    too_many: int

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor


def slow(fake: FakeSlack, latency: float) -> None:
    """Make every Web API call take ``latency`` seconds (concurrent calls overlap), as over a network."""
    handle = fake._handle

    def delayed(path: str, query: str, headers: Any, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        time.sleep(latency)
        return handle(path, query, headers, raw)

    fake._handle = delayed  # type: ignore[method-assign]


def run(scenario: str, *, members: int, latency: float, limit: int | None, rate: float | None,
        database_url: str | None) -> Outcome:
    fake = FakeSlack().start()
    slow(fake, latency)
    if limit:
        fake.limit_rate("chat.postMessage", per_second=limit)
    try:
        with database(database_url) as db:
            settings = Settings(slack_bot_token="xoxb-test", slack_api_url=fake.api_url, database_url=db,
                                facilitators=frozenset({FACILITATOR}), slack_post_rate=rate)
            engine = make_engine(db)
            rt = build_runtime(settings, engine=engine)
            with session_scope(engine) as session:
                make_group(session, consortium_id=TEAM, name=GROUP, members=[f"U{i:05d}" for i in range(members)])
            with rt.session() as session:
                checkins.open_manual_round(session, settings=settings, consortium_id=TEAM, actor_id=FACILITATOR,
                                           name=GROUP, now=rt.clock.now())
            started = time.monotonic()
            while True:
                rt.outbox.deliver_due(budget=600)
                with session_scope(engine) as session:
                    pending = session.execute(select(func.count()).select_from(CheckinPrompt)
                                              .where(CheckinPrompt.status != "sent")).scalar()
                if not pending:
                    break
                time.sleep(0.05)  # rows waiting for a retry: look again shortly
            seconds = time.monotonic() - started
            rt.inbox.stop()
            engine.dispose()
        calls = fake.calls_to("chat.postMessage", include_failed=True)
    finally:
        fake.stop()
    paced = min(x for x in (rate, limit) if x) if (rate or limit) else None
    floor = members / paced if paced else members * latency / SENDERS
    return Outcome(scenario, seconds, floor, sum(1 for c in calls if c.status == 200),
                   sum(1 for c in calls if c.status == 429))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--members", type=int, default=1000)
    p.add_argument("--latency", type=float, default=0.15, help="seconds per Web API call (default 0.15)")
    p.add_argument("--limit", type=int, default=20, help="Slack's posts per second in the limited scenarios")
    p.add_argument("--rate", type=float, default=19,
                   help="ACCORD_SLACK_POST_RATE in the paced scenarios (default 19: just under the limit)")
    p.add_argument("--database-url", default=None)
    p.add_argument("--only", choices=("latency", "limited", "unpaced"), default=None)
    args = p.parse_args(argv)
    scenarios = [("latency", None, args.rate), ("limited", args.limit, args.rate),
                 ("unpaced", args.limit, None)]
    print(f"# Check-in fan-out: {args.members} members, Slack {args.latency * 1000:.0f} ms per call, "
          f"{SENDERS} senders\n")
    print(f"- database: {'PostgreSQL' if args.database_url else 'SQLite file'}\n")
    print("| scenario | Slack limit (posts/s) | Accord rate (posts/s) | seconds | floor (s) | ratio | posts | 429s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, limit, rate in scenarios:
        if args.only and args.only != name:
            continue
        out = run(name, members=args.members, latency=args.latency, limit=limit, rate=rate,
                  database_url=args.database_url)
        print(f"| {name} | {limit or 'none'} | {rate or 'unpaced'} | {out.seconds:.1f} | {out.floor:.1f} | "
              f"{out.ratio:.2f}× | {out.posts} | {out.too_many} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
