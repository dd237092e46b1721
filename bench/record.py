"""Recording rate: decisions recorded per second by Accord's own code, next to raw inserts of the same rows.

For each database (a fresh SQLite file, or a new PostgreSQL schema with ``--database-url``), one
thread records ``--count`` decisions, one transaction each, as a `/decision` does after its ack:

* **Accord** — ``Runtime.session()`` around ``bot.services.decisions.record_decision`` (the
  decision and its audit line) and the announcement's outbox row
  (``handlers.shared.announcements.enqueue_decision``);
* **raw** — the same three rows written with SQLAlchemy Core on a plain connection, one
  ``engine.begin()`` each: the floor the database and driver set.

    python bench/record.py
    python bench/record.py --database-url postgresql://postgres@127.0.0.1/test --count 3000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bench.digest import database  # noqa: E402 - a fresh, migrated database
from bot.app import build_runtime  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.services.decisions import record_decision  # noqa: E402
from handlers.shared.announcements import enqueue_decision  # noqa: E402
from storage.db import make_engine, session_scope  # noqa: E402
from storage.models import AuditLog, Decision, OutboxMessage, utcnow  # noqa: E402
from storage.teams import ensure_team  # noqa: E402

TEAM = "T1"


def accord(db: str) -> Callable[[int], None]:
    rt = build_runtime(Settings(slack_bot_token="xoxb-test", database_url=db), engine=make_engine(db))

    def one(i: int) -> None:
        with rt.session() as session:
            decision = record_decision(session, consortium_id=TEAM, text=f"Adopt option {i}", channel_id="C1",
                                       recorded_by="U1", now=rt.clock.now())
            enqueue_decision(session, rt, consortium_id=TEAM, decision_id=decision.id or 0)
    return one


def raw(db: str) -> Callable[[int], None]:
    engine = make_engine(db)
    decisions, audit, outbox = (Decision.__table__, AuditLog.__table__,  # type: ignore[attr-defined]
                                OutboxMessage.__table__)  # type: ignore[attr-defined]

    def one(i: int) -> None:
        now = utcnow()
        with engine.begin() as conn:
            did = conn.execute(insert(decisions).values(
                consortium_id=TEAM, text=f"Adopt option {i}", status="active", channel_id="C1", recorded_by="U1",
                source="command", created_at=now).returning(decisions.c.id)).scalar_one()
            conn.execute(insert(audit).values(consortium_id=TEAM, actor_id="U1", action="decision.record",
                                              entity="decision", entity_id=str(did), created_at=now,
                                              detail=json.dumps({"channel_id": "C1"})))
            conn.execute(insert(outbox).values(consortium_id=TEAM, kind="decision.announce", key=f"raw:{did}",
                                               ref=json.dumps({"decision_id": did}), state="pending",
                                               generation=0, attempts=0, next_attempt_at=now, created_at=now))
    return one


def rate(work: Callable[[int], None], count: int) -> float:
    for i in range(20):  # warm-up: connections, statement caches
        work(-i - 1)
    started = time.perf_counter()
    for i in range(count):
        work(i)
    return count / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--database-url", default=None)
    args = p.parse_args(argv)
    print(f"# Recording rate: {args.count} decisions, one transaction each, one thread\n")
    print("| database | Accord (decisions/s) | raw inserts (decisions/s) | ratio |")
    print("|---|---:|---:|---:|")
    for label, url in (("SQLite file", None), ("PostgreSQL", args.database_url)):
        if label == "PostgreSQL" and not url:
            continue
        results = []
        for build in (accord, raw):
            with database(url) as db:
                with session_scope(make_engine(db, single_use=True)) as session:
                    ensure_team(session, team_id=TEAM)
                results.append(rate(build(db), args.count))
        print(f"| {label} | {results[0]:.0f} | {results[1]:.0f} | {results[0] / results[1]:.2f}× |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
