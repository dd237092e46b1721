"""`accord serve` as a real process: migrate, serve signed requests, answer /healthz, stop on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.fakeslack import FakeSlack
from tests.harness import SECRET, free_port, serve_env
from tests.payloads import sign, slash_command


def _wait_healthy(url: str, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "exited"
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)  # polling a starting process: there is no event to wait on
    raise AssertionError("accord serve did not become healthy")


def test_serve_process_end_to_end(tmp_path: Path, fake_slack: FakeSlack, database_url: str) -> None:
    port = free_port()
    env = serve_env(fake_slack, database_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        body, ctype = slash_command(
            "/decision", "We adopt the shared glossary", response_url=fake_slack.response_url("k1")
        )
        response = httpx.post(
            f"{url}/slack/events",
            content=body,
            headers={"Content-Type": ctype, **sign(body, secret=SECRET)},
            timeout=10,
        )
        assert response.status_code == 200
        [post] = fake_slack.wait_for("chat.postMessage", timeout=15)
        assert "We adopt the shared glossary" in FakeSlack.all_text(post)
        stale = httpx.post(
            f"{url}/slack/events",
            content=body,
            timeout=10,
            headers={"Content-Type": ctype, **sign(body, secret=SECRET, timestamp=int(time.time()) - 600)},
        )
        assert stale.status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    stderr = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 0, stderr
    assert "scheduler_stopped" in stderr
    export = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", "decisions"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    [row] = json.loads(export.stdout)
    assert (row["text"], row["channel_id"], row["recorded_by"], row["team_id"]) == (
        "We adopt the shared glossary",
        "C1",
        "U1",
        "T1",
    )
