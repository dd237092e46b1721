"""`accord serve --no-worker` only stores and acknowledges; `accord worker` processes do the work."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import func, select

from storage.db import make_engine, session_scope
from storage.models import Decision, InboxRequest
from tests import payloads
from tests.fakeslack import FakeSlack
from tests.harness import SECRET, serve_env
from tests.processes import Serve, serving, wait_until

COMMANDS = 12


def _counts(database_url: str) -> tuple[Counter[str], dict[str, int]]:
    engine = make_engine(database_url, single_use=True)
    try:
        with session_scope(engine) as session:
            texts = Counter(session.execute(select(Decision.text)).scalars())
            states = dict(session.execute(select(InboxRequest.state, func.count())  # type: ignore[call-overload]
                                          .group_by(InboxRequest.state)).all())
    finally:
        engine.dispose()
    return texts, states


def _send(url: str, fake: FakeSlack, text: str) -> int:
    body, ctype = payloads.slash_command("/decision", text, response_url=fake.response_url(text))
    return httpx.post(f"{url}/slack/events", content=body, timeout=10,
                      headers={"Content-Type": ctype, **payloads.sign(body, secret=SECRET)}).status_code


def test_serve_without_a_worker_stores_and_workers_record_and_announce_once(
        tmp_path: Path, fake_slack: FakeSlack, database_url: str) -> None:
    env = serve_env(fake_slack, database_url, ACCORD_SCHEDULER_INTERVAL="1")
    texts = [f"Adopt item {i:02d}" for i in range(COMMANDS)]
    with serving([Serve("front", tmp_path, env, "--no-worker")]) as [front]:
        front.wait_healthy()
        assert [_send(front.url, fake_slack, t) for t in texts[:6]] == [200] * 6
        recorded, states = _counts(database_url)
        assert recorded == Counter() and states == {"pending": 6}
        assert fake_slack.calls_to("chat.postMessage") == []

        with serving([Serve("worker-a", tmp_path, env, command="worker"),
                      Serve("worker-b", tmp_path, env, command="worker")]) as workers:
            assert [_send(front.url, fake_slack, t) for t in texts[6:]] == [200] * 6

            def announced() -> Counter[str]:
                return Counter(t for c in fake_slack.calls_to("chat.postMessage") for t in texts
                               if t in FakeSlack.all_text(c))

            wait_until(lambda: set(announced()) == set(texts), timeout=60, what="every decision announced",
                       logs=lambda: "\n".join(p.output()[-3000:] for p in [front, *workers]))
            # One worker may have announced everything before the other got through its imports; a
            # SIGTERM then would end that one before it has a handler, with nothing of its own to stop.
            wait_until(lambda: all("worker_started" in w.output() for w in workers), timeout=60,
                       what="both workers started", logs=lambda: "\n".join(w.output()[-3000:] for w in workers))
            for worker in workers:
                assert worker.stop() == 0
                assert "worker_stopped" in worker.output() and "Traceback" not in worker.output()
        assert announced() == Counter(texts)
        recorded, states = _counts(database_url)
        assert recorded == Counter(texts) and states == {"done": COMMANDS}
        assert front.stop() == 0
    assert "worker=none" in front.output() and "scheduler_started" not in front.output()
