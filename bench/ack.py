"""Acknowledgement latency: Accord against a Bolt app that only acks, both over HTTP on loopback.

Slack waits 3 s for the HTTP response to a request.  This bench measures that latency (from
sending the request until its response arrives) under concurrent load, for three kinds of request:

* ``decision`` — ``/decision <text>``, a distinct text each time (records a decision, announces it);
* ``commit`` — ``/commit <text> by <date>`` (records a commitment, announces it);
* ``click`` — a ``block_actions`` payload pressing the Agree / Abstain button of an open proposal
  (created first through a signed ``/propose <title>``); 200 members take turns, each member's
  clicks alternating between Agree and Abstain, so every click really changes a position.

Servers, each in its own process on 127.0.0.1, served the same way (uvicorn, Starlette, Bolt's
``app.dispatch`` through ``bot.server.create_web_app``), all started at the beginning of a run:

* **Accord** — the real ``accord serve`` (one command; it runs its own worker process), or with
  ``--split`` ``accord serve --no-worker`` plus one separately started ``accord worker``, talking
  to a fake Slack Web API (``tests.fakeslack``, in this process) and a fresh SQLite file, or a
  fresh schema of a PostgreSQL database with ``--database-url``;
* **ack-only Bolt** (the baseline) — a Bolt app whose listeners for the same three requests only
  call ``ack()`` (with ``process_before_response``, so Bolt answers when the listener returns
  rather than polling for the ack every 10 ms);
* **fair Bolt** (``--fair``) — the same app whose listeners ack, then hand one post to the fake
  Slack to a 4-thread pool: a listener that works after its ack;
* **store-then-ack Bolt** (``--durable``) — the ack-only app with the plainest durable store in
  front of its listeners: a Bolt middleware that inserts each request's body into a table of the
  same kind of database (its own SQLite file, with Accord's pragmas, or a table in Accord's
  PostgreSQL schema) on a DBAPI connection of the request's own thread and commits, one
  transaction per request, before the listener acks. What any app that keeps a request before
  acknowledging it pays at least, next to Accord, which does the same in batches.

The load generator runs in a process of its own (``--generate``, started once per measurement),
with ``--concurrency`` threads, each opening a **new connection per request** as Slack does
(``--keep-alive``: one kept-alive connection per thread instead).  For each concurrency and kind,
each repetition measures every server in turn (Accord first, then the baselines): a warm-up, then
``--requests`` requests.  After each Accord measurement the bench waits until its inbox is drained
and checks that every acknowledged request was recorded once and answered or announced once:
decisions and commitments by their distinct texts in the database and on the fake Slack, clicks
by the inbox rows done, the position changes audited and one reply per click on its response URL.

    python bench/ack.py                                    # SQLite in a temporary directory
    python bench/ack.py --database-url postgresql://postgres@127.0.0.1/test --split
    python bench/ack.py --kinds decision --concurrency 16 --requests 300 --repeat 1 --fair

Everything runs on 127.0.0.1; every process the bench starts is stopped before it exits.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LOOPBACK = "127.0.0.1"
TARGET_RATIO = 1.5  # Accord's p99 at most 1.5× the ack-only app's
KINDS = ("decision", "commit", "click")
CLICK_USERS = 200
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


# ----------------------------------------------------------------------------------- the baselines
def _store_before(store_url: str) -> Any:
    """The store-then-ack baseline's middleware: each request's body inserted and committed, one
    transaction per request on a DBAPI connection of its own thread, before the listener runs."""
    from slack_bolt import BoltRequest, BoltResponse

    local = threading.local()
    sqlite = store_url.startswith("sqlite")
    write = threading.Lock()  # SQLite takes one writer at a time: wait here, not in its busy poll

    def connection() -> Any:
        conn = getattr(local, "conn", None)
        if conn is None:
            if sqlite:
                import sqlite3
                conn = sqlite3.connect(store_url.removeprefix("sqlite:///"), isolation_level=None,
                                       check_same_thread=False)
                for pragma in ("journal_mode=WAL", "busy_timeout=5000", "synchronous=NORMAL"):
                    conn.execute(f"PRAGMA {pragma}")
            else:
                import psycopg
                conn = psycopg.connect(store_url)
            local.conn = conn
        return conn

    def store(req: BoltRequest, resp: BoltResponse, next: Any) -> Any:  # noqa: A002 - Bolt's name
        conn = connection()
        body = json.dumps(req.body, separators=(",", ":"))
        if sqlite:
            with write:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO bare_inbox (body) VALUES (?)", (body,))
                conn.execute("COMMIT")
        else:
            with conn.transaction():
                conn.execute("INSERT INTO bare_inbox (body) VALUES (%s)", (body,))
        return next()

    with contextlib.closing(connection()) as conn:  # the table, made once before serving
        key = "INTEGER PRIMARY KEY" if sqlite else "BIGSERIAL PRIMARY KEY"
        conn.execute(f"CREATE TABLE IF NOT EXISTS bare_inbox (id {key}, body TEXT NOT NULL)")
        conn.commit()
    local.conn = None
    return store


def serve_bare(port: int, *, fair: bool, store_url: str | None = None) -> int:
    """Serve a baseline Bolt app (``--serve-bare``): listeners that ack (and, ``fair``, post after), with
    each request stored and committed before its listener runs when ``store_url`` is given."""
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    from slack_bolt import Ack, App
    from slack_sdk import WebClient
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from bot.config import Settings
    from bot.server import create_web_app, serve_http
    from handlers.shared import ids

    # Bolt's single-team authorization calls auth.test once, on the first request: like Accord's,
    # the client points at the bench's fake Slack, so nothing leaves 127.0.0.1.
    client = WebClient(token="xoxb-test", base_url=os.environ["SLACK_API_URL"])
    # process_before_response: Bolt answers as soon as the listener returns, instead of polling
    # every 10 ms for its ack() from another thread, so this is the fastest a Bolt app acks.
    app = App(token="xoxb-test", client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"],
              token_verification_enabled=False, process_before_response=True)
    work = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bare-work")
    if store_url is not None:
        app.middleware(_store_before(store_url))

    def command(ack: Ack, command: dict[str, Any]) -> None:
        ack()
        if fair:
            work.submit(client.chat_postMessage, channel=command["channel_id"], text=command.get("text") or "-")

    def click(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        if fair:
            work.submit(client.chat_postMessage, channel=body["channel"]["id"], text="clicked")

    for name in ("/decision", "/commit", "/propose"):
        app.command(name)(command)
    for action in (ids.POSITION_AGREE, ids.POSITION_ABSTAIN):
        app.action(action)(click)

    # create_web_app's /healthz pings the runtime's engine: give it an in-memory one.
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    settings = Settings(slack_signing_secret=os.environ["SLACK_SIGNING_SECRET"])  # no report, no feeds
    web = create_web_app(app, SimpleNamespace(engine=engine, settings=settings))  # type: ignore[arg-type]
    serve_http(web, host=LOOPBACK, port=port, log_level="warning")
    return 0


# ------------------------------------------------------------------------------------ processes
def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (``accord serve`` runs its worker as a child process)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int | None) -> float:
    """User plus system CPU time a process has used so far (0 when it is gone)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def end_process(pid: int, grace: float = 10.0) -> None:
    """SIGTERM one process by its id if it still runs, SIGKILL it after ``grace`` seconds."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a server: ours without Slack/database settings or proxies, plus ``extra``;
    it imports this tree's code (as a worktree of another commit, say), whatever is installed."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "ACCORD_")) and k not in (*_PROXY_VARS, "DATABASE_URL", "PORT")
    }
    env["NO_PROXY"] = env["no_proxy"] = f"{LOOPBACK},localhost"
    env["PYTHONPATH"] = str(ROOT)  # the code of this tree, not a copy installed from another one
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
        """SIGTERM (uvicorn drains, Accord waits for its listeners and ends its worker), then SIGKILL.

        Child processes the server started (``accord serve``'s worker) that outlive it are ended too.
        """
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        kids = children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        for pid in kids:
            end_process(pid)

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


def _plain_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq takes it (no ``+driver``)."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


def _stored_count(store_url: str) -> int:
    """Rows the store-then-ack baseline has stored so far."""
    if store_url.startswith("sqlite"):
        import sqlite3
        with contextlib.closing(sqlite3.connect(store_url.removeprefix("sqlite:///"))) as conn:
            return int(conn.execute("SELECT count(*) FROM bare_inbox").fetchone()[0])
    import psycopg
    with psycopg.connect(store_url) as conn:
        return int(conn.execute("SELECT count(*) FROM bare_inbox").fetchone()[0])  # type: ignore[index]


def _stored_check(store_url: str, acked: int, before: int) -> str:
    """Whether the store-then-ack baseline stored at least every request it acknowledged in a measurement."""
    stored = _stored_count(store_url) - before
    return f"ok: {stored} stored" if stored >= acked else f"FAILED: {acked} acknowledged, {stored} stored"


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


# ------------------------------------------------------------------------------- the load generator
def _marker(spec: dict[str, Any], n: int) -> str:
    return f"Bench {spec['run']} {spec['server']}-{spec['kind']} #{n}:"


def _body(spec: dict[str, Any], n: int) -> tuple[str, str]:
    """Request ``n`` of the spec's kind, shaped as ``tests.payloads`` shapes it, with a trigger id of its own."""
    from tests.payloads import block_action, interactive, slash_command

    trigger = f"{spec['run']}.{spec['server']}.{spec['kind']}.{n}"
    response_url = f"{spec['fake']}/response/{spec['run']}-{spec['server']}-{spec['kind']}-{n}"
    kind = spec["kind"]
    if kind == "mixed":  # /decision and /commit in turn
        kind = "decision" if n % 2 == 0 else "commit"
        spec = {**spec, "kind": kind}
    if kind == "click":
        user = f"UB{n % CLICK_USERS:03d}"
        action = "accord_position_agree" if (n // CLICK_USERS) % 2 == 0 else "accord_position_abstain"
        body, _ = block_action(action, str(spec["proposal_id"]), user=user, channel=spec["channel"],
                               message_ts=spec["message_ts"], response_url=response_url)
        payload = json.loads(dict(parse_qsl(body))["payload"])
        payload["trigger_id"] = trigger
        return interactive(payload)
    if kind == "decision":
        command, text = "/decision", f"{_marker(spec, n)} adopt option {n % 7} for work package {n % 5}"
    elif kind == "commit":
        command, text = "/commit", f"{_marker(spec, n)} draft section {n % 9} of the annex by {spec['due']}"
    else:
        command, text = "/propose", spec["text"]
    body, content_type = slash_command(command, text, user=f"UB{n % 40:03d}", response_url=response_url)
    fields = dict(parse_qsl(body, keep_blank_values=True))
    fields["trigger_id"] = trigger
    return urlencode(fields), content_type


def post(port: int, body: str, content_type: str, secret: str, *, conn: http.client.HTTPConnection | None = None,
         timeout: float = 10.0) -> int:
    """POST one signed request to /slack/events; a new connection unless ``conn`` is given."""
    from tests.payloads import sign

    own = conn is None
    c = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout) if conn is None else conn
    try:
        c.request("POST", "/slack/events", body=body.encode(),
                  headers={"Content-Type": content_type, **sign(body, secret=secret)})
        response = c.getresponse()
        response.read()
        return response.status
    finally:
        if own:
            c.close()


def generate(spec: dict[str, Any]) -> dict[str, Any]:
    """Send a warm-up, then the measured requests, from ``concurrency`` threads (``--generate``)."""
    lock = threading.Lock()
    latencies: list[float] = []
    acked: list[int] = []
    errors: list[str] = []
    deadline = time.monotonic() + spec["time_limit"]

    def run(first: int, count: int, measured: bool) -> float:
        counter = iter(range(first, first + count))
        gate = threading.Barrier(spec["concurrency"] + 1)

        def worker() -> None:
            conn: http.client.HTTPConnection | None = None
            gate.wait()
            while time.monotonic() < deadline:
                with lock:
                    n = next(counter, None)
                if n is None:
                    break
                body, content_type = _body(spec, n)
                if spec["keepalive"] and conn is None:
                    conn = http.client.HTTPConnection(LOOPBACK, spec["port"], timeout=spec["timeout"])
                t0 = time.perf_counter()
                try:
                    status = post(spec["port"], body, content_type, spec["secret"], conn=conn,
                                  timeout=spec["timeout"])
                    error = None if status == 200 else f"HTTP {status}"
                except (OSError, http.client.HTTPException) as err:
                    error = f"{type(err).__name__}: {err}"
                    if conn is not None:
                        conn.close()
                        conn = None
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    if error is None:
                        acked.append(n)
                    if measured:
                        latencies.append(elapsed)
                        if error:
                            errors.append(error)
            if conn is not None:
                conn.close()

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(spec["concurrency"])]
        for t in threads:
            t.start()
        gate.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        return time.perf_counter() - t0

    if spec["warmup"]:
        run(spec["first"], spec["warmup"], measured=False)
    started = time.monotonic()  # CLOCK_MONOTONIC: comparable with the bench process's clock
    wall = run(spec["first"] + spec["warmup"], spec["requests"], measured=True)
    return {"latencies": latencies, "acked": sorted(acked), "errors": len(errors), "error_samples": errors[:5],
            "wall": wall, "started": started, "timed_out": time.monotonic() >= deadline}


# --------------------------------------------------------------------------------------- measuring
@dataclass
class Result:
    server: str
    kind: str
    concurrency: int
    rep: int
    latencies_ms: list[float]
    errors: int
    wall_s: float
    acked: list[int] = field(default_factory=list)
    check: str = ""
    serve_cpu_ms: float = float("nan")  # CPU of the acknowledging process per request (warm-up included)
    others_cpu_ms: float = 0.0  # CPU of its child processes (`accord serve`'s worker) per request, meanwhile

    def pct(self, p: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.wall_s if self.wall_s > 0 else float("nan")


def run_generator(spec: dict[str, Any]) -> dict[str, Any]:
    env = child_env(PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--generate"], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(json.dumps(spec).encode(), timeout=spec["time_limit"] + spec["timeout"] + 60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"load generator exited with {proc.returncode}: {err.decode(errors='replace')[-2000:]}")
    return json.loads(out)


class Checker:
    """Waits for Accord's work to drain after a measurement and checks it was done once per acked request."""

    def __init__(self, db_url: str, fake: Any, run: str) -> None:
        from sqlalchemy import create_engine

        from storage.db import normalise_url

        self.engine = create_engine(normalise_url(db_url))
        self.fake, self.run = fake, run
        self.seen = 0  # fake calls already scanned
        self.announced: dict[str, dict[int, int]] = {k: {} for k in KINDS}
        self.replied: dict[str, dict[int, int]] = {k: {} for k in KINDS}

    def close(self) -> None:
        self.engine.dispose()

    def _scan(self) -> None:
        import re

        calls = list(self.fake.calls[self.seen:])
        self.seen += len(calls)
        pattern = re.compile(rf"Bench {self.run} accord-(\w+) #(\d+):")
        for c in calls:
            if c.method == "response_url":
                parts = str(c.params.get("key", "")).split("-")
                if len(parts) == 4 and parts[0] == self.run and parts[1] == "accord" and parts[2] in KINDS:
                    box = self.replied[parts[2]]
                    box[int(parts[3])] = box.get(int(parts[3]), 0) + 1
            elif c.method == "chat.postMessage" and c.ok:
                for kind, n in {(k, int(n)) for k, n in pattern.findall(self.fake.all_text(c))}:
                    if kind in self.announced:
                        self.announced[kind][n] = self.announced[kind].get(n, 0) + 1

    def counts(self) -> dict[str, int]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT state, count(*) FROM inbox GROUP BY state")).all()
            audited = conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'position.take'")).scalar()
        return {**{str(s): int(c) for s, c in rows}, "position.take": int(audited or 0)}

    def recorded(self, kind: str) -> dict[int, int]:
        import re

        from sqlalchemy import text

        table = {"decision": "decision", "commit": "commitment"}[kind]
        pattern = re.compile(rf"Bench {self.run} accord-{kind} #(\d+):")
        with self.engine.connect() as conn:
            texts = conn.execute(text(f"SELECT text FROM {table} WHERE text LIKE :p"),
                                 {"p": f"Bench {self.run} accord-{kind} #%"}).scalars().all()
        out: dict[int, int] = {}
        for t in texts:
            m = pattern.match(t)
            if m:
                out[int(m.group(1))] = out.get(int(m.group(1)), 0) + 1
        return out

    def wait_and_check(self, kind: str, acked: list[int], before: dict[str, int], sent: range,
                       timeout: float = 180) -> str:
        """'ok …' when every acked request was recorded and announced (or answered) exactly once."""
        t0 = time.monotonic()
        while True:
            self._scan()
            now = self.counts()
            drained = not now.get("pending")
            if kind == "click":
                done = all(self.replied[kind].get(n) for n in acked)
            else:
                done = all(self.announced[kind].get(n) for n in acked)
            if (drained and done) or time.monotonic() - t0 > timeout:
                break
            time.sleep(0.2)
        lag = time.monotonic() - t0
        time.sleep(0.5)  # anything done twice would show now
        self._scan()
        now = self.counts()
        stored = sum(now.values()) - now["position.take"] - (sum(before.values()) - before["position.take"])
        done_delta = now.get("done", 0) - before.get("done", 0)
        problems = []
        if stored != len(acked) or done_delta != len(acked):
            problems.append(f"inbox: {len(acked)} acked, {stored} stored, {done_delta} done")
        if now.get("failed", 0) != before.get("failed", 0) or now.get("pending"):
            problems.append(f"inbox: {now.get('pending', 0)} pending, "
                            f"{now.get('failed', 0) - before.get('failed', 0)} failed")
        if kind == "click":
            changed = now["position.take"] - before["position.take"]
            replies = self.replied[kind]
            if any(replies.get(n) != 1 for n in acked) or len(replies) != len(set(acked)):
                problems.append(f"replies: {sum(1 for n in acked if replies.get(n) == 1)}/{len(acked)} once")
            detail = f"{len(acked)} clicks, {changed} positions changed, {len(replies)} replies"
            if changed != len(acked):
                problems.append(f"{len(acked) - changed} clicks changed nothing")
        else:
            recorded, announced = self.recorded(kind), self.announced[kind]
            unacked = {n for n in recorded if n in sent} - set(acked)
            if any(recorded.get(n) != 1 for n in acked) or unacked:
                problems.append(f"recorded: {sum(1 for n in acked if recorded.get(n) == 1)}/{len(acked)} once, "
                                f"{len(unacked)} recorded but not acked")
            if any(announced.get(n) != 1 for n in acked):
                problems.append(f"announced: {sum(1 for n in acked if announced.get(n) == 1)}/{len(acked)} once")
            detail = f"{len(acked)} recorded and announced"
        for box in (self.announced[kind], self.replied[kind]):
            box.clear()
        return (f"PROBLEM: {'; '.join(problems)}" if problems else f"ok: {detail} once") + f", drained {lag:.1f} s"


def create_proposal(port: int, secret: str, fake: Any, checker: Checker, run: str) -> dict[str, Any]:
    """A proposal opened through a signed ``/propose``; its id, channel and message ts once it is posted."""
    from sqlalchemy import text

    spec = {"run": run, "server": "setup", "kind": "propose", "fake": fake.base_url,
            "text": f"Bench {run}: adopt the data policy"}
    body, content_type = _body(spec, 0)
    status = post(port, body, content_type, secret)
    if status != 200:
        raise RuntimeError(f"/propose answered HTTP {status}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with checker.engine.connect() as conn:
            row = conn.execute(text("SELECT id, channel_id, message_ts FROM proposal WHERE title LIKE :t"),
                               {"t": f"Bench {run}:%"}).first()
        if row is not None and row.message_ts:
            return {"proposal_id": int(row.id), "channel": row.channel_id, "message_ts": row.message_ts}
        time.sleep(0.2)
    raise RuntimeError("the proposal was not posted within 60 s")


# ------------------------------------------------------------------------------------------ report
def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(results: list[Result], args: argparse.Namespace) -> None:
    print("\n## Every measurement\n")
    print("| rep | concurrency | kind | server | requests | errors | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) "
          "| req/s | serving CPU ms/request | its children's CPU ms/request | check |")
    print("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        print(f"| {r.rep} | {r.concurrency} | {r.kind} | {r.server} | {len(r.latencies_ms)} | {r.errors} | "
              f"{r.pct(50):.1f} | {r.pct(90):.1f} | {r.pct(99):.1f} | {max(r.latencies_ms, default=0):.1f} | "
              f"{r.throughput:.0f} | {r.serve_cpu_ms:.2f} | {r.others_cpu_ms:.2f} | {r.check} |")
    fair = any(r.server == "fair Bolt" for r in results)
    durable = any(r.server == "store-then-ack Bolt" for r in results)
    print(f"\n## Summary (median over {args.repeat} repetition(s); ratio range in brackets)\n")
    head = "| concurrency | kind | Accord p50 | Accord p99 | ack-only p50 | ack-only p99 | p99 ratio |"
    line = "|---:|---|---:|---:|---:|---:|---:|"
    if fair:
        head += " fair p99 | ratio to fair |"
        line += "---:|---:|"
    if durable:
        head += " store-then-ack p99 | ratio to store-then-ack |"
        line += "---:|---:|"
    print(head + " target ≤ 1.5× | all recorded once |")
    print(line + "---|---|")
    for conc in args.concurrency:
        for kind in args.kinds:
            def of(server: str, conc: int = conc, kind: str = kind) -> list[Result]:
                return [r for r in results if r.server == server and r.concurrency == conc and r.kind == kind]

            accord, bare, fairs, stores = of("Accord"), of("ack-only Bolt"), of("fair Bolt"), of("store-then-ack Bolt")
            if not accord or not bare:
                continue
            ratios = [a.pct(99) / b.pct(99) for a, b in zip(accord, bare, strict=False)]
            ratio = _median(ratios)
            row = (f"| {conc} | {kind} | {_median([a.pct(50) for a in accord]):.1f} | "
                   f"{_median([a.pct(99) for a in accord]):.1f} | {_median([b.pct(50) for b in bare]):.1f} | "
                   f"{_median([b.pct(99) for b in bare]):.1f} | {ratio:.2f}× "
                   f"[{min(ratios):.2f}–{max(ratios):.2f}] |")
            if fair:
                fratios = [a.pct(99) / f.pct(99) for a, f in zip(accord, fairs, strict=False)]
                row += (f" {_median([f.pct(99) for f in fairs]):.1f} | {_median(fratios):.2f}× |" if fairs
                        else " | |")
            if durable:
                sratios = [a.pct(99) / d.pct(99) for a, d in zip(accord, stores, strict=False)]
                row += (f" {_median([d.pct(99) for d in stores]):.1f} | {_median(sratios):.2f}× "
                        f"[{min(sratios):.2f}–{max(sratios):.2f}] |" if stores else " | |")
            ok = all(a.check.startswith("ok") for a in accord)
            print(row + f" {'met' if ratio <= TARGET_RATIO else 'missed'} | {'yes' if ok else 'NO'} |")


# -------------------------------------------------------------------------------------------- main
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=600, help="measured requests per measurement (default 600)")
    p.add_argument("--warmup", type=int, default=40, help="unmeasured requests first (default 40)")
    p.add_argument("--concurrency", type=int, nargs="+", default=[16, 64], help="default: 16 64")
    p.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    p.add_argument("--repeat", type=int, default=2, help="repetitions of every measurement (default 2)")
    p.add_argument("--keep-alive", action="store_true", help="one kept-alive connection per client thread")
    p.add_argument("--fair", action="store_true", help="also measure the baseline that posts after its ack")
    p.add_argument("--durable", action="store_true",
                   help="also measure the baseline that stores each request (one transaction each) before its ack")
    p.add_argument("--time-limit", type=float, default=120.0, help="seconds per measurement at most (default 120)")
    p.add_argument("--database-url", default=None,
                   help="PostgreSQL on 127.0.0.1 instead of SQLite, e.g. postgresql://postgres@127.0.0.1/test "
                   "(a fresh schema is created and dropped)")
    p.add_argument("--split", action="store_true",
                   help="run Accord as `accord serve --no-worker` plus one `accord worker` process")
    p.add_argument("--keep-logs", action="store_true", help="print where the server logs are and keep them")
    p.add_argument("--serve-bare", choices=("ack", "fair", "store"), default=None, help=argparse.SUPPRESS)
    p.add_argument("--store-url", default=None, help=argparse.SUPPRESS)
    p.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=None, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.generate:
        json.dump(generate(json.load(sys.stdin)), sys.stdout)
        return 0
    if args.serve_bare:
        return serve_bare(args.port, fair=args.serve_bare == "fair",
                          store_url=args.store_url if args.serve_bare == "store" else None)
    if args.requests < 1 or min(args.concurrency) < 1 or args.warmup < 0:
        raise SystemExit("--requests and --concurrency must be positive, --warmup non-negative")

    from tests.fakeslack import FakeSlack

    # A SIGTERM to the bench unwinds like Ctrl-C, so the finally blocks stop the servers.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    secret, run = secrets.token_hex(16), secrets.token_hex(3)
    workdir = Path(tempfile.mkdtemp(prefix="accord-bench-"))
    fake = FakeSlack().start()
    results: list[Result] = []
    notes: list[str] = []
    servers: list[Server] = []
    worker: subprocess.Popen[bytes] | None = None
    checker: Checker | None = None
    try:
        with database(args.database_url, workdir) as (db_url, db_label):
            print(f"# Acknowledgement latency: {', '.join(args.kinds)} at concurrency "
                  f"{', '.join(map(str, args.concurrency))}; {args.requests} measured requests (warm-up "
                  f"{args.warmup}) per server, {args.repeat} repetition(s)\n")
            print(f"- machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {sys.platform}")
            print(f"- Accord database: {db_label}")
            print(f"- Accord shape: {'serve --no-worker + 1 worker' if args.split else 'one accord serve'}")
            print(f"- client: its own process, {'keep-alive' if args.keep_alive else 'a new connection per request'}",
                  flush=True)
            accord_env = child_env(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=secret,
                                   SLACK_API_URL=fake.api_url, DATABASE_URL=db_url, LOG_LEVEL="WARNING",
                                   ACCORD_SLACK_POST_RATE="off")  # the baselines' posts are not paced either
            servers.append(Server("Accord", [*accord_command(), "serve", "--host", LOOPBACK, "--port", "{port}",
                                             *(["--no-worker"] if args.split else [])], accord_env, 0, workdir))
            bare_env = child_env(SLACK_SIGNING_SECRET=secret, SLACK_API_URL=fake.api_url, PYTHONPATH=str(ROOT))
            store_url = (f"sqlite:///{workdir / 'store-then-ack.db'}" if args.database_url is None
                         else _plain_url(db_url))
            for name, mode in (("ack-only Bolt", "ack"), *((("fair Bolt", "fair"),) if args.fair else ()),
                               *((("store-then-ack Bolt", "store"),) if args.durable else ())):
                servers.append(Server(name, [sys.executable, str(Path(__file__).resolve()), "--serve-bare", mode,
                                             "--port", "{port}", "--store-url", store_url], bare_env, 0, workdir))
            for server in servers:
                server.port = free_port()
                server.argv = [a.replace("{port}", str(server.port)) for a in server.argv]
                server.start()
            if args.split:
                with open(workdir / "worker.log", "wb") as log:
                    worker = subprocess.Popen([*accord_command(), "worker"], env=accord_env, cwd=workdir,
                                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            checker = Checker(db_url, fake, run)
            stored_before = 0
            proposal = create_proposal(servers[0].port, secret, fake, checker, run) if "click" in args.kinds else {}
            next_index: dict[tuple[str, str], int] = {}
            for rep in range(1, args.repeat + 1):
                for conc in args.concurrency:
                    for kind in args.kinds:
                        for server in servers:
                            key = "accord" if server.name == "Accord" else server.name.split()[0]
                            first = next_index.get((key, kind), 0)
                            spec = {"run": run, "server": key, "kind": kind, "fake": fake.base_url,
                                    "port": server.port, "secret": secret, "first": first, "warmup": args.warmup,
                                    "requests": args.requests, "concurrency": conc, "keepalive": args.keep_alive,
                                    "timeout": 10.0, "time_limit": args.time_limit,
                                    "due": (date.today() + timedelta(days=14)).isoformat(), **proposal}
                            before = checker.counts() if server.name == "Accord" else {}
                            pid = server.proc.pid if server.proc is not None else None
                            kids = children(pid) if pid is not None else []
                            cpu0, kids0 = cpu_seconds(pid), sum(cpu_seconds(k) for k in kids)
                            out = run_generator(spec)
                            cpu = cpu_seconds(pid) - cpu0
                            kids_cpu = sum(cpu_seconds(k) for k in kids) - kids0
                            next_index[(key, kind)] = first + args.warmup + args.requests
                            r = Result(server.name, kind, conc, rep, out["latencies"], out["errors"], out["wall"],
                                       out["acked"], serve_cpu_ms=1000 * cpu / (args.warmup + args.requests),
                                       others_cpu_ms=1000 * kids_cpu / (args.warmup + args.requests))
                            if out["error_samples"]:
                                notes.append(f"{server.name} {kind} c{conc}: errors, e.g. {out['error_samples']}")
                            if out["timed_out"]:
                                notes.append(f"{server.name} {kind} c{conc}: stopped at the time limit")
                            if server.name == "Accord":
                                r.check = checker.wait_and_check(kind, r.acked, before,
                                                                 range(first, next_index[(key, kind)]))
                            elif server.name == "store-then-ack Bolt":
                                r.check = _stored_check(store_url, len(r.acked), stored_before)
                                stored_before = _stored_count(store_url)
                            results.append(r)
                            print(f"  rep {rep} c{conc} {kind:<8} {server.name:<14} p50 {r.pct(50):7.1f} "
                                  f"p99 {r.pct(99):7.1f} ms, {r.throughput:5.0f} req/s, "
                                  f"{r.serve_cpu_ms:.2f} CPU ms/req (children {r.others_cpu_ms:.2f}), "
                                  f"{r.errors} errors "
                                  f"{r.check}", flush=True)
    finally:
        if checker is not None:
            checker.close()
        for server in servers:
            server.stop()
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=25)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        for server in servers:
            tail = server.log_tail(10)
            if any(word in tail for word in ("ERROR", "Traceback", "CRITICAL")):
                notes.append(f"{server.name} log (tail):\n{tail}")
        fake.stop()
        if args.keep_logs:
            print(f"\nlogs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    report(results, args)
    for note in notes:
        print(f"\n- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
