"""Memory of a running ``accord serve`` after many requests, and the inbox backlog they build up.

The bench starts the real ``accord serve`` (one command, its worker included) on 127.0.0.1 with a fake Slack Web
API (``tests.fakeslack``, in this process) and a fresh SQLite file, or a fresh schema of a
PostgreSQL database with ``--database-url``.  It then sends ``--requests`` signed requests in
``--bursts`` bursts, ``/decision <text>`` and ``/commit <text> by <date>`` in turn, from a load
generator in a process of its own (``bench/ack.py``'s, ``--concurrency`` threads, a new connection
per request).  During each burst it counts the inbox rows not done (the backlog of stored requests
waiting for their work) every ``--sample`` seconds; after each burst it waits until the backlog is
drained and the outbox has nothing left to send, then reads the resident set size (``VmRSS`` in
``/proc/<pid>/status``) of the server process and of its child processes (``accord serve`` runs
its worker as a child process), and reports both and their sum.

Memory is called flat when the last sum is within ``max(5 MB, 5 %)`` of the first sum after the
warm-up bursts (``--warmup-bursts``).  At the end the bench checks that every acknowledged
request was recorded once (decisions and commitments by their distinct texts).

    python bench/memory.py                                   # SQLite, defaults sized for a few minutes
    python bench/memory.py --database-url postgresql://postgres@127.0.0.1/test
    python bench/memory.py --requests 40000 --bursts 20       # the 40,000 requests of the aim

Everything runs on 127.0.0.1; every process the bench starts is stopped before it exits.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ack import (  # noqa: E402
    LOOPBACK,
    Server,
    accord_command,
    child_env,
    children,
    database,
    free_port,
    run_generator,
)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def sample(pid: int) -> tuple[int, int]:
    """(RSS of the server process, RSS of its child processes) in KiB."""
    kids = 0
    for child in children(pid):
        try:
            kids += rss_kib(child)
        except (OSError, RuntimeError):
            pass  # ended between listing and reading
    return rss_kib(pid), kids


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=20_000,
                   help="requests in all (default 20000; 40000 takes about 8 minutes here)")
    p.add_argument("--bursts", type=int, default=20, help="bursts they are sent in (default 20)")
    p.add_argument("--concurrency", type=int, default=16, help="client threads per burst (default 16)")
    p.add_argument("--warmup-bursts", type=int, default=2, help="bursts before the first sample that counts")
    p.add_argument("--sample", type=float, default=0.1, help="seconds between backlog counts (default 0.1)")
    p.add_argument("--database-url", default=None,
                   help="PostgreSQL on 127.0.0.1 instead of SQLite (a fresh schema is created and dropped)")
    p.add_argument("--keep-logs", action="store_true", help="print where the server log is and keep it")
    args = p.parse_args(argv)
    if args.bursts < 1 or args.requests < args.bursts or not 0 <= args.warmup_bursts < args.bursts:
        raise SystemExit("--requests ≥ --bursts ≥ 1, and --warmup-bursts below --bursts")

    from sqlalchemy import create_engine, text

    from storage.db import normalise_url
    from tests.fakeslack import FakeSlack

    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    secret, run = secrets.token_hex(16), secrets.token_hex(3)
    workdir = Path(tempfile.mkdtemp(prefix="accord-memory-"))
    fake = FakeSlack().start()
    per_burst = args.requests // args.bursts
    rows: list[dict[str, Any]] = []
    logged: list[str] = []
    acked_total, errors = 0, 0
    server: Server | None = None
    engine = None
    started = time.monotonic()
    try:
        with database(args.database_url, workdir) as (db_url, db_label):
            print(f"# Memory after {per_burst * args.bursts:,} requests in {args.bursts} bursts of {per_burst:,} "
                  f"(`/decision` and `/commit` in turn, concurrency {args.concurrency}, a new connection per "
                  f"request)\n")
            print(f"- machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; database: {db_label}; "
                  f"one `accord serve`\n", flush=True)
            env = child_env(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=secret, SLACK_API_URL=fake.api_url,
                            DATABASE_URL=db_url, LOG_LEVEL="WARNING", ACCORD_SLACK_POST_RATE="off")
            port = free_port()
            server = Server("Accord", [*accord_command(), "serve", "--host", LOOPBACK, "--port", str(port)],
                            env, port, workdir)
            server.start()
            assert server.proc is not None
            pid = server.proc.pid
            engine = create_engine(normalise_url(db_url))

            def backlog() -> int:
                with engine.connect() as conn:
                    return int(conn.execute(text("SELECT count(*) FROM inbox WHERE state <> 'done'")).scalar_one())

            def outbox_pending() -> int:
                with engine.connect() as conn:
                    return int(conn.execute(text("SELECT count(*) FROM outbox WHERE state = 'pending'")).scalar_one())

            time.sleep(2.0)  # its worker's start-up
            rows.append({"burst": 0, "rss": sample(pid), "max_backlog": 0, "drain": 0.0, "rate": 0.0})
            due = (date.today() + timedelta(days=14)).isoformat()
            for b in range(1, args.bursts + 1):
                spec = {"run": run, "server": "accord", "kind": "mixed", "fake": fake.base_url, "port": port,
                        "secret": secret, "first": (b - 1) * per_burst, "warmup": 0, "requests": per_burst,
                        "concurrency": args.concurrency, "keepalive": False, "timeout": 10.0, "time_limit": 300.0,
                        "due": due}
                out: dict[str, Any] = {}
                failure: list[BaseException] = []

                def send(spec: dict[str, Any] = spec, out: dict[str, Any] = out,
                         failure: list[BaseException] = failure) -> None:
                    try:
                        out.update(run_generator(spec))
                    except BaseException as err:  # reported by the main thread
                        failure.append(err)

                sender = threading.Thread(target=send, daemon=True)
                sender.start()
                peak = 0
                while sender.is_alive():
                    peak = max(peak, backlog())
                    sender.join(args.sample)
                if failure:
                    raise failure[0]
                acked_total += len(out["acked"])
                errors += out["errors"]
                t0 = time.monotonic()
                while True:
                    left = backlog()
                    peak = max(peak, left)
                    if not left and not outbox_pending():
                        break
                    if time.monotonic() - t0 > 300:
                        raise RuntimeError(f"burst {b}: the backlog did not drain within 300 s ({left} left)")
                    time.sleep(args.sample)
                drain = time.monotonic() - t0
                time.sleep(0.5)  # let the last work's garbage go
                rows.append({"burst": b, "rss": sample(pid), "max_backlog": peak, "drain": drain,
                             "rate": len(out["latencies"]) / out["wall"] if out["wall"] else 0.0})
                print(f"  burst {b:>2}: RSS {sum(rows[-1]['rss']) / 1024:7.1f} MB, backlog at most {peak:5d}, drained "
                      f"{drain:4.1f} s after the last ack, acks at {rows[-1]['rate']:.0f} req/s, "
                      f"{out['errors']} errors", flush=True)
            recorded = {}
            pattern = re.compile(rf"Bench {run} accord-(decision|commit) #(\d+):")
            with engine.connect() as conn:
                for table in ("decision", "commitment"):
                    for t in conn.execute(text(f"SELECT text FROM {table} WHERE text LIKE :p"),
                                          {"p": f"Bench {run} %"}).scalars():
                        m = pattern.match(t)
                        if m:
                            recorded[int(m.group(2))] = recorded.get(int(m.group(2)), 0) + 1
    finally:
        if engine is not None:
            engine.dispose()
        if server is not None:
            server.stop()
            with contextlib.suppress(OSError):
                logged = [line for line in server.log_path.read_text(errors="replace").splitlines()
                          if "inbox_backlog" in line]
            tail = server.log_tail(10)
            if any(word in tail for word in ("ERROR", "Traceback", "CRITICAL")):
                print(f"\nserver log (tail):\n{tail}")
        fake.stop()
        if args.keep_logs:
            print(f"\nlogs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print("\n| after burst | requests so far | RSS serve (MB) | RSS worker (MB) | RSS total (MB) "
          "| largest inbox backlog | drained after last ack (s) | acks (req/s) |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['burst']} | {r['burst'] * per_burst:,} | {r['rss'][0] / 1024:.1f} | {r['rss'][1] / 1024:.1f} | "
              f"{sum(r['rss']) / 1024:.1f} | {r['max_backlog']:,} | {r['drain']:.1f} | {r['rate']:.0f} |")
    first, last = dict(rows[args.warmup_bursts]), dict(rows[-1])
    first["rss"], last["rss"] = sum(first["rss"]), sum(last["rss"])
    growth = (last["rss"] - first["rss"]) / 1024
    flat = growth <= max(5.0, first["rss"] / 1024 * 0.05)
    once = sum(1 for v in recorded.values() if v == 1)
    print(f"\n- RSS after burst {first['burst']} (warm): {first['rss'] / 1024:.1f} MB; after burst {last['burst']}: "
          f"{last['rss'] / 1024:.1f} MB; growth {growth:+.1f} MB ({growth * 1024 / first['rss'] * 100:+.1f} %): "
          f"**{'flat' if flat else 'NOT flat'}**")
    print(f"- largest inbox backlog: {max(r['max_backlog'] for r in rows):,} rows not done")
    pending = [int(m.group(1)) for m in (re.search(r"inbox_backlog pending=(\d+)", line) for line in logged) if m]
    print(f"- the backlog in the server's log (level WARNING): {len(pending)} `inbox_backlog` warnings"
          f"{f', the largest pending={max(pending):,}' if pending else ''}")
    print(f"- {acked_total:,} acknowledged, {errors} errors; recorded once: {once:,}"
          f"{'' if once == acked_total == len(recorded) else ' — PROBLEM: not every acked request recorded once'}")
    print(f"- wall time {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
