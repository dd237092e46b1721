"""`accord serve` started while Slack's Web API is unreachable still answers requests at once.

The bot's identity (auth.test) is learnt in the background: a signed `/decision` is answered
and recorded while nothing listens at ``SLACK_API_URL``; a mention of the bot is answered at once
and read, as one, once the Web API is up and the identity is learnt.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from sqlmodel import col, select

from storage.db import make_engine, session_scope
from storage.models import Decision
from tests import payloads
from tests.fakeslack import BOT_USER_ID, FakeSlack
from tests.harness import SECRET, free_port, serve_env
from tests.processes import Serve


def _post(url: str, body: str, content_type: str) -> httpx.Response:
    headers = {"Content-Type": content_type, **payloads.sign(body, secret=SECRET)}
    return httpx.post(f"{url}/slack/events", content=body.encode(), headers=headers, timeout=30)


def _decisions(database_url: str) -> list[Decision]:
    engine = make_engine(database_url, single_use=True)
    try:
        with session_scope(engine) as session:
            return list(session.exec(select(Decision).order_by(col(Decision.id))))
    finally:
        engine.dispose()


def _wait_for_decisions(database_url: str, count: int, timeout: float = 20) -> list[Decision]:
    deadline = time.monotonic() + timeout
    while len(rows := _decisions(database_url)) < count:
        assert time.monotonic() < deadline, f"{len(rows)} decision(s) recorded, expected {count}"
        time.sleep(0.1)  # polling another process's database writes: there is no event to wait on
    return rows


def test_requests_are_served_while_the_web_api_is_unreachable(tmp_path: Path, fake_slack: FakeSlack,
                                                               database_url: str) -> None:
    api_port = free_port()  # nothing listens here until the test starts the Web API
    env = serve_env(fake_slack, database_url, SLACK_API_URL=f"http://127.0.0.1:{api_port}/api/")
    web_api = FakeSlack()
    serve = Serve("serve", tmp_path, env)
    try:
        serve.wait_healthy()
        body, ctype = payloads.slash_command("/decision", "We adopt the shared glossary",
                                             response_url=fake_slack.response_url("k1"))
        started = time.monotonic()
        response = _post(serve.url, body, ctype)
        assert response.status_code == 200, (response.status_code, response.text, serve.output()[-3000:])
        assert time.monotonic() - started < 3, serve.output()[-3000:]
        [row] = _wait_for_decisions(database_url, 1)
        assert row.text == "We adopt the shared glossary"

        # A mention stored while the bot does not know its own user id waits until it does:
        # read without it, the message would not be taken for a mention of Accord.
        mention = payloads.message_event(f"<@{BOT_USER_ID}> decision: we meet monthly", user="U2",
                                         thread_ts="1764000000.000001")
        mention["type"] = "app_mention"
        body, ctype = payloads.event_callback(mention)
        assert _post(serve.url, body, ctype).status_code == 200
        web_api.start(port=api_port)
        rows = _wait_for_decisions(database_url, 2)
        assert rows[1].text == "we meet monthly" and rows[1].thread_ts == "1764000000.000001"
        assert serve.stop() == 0, serve.output()
    finally:
        if serve.proc.poll() is None:
            serve.proc.kill()
            serve.proc.wait()
        web_api.stop()
