"""Slash-command acknowledgement latency: Accord against a bare Bolt app, both over HTTP on loopback.

Slack waits 3 s for the HTTP response to a slash command.  This bench measures that latency (from
sending the request until its response arrives) under concurrent load, for two servers started in
turn by the same run, each in its own process and served the same way (uvicorn, Starlette,
``app.dispatch`` on a worker thread):

* **Accord** — the real ``accord serve`` with a fake Slack Web API (``tests.fakeslack``, in this
  process) and a fresh SQLite database (or a fresh schema of a PostgreSQL database);
* **bare Bolt** — a Bolt app whose ``/decision`` listener calls ``ack()`` and hands a post to the
  fake Slack to a 4-thread pool, behind ``bot.server.create_web_app``: the floor set by Bolt,
  Starlette and uvicorn for a listener that works after its ack (Accord, in addition, stores
  every request in its durable inbox before the ack).

Every request is a ``/decision <text>`` signed as Slack signs it, with a distinct text, so each one
records a decision and announces it on the fake Slack after the ack (the realistic path).  Client
threads (``--concurrency``, one keep-alive ``httpx.Client`` each) send a warm-up, then
``--requests`` requests, stopping after ``--time-limit`` seconds regardless.  Percentiles are over
every measured request (an error counts with the time it took); throughput is measured requests
per second of wall time.  The bare app's client also points at the fake Slack: Bolt calls
``auth.test`` once, on the first request.

    python bench/ack.py                                    # SQLite in a temporary directory
    python bench/ack.py --database-url postgresql://postgres@127.0.0.1/test

Everything runs on 127.0.0.1; every process the bench starts is stopped before it exits.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LOOPBACK = "127.0.0.1"
ACK_BUDGET_MS = 3000.0  # what Slack allows
TARGET_P99_MS = 300.0  # Accord's target: p99 under 300 ms and at most twice the bare app's
TARGET_RATIO = 2.0
AIM_P99_MS = 100.0
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


# ----------------------------------------------------------------------------------- the bare server
def serve_bare(port: int) -> int:
    """Serve the bare Bolt app (``--serve-bare``): its listener only acks."""
    from types import SimpleNamespace

    from slack_bolt import Ack, App
    from slack_sdk import WebClient
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from bot.server import create_web_app, serve_http

    # Bolt's single-team authorization calls auth.test once, on the first request: like Accord's,
    # the client points at the bench's fake Slack, so nothing leaves 127.0.0.1.
    client = WebClient(token="xoxb-test", base_url=os.environ["SLACK_API_URL"])
    app = App(
        token="xoxb-test",
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
    )

    # The fair floor: like Accord's, the listener acks and hands its work (here one post to the
    # fake Slack) to a small thread pool, so the ack competes with work for the interpreter lock.
    from concurrent.futures import ThreadPoolExecutor

    work = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bare-work")

    @app.command("/decision")
    def decision(ack: Ack, command: dict[str, Any]) -> None:
        ack()
        work.submit(client.chat_postMessage, channel=command["channel_id"], text=command.get("text") or "-")

    # create_web_app's /healthz pings the runtime's engine: give it an in-memory one.
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    settings = SimpleNamespace(slack_signing_secret=os.environ["SLACK_SIGNING_SECRET"], socket_mode=False)
    web = create_web_app(app, SimpleNamespace(engine=engine, settings=settings))  # type: ignore[arg-type]
    serve_http(web, host=LOOPBACK, port=port, log_level="warning")
    return 0


# ------------------------------------------------------------------------------------ processes
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a server: ours without Slack/database settings or proxies, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "ACCORD_")) and k not in (*_PROXY_VARS, "DATABASE_URL", "PORT")
    }
    env["NO_PROXY"] = env["no_proxy"] = f"{LOOPBACK},localhost"
    env.update(extra)
    return env


def accord_command() -> list[str]:
    script = Path(sys.executable).with_name("accord")
    if script.exists():
        return [str(script)]
    found = shutil.which("accord")
    return [found] if found else [sys.executable, "-m", "bot.cli"]


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.workdir / f"{self.name.lower().replace(' ', '-')}.log"

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 90.0) -> None:
        import httpx

        with open(self.log_path, "wb") as log:
            # cwd is the temporary directory, so no developer .env is picked up.
            self.proc = subprocess.Popen(
                self.argv, env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.url, timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
                try:
                    if client.get("/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise RuntimeError(f"{self.name}: /healthz did not answer 200 within {timeout:.0f} s\n{self.log_tail()}")

    def stop(self, grace: float = 25.0) -> None:
        """SIGTERM (uvicorn drains, Accord waits for its listeners), then SIGKILL."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# ------------------------------------------------------------------------------------ PostgreSQL
def _check_loopback_url(url: str) -> None:
    from sqlalchemy.engine import make_url

    host = make_url(url).host
    if host != LOOPBACK:
        raise SystemExit(f"--database-url: the bench only talks to {LOOPBACK} (got host {host!r})")


@contextmanager
def database(url: str | None, workdir: Path) -> Iterator[tuple[str, str]]:
    """(DATABASE_URL for the server, label): a new SQLite file, or a new PostgreSQL schema dropped after."""
    if url is None:
        yield f"sqlite:///{workdir / 'bench.db'}", "SQLite (WAL, file in a temporary directory)"
        return
    if not url.startswith(("postgresql", "postgres")):
        raise SystemExit("--database-url: give a postgresql:// URL (SQLite is the default)")
    _check_loopback_url(url)
    import psycopg
    from sqlalchemy.engine import make_url

    schema = f"accord_bench_{secrets.token_hex(4)}"
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options={quote(f'-csearch_path={schema}', safe='')}", f"PostgreSQL {version}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# ------------------------------------------------------------------------------------------- load
@dataclass
class Result:
    name: str
    latencies_ms: list[float]
    errors: int
    wall_s: float
    timed_out: bool
    error_samples: list[str]

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    def pct(self, p: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]

    @property
    def max_ms(self) -> float:
        return max(self.latencies_ms, default=float("nan"))

    @property
    def throughput(self) -> float:
        return self.count / self.wall_s if self.wall_s > 0 else float("nan")


class Load:
    """Builds signed ``/decision`` requests with distinct texts."""

    def __init__(self, secret: str, response_url: Callable[[str], str]) -> None:
        self.secret, self.response_url = secret, response_url
        self.run_id = secrets.token_hex(3)

    def request(self, server: str, n: int) -> tuple[bytes, dict[str, str]]:
        from tests.payloads import sign, slash_command

        body, content_type = slash_command(
            "/decision",
            f"Bench {self.run_id} {server} #{n}: adopt option {n % 7} for work package {n % 5}",
            response_url=self.response_url(f"bench-{server}-{n}"),
        )
        return body.encode(), {"Content-Type": content_type, **sign(body, secret=self.secret)}


def run_load(
    url: str,
    name: str,
    load: Load,
    *,
    total: int,
    concurrency: int,
    deadline: float,
    first: int = 0,
    timeout: float = 10.0,
) -> Result:
    """``total`` requests from ``concurrency`` threads (each its own keep-alive client)."""
    import httpx

    lock = threading.Lock()
    counter = iter(range(first, first + total))
    latencies: list[float] = []
    errors: list[str] = []
    timed_out, aborted = threading.Event(), threading.Event()
    start_gate = threading.Barrier(concurrency + 1)

    def worker() -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        with httpx.Client(base_url=url, timeout=timeout, limits=limits, trust_env=False) as client:
            start_gate.wait()
            while not aborted.is_set():
                if time.monotonic() >= deadline:
                    timed_out.set()
                    return
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                body, headers = load.request(name, n)
                t0 = time.perf_counter()
                try:
                    status = client.post("/slack/events", content=body, headers=headers).status_code
                    error = None if status == 200 else f"HTTP {status}"
                except httpx.HTTPError as err:
                    error = f"{type(err).__name__}: {err}"
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(elapsed)
                    if error:
                        errors.append(error)

    threads = [threading.Thread(target=worker, name=f"client-{i}", daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    start_gate.wait()
    t0 = time.perf_counter()
    try:
        for t in threads:
            t.join(timeout=max(deadline - time.monotonic(), 0) + timeout + 5)
    except BaseException:  # Ctrl-C or SIGTERM: let the clients finish their request and stop
        aborted.set()
        for t in threads:
            t.join(timeout=timeout + 1)
        raise
    wall = time.perf_counter() - t0
    with lock:
        return Result(name, list(latencies), len(errors), wall, timed_out.is_set(), errors[:5])


def measure(server: Server, load: Load, args: argparse.Namespace, deadline: float) -> Result:
    key = "accord" if server.name == "Accord" else "bare"
    if args.warmup:
        run_load(server.url, key, load, total=args.warmup, concurrency=args.concurrency, deadline=deadline, first=0)
    result = run_load(
        server.url, key, load, total=args.requests, concurrency=args.concurrency, deadline=deadline, first=args.warmup
    )
    result.name = server.name
    return result


def wait_for_posts(fake: Any, expected: int, timeout: float) -> tuple[int, float]:
    """How many decisions the fake Slack saw announced, and how long after the last ack."""
    t0 = time.monotonic()
    while True:
        posted = sum(1 for c in list(fake.calls) if c.method == "chat.postMessage" and c.ok)
        if posted >= expected or time.monotonic() - t0 > timeout:
            return posted, time.monotonic() - t0
        time.sleep(0.05)


# ------------------------------------------------------------------------------------------ report
def table(results: list[Result]) -> str:
    rows = [
        "| server | requests | errors | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | throughput (req/s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rows.append(
            f"| {r.name} | {r.count} | {r.errors} | {r.pct(50):.1f} | {r.pct(90):.1f} | "
            f"{r.pct(99):.1f} | {r.max_ms:.1f} | {r.throughput:.0f} |"
        )
    return "\n".join(rows)


def verdict(accord: Result, bare: Result) -> str:
    ratio = accord.pct(99) / bare.pct(99)
    ok = accord.pct(99) < TARGET_P99_MS and ratio <= TARGET_RATIO and accord.errors == 0
    return (
        f"Accord p99 / bare p99 = {accord.pct(99):.1f} / {bare.pct(99):.1f} = **{ratio:.2f}×** — "
        f"target (p99 < {TARGET_P99_MS:.0f} ms and ≤ {TARGET_RATIO:.0f}× bare, no errors): "
        f"{'met' if ok else 'MISSED'}; aim p99 < {AIM_P99_MS:.0f} ms: "
        f"{'met' if accord.pct(99) < AIM_P99_MS else 'missed'}."
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=1000, help="measured requests per server (default 1000)")
    p.add_argument("--concurrency", type=int, default=16, help="client threads (default 16)")
    p.add_argument("--warmup", type=int, default=50, help="unmeasured requests first (default 50)")
    p.add_argument(
        "--time-limit",
        type=float,
        default=120.0,
        help="stop sending after this many seconds per server, whatever the count (default 120)",
    )
    p.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL on 127.0.0.1 instead of SQLite, e.g. postgresql://postgres@127.0.0.1/test "
        "(a fresh schema is created and dropped)",
    )
    p.add_argument("--only", choices=("accord", "bare"), default=None, help="measure one server only")
    p.add_argument("--split", action="store_true",
                   help="run Accord as `accord serve --no-worker` plus one `accord worker` process")
    p.add_argument("--keep-logs", action="store_true", help="print where the server logs are and keep them")
    p.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=None, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.serve_bare:
        return serve_bare(args.port)
    if args.requests < 1 or args.concurrency < 1 or args.warmup < 0:
        raise SystemExit("--requests and --concurrency must be positive, --warmup non-negative")

    from tests.fakeslack import FakeSlack

    # A SIGTERM to the bench unwinds like Ctrl-C, so the finally blocks stop the servers.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    secret = secrets.token_hex(16)
    workdir = Path(tempfile.mkdtemp(prefix="accord-bench-"))
    fake = FakeSlack().start()
    results: dict[str, Result] = {}
    notes: list[str] = []
    try:
        load = Load(secret, fake.response_url)
        with database(args.database_url, workdir) as (db_url, db_label):
            print(
                f"# Acknowledgement latency: {args.requests} × `/decision <text>` per server, concurrency "
                f"{args.concurrency}, warm-up {args.warmup}\n"
            )
            print(f"- machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {sys.platform}")
            print(f"- Accord database: {db_label}")
            print(f"- Accord shape: {'serve --no-worker + 1 worker' if args.split else 'serve (embedded worker)'}\n",
                  flush=True)
            servers: list[Server] = []
            if args.only in (None, "accord"):
                servers.append(
                    Server(
                        "Accord",
                        [*accord_command(), "serve", "--host", LOOPBACK, "--port", "{port}",
                         *(["--no-worker"] if args.split else [])],
                        child_env(
                            SLACK_BOT_TOKEN="xoxb-test",
                            SLACK_SIGNING_SECRET=secret,
                            SLACK_API_URL=fake.api_url,
                            DATABASE_URL=db_url,
                            LOG_LEVEL="WARNING",
                            ACCORD_SLACK_POST_RATE="off",  # the bare app's posts are not paced either
                        ),
                        0,
                        workdir,
                    )
                )
            if args.only in (None, "bare"):
                servers.append(
                    Server(
                        "bare Bolt",
                        [sys.executable, str(Path(__file__).resolve()), "--serve-bare", "--port", "{port}"],
                        child_env(SLACK_SIGNING_SECRET=secret, SLACK_API_URL=fake.api_url, PYTHONPATH=str(ROOT)),
                        0,
                        workdir,
                    )
                )
            for server in servers:
                server.port = free_port()
                server.argv = [a.replace("{port}", str(server.port)) for a in server.argv]
                worker: subprocess.Popen[bytes] | None = None
                try:
                    server.start()
                    if server.name == "Accord" and args.split:
                        with open(workdir / "worker.log", "wb") as log:
                            worker = subprocess.Popen([*accord_command(), "worker"], env=server.env, cwd=workdir,
                                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
                    before = len(fake.calls)
                    deadline = time.monotonic() + args.time_limit
                    result = measure(server, load, args, deadline)
                    results[server.name] = result
                    if result.timed_out:
                        notes.append(
                            f"{server.name}: stopped at the {args.time_limit:.0f} s limit after {result.count} requests"
                        )
                    if result.error_samples:
                        notes.append(f"{server.name}: errors, e.g. {result.error_samples}")
                    if server.name == "Accord":
                        expected = args.warmup + result.count
                        posted, lag = wait_for_posts(fake, expected, timeout=60)
                        calls = len(fake.calls) - before
                        notes.append(
                            f"Accord: {posted}/{expected} decisions announced on the fake Slack "
                            f"({calls} Web API calls); the last {lag:.1f} s after the last ack"
                        )
                finally:
                    server.stop()
                    if worker is not None:
                        worker.send_signal(signal.SIGTERM)
                        try:
                            worker.wait(timeout=25)
                        except subprocess.TimeoutExpired:
                            worker.kill()
                    tail = server.log_tail(10)
                    if any(word in tail for word in ("ERROR", "Traceback", "CRITICAL")):
                        notes.append(f"{server.name} log (tail):\n{tail}")
    finally:
        fake.stop()
        if args.keep_logs:
            print(f"\nlogs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    out = list(results.values())
    print(table(out))
    print()
    if "Accord" in results and "bare Bolt" in results:
        print(verdict(results["Accord"], results["bare Bolt"]))
    for note in notes:
        print(f"\n- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
