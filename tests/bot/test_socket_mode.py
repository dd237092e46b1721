"""`accord serve` in Socket Mode as a real process: connect to (fake) Slack, handle envelopes, stop on SIGTERM."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

from tests.fakeslack import FakeSlack
from tests.harness import serve_env
from tests.payloads import event_callback, message_event, slash_command
from tests.processes import stop_process

APP_TOKEN = "xapp-test"


def _wait_connected(fake: FakeSlack, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    """Until the process's Socket Mode client is on the fake's WebSocket; fail early if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "exited"
        try:
            return fake.wait_for_socket_connection(timeout=0.5)  # a Condition wait, not a sleep
        except AssertionError:
            pass
    raise AssertionError(f"accord serve did not connect over Socket Mode within {timeout}s")


def test_socket_mode_process_end_to_end(tmp_path: Path, fake_slack: FakeSlack, database_url: str) -> None:
    env = serve_env(fake_slack, database_url, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_connected(fake_slack, proc)
        [opened] = fake_slack.calls_to("apps.connections.open")
        assert opened.token == APP_TOKEN

        body, _ = slash_command(
            "/decision", "We adopt the glossary over a socket", response_url=fake_slack.response_url("k1")
        )
        fake_slack.socket_send({
            "envelope_id": "env-command", "type": "slash_commands", "accepts_response_payload": True,
            "payload": dict(parse_qsl(body, keep_blank_values=True)),
        })
        assert fake_slack.wait_for_socket_ack("env-command", timeout=15)["envelope_id"] == "env-command"
        [post] = fake_slack.wait_for("chat.postMessage", timeout=15)
        assert "We adopt the glossary over a socket" in FakeSlack.all_text(post)

        event = message_event("Decision: minutes are published within a week", thread_ts="1764000000.000001")
        event_body, _ = event_callback(event)
        fake_slack.socket_send({
            "envelope_id": "env-event", "type": "events_api", "accepts_response_payload": False,
            "retry_attempt": 0, "retry_reason": "", "payload": json.loads(event_body),
        })
        assert fake_slack.wait_for_socket_ack("env-event", timeout=15) == {"envelope_id": "env-event"}
        [_, reply] = fake_slack.wait_for("chat.postMessage", count=2, timeout=15)
        assert reply.params["thread_ts"] == "1764000000.000001"
    finally:
        stop_process(proc)
    stderr = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 0, stderr
    assert "scheduler_stopped" in stderr and "socket_mode_stopped" in stderr
    assert fake_slack.socket_connections == 0

    export = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", "decisions"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    rows = json.loads(export.stdout)
    assert sorted((r["text"], r["channel_id"], r["recorded_by"], r["team_id"]) for r in rows) == [
        ("We adopt the glossary over a socket", "C1", "U1", "T1"),
        ("minutes are published within a week", "C1", "U1", "T1"),
    ]


def test_refused_app_token_exits_2_naming_it(tmp_path: Path, fake_slack: FakeSlack) -> None:
    env = serve_env(fake_slack, f"sqlite:///{tmp_path / 'accord.db'}", SLACK_APP_TOKEN="xapp-unknown",
                    SLACK_SIGNING_SECRET="")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "serve"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("accord: SLACK_APP_TOKEN") and "invalid_auth" in last
