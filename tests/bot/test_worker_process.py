"""`accord serve` works in a child `accord worker` process: started with it, restarted if it dies, never orphaned."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import httpx

from tests import payloads
from tests.fakeslack import FakeSlack
from tests.harness import SECRET, serve_env
from tests.processes import Serve, serving, wait_until

STARTED = re.compile(r"worker_process_started pid=(\d+)")


def _decide(url: str, fake: FakeSlack, text: str) -> None:
    body, ctype = payloads.slash_command("/decision", text, response_url=fake.response_url(text))
    answer = httpx.post(f"{url}/slack/events", content=body, timeout=10,
                        headers={"Content-Type": ctype, **payloads.sign(body, secret=SECRET)})
    assert answer.status_code == 200


def _announced(fake: FakeSlack, text: str) -> bool:
    return any(text in FakeSlack.all_text(c) for c in fake.calls_to("chat.postMessage"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie has exited; only its parent has not reaped it yet
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _children(serve: Serve) -> list[int]:
    return [int(pid) for pid in STARTED.findall(serve.output())]


def test_serve_works_in_a_child_that_is_restarted_and_stops_with_it(tmp_path: Path, fake_slack: FakeSlack,
                                                                      database_url: str) -> None:
    env = serve_env(fake_slack, database_url, ACCORD_SCHEDULER_INTERVAL="1")
    with serving([Serve("serve", tmp_path, env)]) as [serve]:
        serve.wait_healthy()
        assert "worker=process" in serve.output()
        _decide(serve.url, fake_slack, "Adopt the glossary")
        wait_until(lambda: _announced(fake_slack, "Adopt the glossary"), timeout=30, what="the first announcement",
                   logs=serve.output)
        [first] = _children(serve)
        assert first != serve.proc.pid and _alive(first)

        os.kill(first, signal.SIGKILL)  # the worker dies on its own: serve starts another
        wait_until(lambda: len(_children(serve)) == 2, timeout=30, what="a new worker", logs=serve.output)
        _decide(serve.url, fake_slack, "Adopt the charter")
        wait_until(lambda: _announced(fake_slack, "Adopt the charter"), timeout=30, what="the second announcement",
                   logs=serve.output)
        assert "worker_process_exited" in serve.output()
        second = _children(serve)[-1]
        assert serve.stop() == 0
    assert not _alive(second)
    assert "worker_stopped" in serve.output()


def test_kill_9_of_serve_takes_its_worker_with_it(tmp_path: Path, fake_slack: FakeSlack, database_url: str) -> None:
    env = serve_env(fake_slack, database_url)
    with serving([Serve("serve", tmp_path, env)]) as [serve]:
        serve.wait_healthy()
        wait_until(lambda: len(_children(serve)) == 1, timeout=30, what="the worker", logs=serve.output)
        [child] = _children(serve)
        serve.proc.send_signal(signal.SIGKILL)
        serve.proc.wait(timeout=10)
        wait_until(lambda: not _alive(child), timeout=10, what="the worker to end with serve", logs=serve.output)
