"""Acknowledged means kept: `kill -9` of a real `accord serve` in the middle of a burst, then a restart.

A burst of signed `/decision` commands and `Decision:` messages goes to a real process while the
fake Slack answers slowly; the process is killed with SIGKILL part-way. Every request that got a
2xx must be recorded exactly once after a restart (none twice, none lost), and announced; a
request that got no answer may or may not be recorded, but never twice.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from bot.app import WORK_THREADS
from bot.outbox import SENDERS
from bot.runtime import SEND_THREADS
from storage.db import make_engine, session_scope
from storage.models import Decision
from tests import payloads
from tests.fakeslack import FakeSlack
from tests.harness import SECRET, serve_env
from tests.processes import Serve, serving, wait_until

BURST = 100  # of each: commands and messages
SLACK_LATENCY = 0.3
KILL_AFTER = 40  # answered requests


def _slow_slack(monkeypatch: pytest.MonkeyPatch, fake: FakeSlack) -> None:
    handle = fake._handle

    def slow(path: str, query: str, headers: object, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        time.sleep(SLACK_LATENCY)
        return handle(path, query, headers, raw)

    monkeypatch.setattr(fake, "_handle", slow)


def _requests(fake: FakeSlack) -> list[tuple[str, str, str]]:
    """(marker, body, content type) for BURST commands and BURST messages, interleaved."""
    out = []
    for i in range(BURST):
        marker = f"cmd-{i:03d}"
        body, ctype = payloads.slash_command("/decision", f"Adopt {marker}", response_url=fake.response_url(marker))
        out.append((marker, body, ctype))
        marker = f"msg-{i:03d}"
        body, ctype = payloads.event_callback(payloads.message_event(f"Decision: adopt {marker}",
                                                                     ts=f"1764000000.{i:06d}"))
        out.append((marker, body, ctype))
    return out


def _recorded(database_url: str) -> Counter[str]:
    engine = make_engine(database_url, single_use=True)
    try:
        with session_scope(engine) as session:
            texts = list(session.exec(select(Decision.text)))
    finally:
        engine.dispose()
    return Counter(t.split()[-1] for t in texts)


def test_kill_9_mid_burst_loses_nothing_acknowledged(tmp_path: Path, fake_slack: FakeSlack, database_url: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _slow_slack(monkeypatch, fake_slack)
    env = serve_env(fake_slack, database_url, ACCORD_LEASE="2s", ACCORD_SCHEDULER_INTERVAL="0.5")
    acked: set[str] = set()
    lock = threading.Lock()
    requests = _requests(fake_slack)
    with serving([Serve("serve-1", tmp_path, env)]) as [first]:
        first.wait_healthy()
        killed = threading.Event()

        def send(item: tuple[str, str, str]) -> None:
            marker, body, ctype = item
            if killed.is_set():
                return
            headers = {"Content-Type": ctype, **payloads.sign(body, secret=SECRET)}
            try:
                answer = httpx.post(f"{first.url}/slack/events", content=body.encode(), headers=headers, timeout=10)
            except httpx.TransportError:
                return
            if 200 <= answer.status_code < 300:
                with lock:
                    acked.add(marker)
                    if len(acked) >= KILL_AFTER and not killed.is_set():
                        killed.set()
                        first.proc.send_signal(signal.SIGKILL)

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(send, requests))
        first.proc.wait(timeout=10)
        assert first.proc.returncode == -signal.SIGKILL
    assert len(acked) >= KILL_AFTER
    before_restart = _recorded(database_url)
    assert not [m for m, n in before_restart.items() if n > 1]
    lost_before = acked - set(before_restart)
    assert lost_before, "the kill came too late to leave acknowledged work undone; the test proves nothing"

    with serving([Serve("serve-2", tmp_path, env)]) as [second]:
        second.wait_healthy()
        wait_until(lambda: acked <= set(_recorded(database_url)), timeout=150,
              what="every acknowledged request recorded", logs=second.output)
        recorded = _recorded(database_url)
        assert [m for m, n in recorded.items() if n > 1] == []  # nothing recorded twice
        assert set(recorded) <= {m for m, _, _ in requests}

        by_ts = {f"1764000000.{i:06d}": f"msg-{i:03d}" for i in range(BURST)}

        def announced() -> Counter[str]:
            """Announcements per record: a command's in its text, a message's as the reply in its thread."""
            seen: Counter[str] = Counter()
            for call in fake_slack.calls_to("chat.postMessage"):
                text = FakeSlack.all_text(call)
                if "Recorded *decision" in text:
                    seen[by_ts.get(call.params.get("thread_ts") or "", "?")] += 1
                else:
                    seen.update(m for m in recorded if m.startswith("cmd-") and f"Adopt {m}" in text)
            return seen

        wait_until(lambda: set(recorded) <= set(announced()), timeout=90, what="every record announced",
              logs=second.output)
        # Slack has no idempotency key: a post in flight at the kill may go out again (README, "faults").
        # At most one per thread that posts: announcing threads, work threads and outbox senders.
        repeats = sum(n - 1 for n in announced().values() if n > 1)
        assert repeats <= SEND_THREADS + WORK_THREADS + SENDERS, announced()
        assert second.stop() == 0
