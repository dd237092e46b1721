"""Recording rate: decisions recorded per second by Accord's own code, next to raw inserts of the same rows.

Every measurement gets a fresh database (a SQLite file, or a new PostgreSQL schema with
``--database-url``) and records ``--count`` decisions per process, one transaction each, as a
`/decision` does after its ack:

* **Accord** — ``Runtime.session()`` around ``bot.services.decisions.record_decision`` (the
  decision and its audit line) and the announcement's outbox row
  (``handlers.shared.announcements.enqueue_decision``);
* **raw** — the same three rows written with SQLAlchemy Core on a plain connection, one
  ``engine.begin()`` each: the floor the database and driver set.

Shapes, each run for Accord and raw in turn (``--repeat`` times, interleaved):

* **1 process** — one process records ``--count`` decisions;
* **4 threads** — one process records ``--count`` decisions from 4 threads at once (a worker's
  work pool), 1/4 of them each: on SQLite the threads take the one write lock in turn;
* **2 processes** — two OS processes record ``--count`` decisions each into the same database at
  the same time (both warmed up, then released together); the rate is all decisions over the
  time from the first start to the last finish;
* **split** (Accord only) — ``--split-count`` signed `/decision` requests sent over HTTP (a load
  generator of its own, concurrency 16, a new connection per request) to
  ``accord serve --no-worker``, recorded by one or two ``accord worker`` processes: the rate is
  the decisions over the time from the first request to the last decision recorded. Its floor is
  the raw rate of one process, measured in the same run.

    python bench/record.py
    python bench/record.py --database-url postgresql://postgres@127.0.0.1/test --count 3000
    python bench/record.py --shapes 1 2 --repeat 3
    python bench/record.py --shapes threads --repeat 3
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.digest import database  # noqa: E402 - a fresh, migrated database
from bot.app import build_runtime  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.services.decisions import record_decision  # noqa: E402
from handlers.shared.announcements import enqueue_decision  # noqa: E402
from storage.db import make_engine, session_scope  # noqa: E402
from storage.models import AuditLog, Decision, OutboxMessage, utcnow  # noqa: E402
from storage.teams import ensure_team  # noqa: E402

TEAM = "T1"
T = TypeVar("T")
SPLIT_CONCURRENCY = 16
THREADS = 4  # the "threads" shape: a worker's work pool


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
            conn.execute(insert(outbox).values(team_id=TEAM, kind="decision.announce", key=f"raw:{did}",
                                               ref=json.dumps({"decision_id": did}), state="pending",
                                               generation=0, attempts=0, next_attempt_at=now, created_at=now))
    return one


BUILDERS = {"accord": accord, "raw": raw}


def child(code: str, db: str, count: int, offset: int, threads: int = 1) -> int:
    """One recording process (``--child``): warm up, say ready, wait for the go line, record (from
    ``threads`` threads at once, ``count`` in all), report."""
    import threading

    work = BUILDERS[code](db)
    for i in range(20):  # warm-up: connections, statement caches
        work(offset - i - 1)
    share = count // threads
    failures: list[BaseException] = []

    def record(first: int, n: int) -> None:
        try:
            for i in range(first, first + n):
                work(offset + i)
        except BaseException as err:  # noqa: BLE001 - reported below
            failures.append(err)

    pool = [threading.Thread(target=record, args=(t * share, count - t * share if t == threads - 1 else share))
            for t in range(threads)]
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if failures:
        raise failures[0]
    print(json.dumps({"started": started, "finished": time.monotonic()}), flush=True)
    return 0


def processes(code: str, db: str, *, count: int, n: int, threads: int = 1) -> float:
    """Decisions per second of ``n`` processes recording ``count`` each at the same time (each from
    ``threads`` threads)."""
    procs = [subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", code, "--db", db,
                               "--count", str(count), "--offset", str(k * 10 * count), "--threads", str(threads)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for k in range(n)]
    try:
        for p in procs:
            assert p.stdout is not None
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a {code} recording process failed to start")
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        spans = []
        for p in procs:
            assert p.stdout is not None
            spans.append(json.loads(p.stdout.readline()))
            p.wait(timeout=60)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    return n * count / (max(s["finished"] for s in spans) - min(s["started"] for s in spans))


def split(db: str, *, count: int, workers: int, latency: float = 0.0) -> tuple[float, float]:
    """Decisions per second from the first signed request to ``accord serve --no-worker`` to the last recorded,
    and requests acknowledged per second (the first request to the last answer): no decision can be
    recorded before it is acknowledged, so the second bounds the first.

    ``latency``: seconds the fake Slack takes to answer each Web API call (0: at once).
    """
    from bench.ack import LOOPBACK, Server, accord_command, child_env, free_port, run_generator
    from bench.fanout import slow
    from tests.fakeslack import FakeSlack

    secret, run = secrets.token_hex(16), secrets.token_hex(3)
    workdir = Path(tempfile.mkdtemp(prefix="accord-record-"))
    fake = FakeSlack().start()
    if latency:
        slow(fake, latency)
    env = child_env(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=secret, SLACK_API_URL=fake.api_url,
                    DATABASE_URL=db, LOG_LEVEL="WARNING", ACCORD_SLACK_POST_RATE="off")
    port = free_port()
    server = Server("Accord", [*accord_command(), "serve", "--no-worker", "--host", LOOPBACK, "--port", str(port)],
                    env, port, workdir)
    procs: list[subprocess.Popen[bytes]] = []
    engine = make_engine(db)
    try:
        server.start()
        for k in range(workers):
            with open(workdir / f"worker-{k}.log", "wb") as log:
                procs.append(subprocess.Popen([*accord_command(), "worker"], env=env, cwd=workdir, stdout=log,
                                              stderr=subprocess.STDOUT, start_new_session=True))
        time.sleep(2.0)  # the workers' start-up (migrations already done by serve)
        spec = {"run": run, "server": "accord", "kind": "decision", "fake": fake.base_url, "port": port,
                "secret": secret, "first": 0, "warmup": 0, "requests": count, "concurrency": SPLIT_CONCURRENCY,
                "keepalive": False, "timeout": 10.0, "time_limit": 300.0}
        out = run_generator(spec)
        if len(out["acked"]) != count:
            raise RuntimeError(f"split: {count - len(out['acked'])} requests not acknowledged")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                recorded = conn.execute(select(func.count()).select_from(Decision)).scalar_one()
            if recorded >= count:
                break
            time.sleep(0.02)
        finished = time.monotonic()
        if recorded != count:
            raise RuntimeError(f"split: {recorded} of {count} decisions recorded")
        announced = 0
        while time.monotonic() < deadline:  # and announced: the work of a request is both
            with engine.connect() as conn:
                announced = conn.execute(select(func.count()).select_from(OutboxMessage)
                                         .where(OutboxMessage.state == "sent")).scalar_one()
            if announced >= count:
                break
            time.sleep(0.02)
        if announced != count:
            raise RuntimeError(f"split: {announced} of {count} decisions announced")
        announced_at = time.monotonic()
        acked = count / out["wall"]
        return (count / (announced_at - out["started"]) if latency else count / (finished - out["started"])), acked
    finally:
        engine.dispose()
        server.stop()
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=25)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        fake.stop()
        shutil.rmtree(workdir, ignore_errors=True)


SHAPE_NAMES = {"1": "1 process", "threads": f"1 process, {THREADS} threads", "2": "2 processes"}


def fresh(url: str | None, work: Callable[[str], T]) -> T:
    with database(url) as db:
        with session_scope(make_engine(db, single_use=True)) as session:
            ensure_team(session, team_id=TEAM)
        return work(db)


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=2000, help="decisions per process (default 2000)")
    p.add_argument("--split-count", type=int, default=2000, help="requests in the split shape (default 2000)")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--shapes", nargs="+", choices=("1", "threads", "2", "split"),
                   default=["1", "threads", "2", "split"])
    p.add_argument("--database-url", default=None, help="PostgreSQL instead of the SQLite file")
    p.add_argument("--slack-latency", type=float, default=0.0,
                   help="split: seconds the fake Slack takes per Web API call (e.g. 0.15; default 0). With a "
                   "latency, the rate counts until every decision is also announced")
    p.add_argument("--child", choices=tuple(BUILDERS), help=argparse.SUPPRESS)
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.add_argument("--offset", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(args.child, args.db, args.count, args.offset, args.threads)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    url = args.database_url
    label = "PostgreSQL" if url else "SQLite file"
    print(f"# Recording rate ({label}): {args.count} decisions per process, one transaction each; "
          f"split: {args.split_count} requests, Slack answering in {args.slack_latency * 1000:.0f} ms; "
          f"{args.repeat} repetition(s), interleaved\n", flush=True)
    rates: dict[str, list[float]] = {}
    acked: dict[str, list[float]] = {}
    for rep in range(1, args.repeat + 1):
        for shape in args.shapes:
            if shape == "split":
                for workers in (1, 2):
                    key = f"split, {workers} worker{'s' if workers > 1 else ''}"
                    r, a = fresh(url, lambda db, w=workers: split(db, count=args.split_count, workers=w,
                                                                  latency=args.slack_latency))
                    rates.setdefault(key, []).append(r)
                    acked.setdefault(key, []).append(a)
                    print(f"  rep {rep} {key:<22} accord {r:6.0f}/s (acknowledged {a:.0f}/s)", flush=True)
                continue
            for code in ("accord", "raw"):
                n, threads = (1, THREADS) if shape == "threads" else (int(shape), 1)
                r = fresh(url, lambda db, c=code, n=n, t=threads: processes(c, db, count=args.count, n=n, threads=t))
                rates.setdefault(f"{shape}:{code}", []).append(r)
                print(f"  rep {rep} {SHAPE_NAMES[shape]:<22} {code:<7} {r:6.0f}/s", flush=True)
    print("\n| shape | Accord (decisions/s) | raw inserts (decisions/s) | Accord / raw | "
          "target ≥ 0.5× |\n|---|---:|---:|---:|---|")
    ratios: dict[str, float] = {}
    for shape in ("1", "threads", "2"):
        if f"{shape}:accord" not in rates:
            continue
        acc, rw = rates[f"{shape}:accord"], rates[f"{shape}:raw"]
        rs = [a / b for a, b in zip(acc, rw, strict=True)]
        ratios[shape] = statistics.median(rs)
        print(f"| {SHAPE_NAMES[shape]} | {_spread(acc)} | {_spread(rw)} | "
              f"{statistics.median(rs):.2f}× ({min(rs):.2f}–{max(rs):.2f}) | "
              f"{'met' if statistics.median(rs) >= 0.5 else 'missed'} |")
    for key in ("split, 1 worker", "split, 2 workers"):
        if key in rates and "1:raw" in rates:
            floor = statistics.median(rates["1:raw"])
            ratio = statistics.median(rates[key]) / floor
            print(f"| {key} | {_spread(rates[key])} | (1 process) {floor:.0f} | {ratio:.2f}× | "
                  f"{'met' if ratio >= 0.5 else 'missed'} |")
    if "1:accord" in rates and "2:accord" in rates:
        print()
        for code in ("accord", "raw"):
            scale = [b / a for a, b in zip(rates[f"1:{code}"], rates[f"2:{code}"], strict=True)]
            print(f"- 2 processes / 1 process, {code}: {statistics.median(scale):.2f}× "
                  f"({min(scale):.2f}–{max(scale):.2f}); target ≥ 1.8×")
    if "split, 1 worker" in rates and "split, 2 workers" in rates:
        scale = [b / a for a, b in zip(rates["split, 1 worker"], rates["split, 2 workers"], strict=True)]
        print(f"\n- split, 2 workers / 1 worker: {statistics.median(scale):.2f}× "
              f"({min(scale):.2f}–{max(scale):.2f}); target ≥ 1.8×")
    for key, values in acked.items():
        share = [r / a for r, a in zip(rates[key], values, strict=True)]
        print(f"- {key}: `serve --no-worker` acknowledged {_spread(values)} requests/s, the ceiling of the "
              f"rate; recorded at {statistics.median(share):.2f}× the acknowledgements' rate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
