"""The real Accord app behind the real HTTP server on a loopback port, talking to a FakeSlack."""

from __future__ import annotations

import itertools
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import uvicorn

from bot.app import build_runtime, create_app, worker_tasks
from bot.clock import FakeClock
from bot.config import Settings
from bot.manifest import REDIRECT_PATH
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from bot.server import create_web_app
from storage.db import make_engine
from tests import payloads
from tests.fakeslack import Call, FakeSlack

SECRET = "test-signing-secret"
TOKEN = "xoxb-test"
FACILITATOR = "UFAC"
CLIENT_ID, CLIENT_SECRET = "111.222", "shh"  # the Slack app's OAuth credentials, under OAuth
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_settings(fake: FakeSlack, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": TOKEN, "slack_signing_secret": SECRET, "slack_api_url": fake.api_url,
        "database_url": database_url, "facilitators": frozenset({FACILITATOR}), "timezone": "UTC",
        "slack_post_rate": None,  # unpaced, unless a test sets a rate
    }
    values.update(overrides)
    return Settings(**values)


SOURCE_ROOT = Path(__file__).resolve().parent.parent


def serve_env(fake: FakeSlack, database_url: str, **settings: str) -> dict[str, str]:
    """The environment of an `accord serve` process talking to ``fake``: this process's environment
    without any Slack, Accord or database setting of its own, plus the test's settings.

    A setting given as an empty string is left out (e.g. ``SLACK_SIGNING_SECRET=""`` for Socket Mode).
    The process imports this working tree's code, not a copy installed earlier.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "ACCORD_")) and k not in ("DATABASE_URL", "PORT")}
    values = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
              "DATABASE_URL": database_url, "LOG_LEVEL": "INFO", "ACCORD_FACILITATORS": FACILITATOR,
              "ACCORD_SLACK_POST_RATE": "off", "PYTHONPATH": str(SOURCE_ROOT), **settings}
    env.update({k: v for k, v in values.items() if v})
    return env


@dataclass
class Sent:
    """A request the test sent, and how to find Accord's reply to it."""

    response: httpx.Response
    harness: Harness
    key: str | None = None

    @property
    def status(self) -> int:
        return self.response.status_code

    def reply(self, timeout: float = 5.0) -> Call:
        """The (first) response_url answer to this command."""
        assert self.key is not None, "only commands and actions have a response URL"
        return self.harness.fake.wait_for("response_url", where=lambda c: c.params.get("key") == self.key,
                                          timeout=timeout)[0]

    def reply_text(self, timeout: float = 5.0) -> str:
        return FakeSlack.all_text(self.reply(timeout))


@dataclass
class Harness:
    fake: FakeSlack
    rt: Runtime
    url: str
    clock: FakeClock
    scheduler: Scheduler
    server: Any = None
    thread: Any = None
    app: Any = None
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=15))
    _keys: Any = field(default_factory=lambda: itertools.count(1))

    def post(self, body: str, content_type: str, *, timestamp: int | None = None, secret: str = SECRET,
             headers: dict[str, str] | None = None) -> httpx.Response:
        """POST to /slack/events, signed as Slack signs."""
        signed = payloads.sign(body, secret=secret, timestamp=timestamp)
        all_headers = {"Content-Type": content_type, **signed, **(headers or {})}
        return self.http.post(f"{self.url}/slack/events", content=body.encode(), headers=all_headers)

    def command(self, command: str, text: str = "", *, user: str = "U1", channel: str = "C1",
                team: str = payloads.TEAM, settle: bool = True, enterprise: str | None = None,
                org_install: bool = False, **kw: Any) -> Sent:
        key = f"cmd{next(self._keys)}"
        body, ctype = payloads.slash_command(command, text, user=user, channel=channel, team=team,
                                             response_url=self.fake.response_url(key), enterprise=enterprise,
                                             org_install=org_install)
        sent = Sent(self.post(body, ctype, **kw), self, key)
        if settle:
            self.settle()
        return sent

    def event(self, event: dict[str, Any], *, event_id: str | None = None, team: str = payloads.TEAM,
              actor_team: str | None = None, settle: bool = True, enterprise: str | None = None,
              org_install: bool = False, **kw: Any) -> Sent:
        body, ctype = payloads.event_callback(event, team=team, event_id=event_id, actor_team=actor_team,
                                              enterprise=enterprise, org_install=org_install)
        sent = Sent(self.post(body, ctype, **kw), self)
        if settle:
            self.settle()
        return sent

    def action(self, action_id: str, value: str, *, settle: bool = True, **kw: Any) -> Sent:
        key = f"act{next(self._keys)}"
        body, ctype = payloads.block_action(action_id, value, response_url=self.fake.response_url(key), **kw)
        sent = Sent(self.post(body, ctype), self, key)
        if settle:
            self.settle()
        return sent

    def submit(self, callback_id: str, values: dict[str, Any], *, settle: bool = True, **kw: Any) -> Sent:
        body, ctype = payloads.view_submission(callback_id, values, **kw)
        sent = Sent(self.post(body, ctype), self)
        if settle:
            self.settle()
        return sent

    def shortcut(self, callback_id: str, *, settle: bool = True, **kw: Any) -> Sent:
        body, ctype = payloads.message_shortcut(callback_id, **kw)
        sent = Sent(self.post(body, ctype), self)
        if settle:
            self.settle()
        return sent

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until every listener has finished the work it does after its ack."""
        assert self.rt.drain(timeout), "listeners still busy"

    def tick(self, now: datetime | None = None) -> None:
        """Run the scheduler's due work once at ``now`` (default: the fake clock)."""
        self.scheduler.run_due(now)
        self.settle()

    def stop(self) -> None:
        self.settle()
        if self.server is not None:
            self.server.should_exit = True
            self.thread.join(10)
        self.http.close()
        if self.rt.identity is not None:
            self.rt.identity.stop()
        self.rt.inbox.stop()
        self.rt.engine.dispose()


def start_harness(fake: FakeSlack, database_url: str, *, clock: FakeClock | None = None, **overrides: Any) -> Harness:
    """Build the app on ``database_url`` (already migrated) and serve it on a loopback port."""
    settings = make_settings(fake, database_url, **overrides)
    clock = clock or FakeClock(START)
    rt = build_runtime(settings, engine=make_engine(database_url), clock=clock)
    app = create_app(rt)
    if rt.identity is not None:  # learnt in the background: known before the test's first request
        rt.identity.wait_known(5)
    scheduler = Scheduler(rt, worker_tasks(app))
    web = create_web_app(app, rt)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(500):
        if server.started:
            started.set()
            break
        started.wait(0.01)
    assert server.started, "server did not start"
    return Harness(fake=fake, rt=rt, url=f"http://127.0.0.1:{port}", clock=clock, scheduler=scheduler,
                   server=server, thread=thread, app=app)


def start_install(harness: Harness) -> tuple[str, str]:
    """Open the install page as a browser does: Slack's authorize URL (its state) and the state cookie."""
    response = harness.http.get(f"{harness.url}/slack/install", follow_redirects=False)
    assert response.status_code in (200, 302)
    location = response.headers.get("location") or response.text
    start = location.index("https://slack.com/oauth/v2/authorize")
    url = urlparse(location[start:].split('"')[0].replace("&amp;", "&"))
    cookie = response.headers["set-cookie"].split(";")[0]
    return url.query, cookie


def install(harness: Harness, *, code: str, **grant: str | bool | None) -> httpx.Response:
    """A whole install: the install page, Slack granting ``code``, the browser back on our redirect URL."""
    query, cookie = start_install(harness)
    [state] = parse_qs(query)["state"]
    harness.fake.grant_install(code, **grant)  # type: ignore[arg-type]
    return harness.http.get(f"{harness.url}{REDIRECT_PATH}", params={"code": code, "state": state},
                            headers={"Cookie": cookie}, follow_redirects=False)
