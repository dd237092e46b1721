"""`accord serve` as a real process: migrate, serve signed requests, answer /healthz, stop on SIGTERM."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from storage.db import make_engine, session_scope
from storage.teams import add_facilitator, ensure_team
from tests.fakeslack import FakeSlack
from tests.harness import SECRET, free_port, serve_env
from tests.payloads import sign, slash_command
from tests.processes import Serve, serving, stop_process, wait_healthy


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
        wait_healthy(url, proc)
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
        stop_process(proc)
    stderr = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 0, stderr
    assert "scheduler_stopped" in stderr
    assert "no_facilitator" not in stderr  # ACCORD_FACILITATORS is set
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


def _warnings(tmp_path: Path, env: dict[str, str], name: str) -> list[str]:
    """Start `accord serve`, wait until it serves, stop it: its WARNING lines."""
    with serving([Serve(name, tmp_path, env)]) as [proc]:
        proc.wait_healthy()
        assert proc.stop() == 0, proc.output()
    return [line for line in proc.output().splitlines() if "level=WARNING" in line]


def test_first_run_without_a_facilitator_says_how_to_set_one(tmp_path: Path, fake_slack: FakeSlack,
                                                              database_url: str) -> None:
    env = serve_env(fake_slack, database_url, ACCORD_FACILITATORS="")
    [warning] = [line for line in _warnings(tmp_path, env, "first") if "no_facilitator" in line]
    assert "ACCORD_FACILITATORS" in warning and "Copy member ID" in warning
    engine = make_engine(database_url, single_use=True)
    with session_scope(engine) as session:  # `/group facilitator add` promoted someone since
        ensure_team(session, team_id="T1")
        add_facilitator(session, consortium_id="T1", user_id="U1", added_by="U0")
    engine.dispose()
    assert not [line for line in _warnings(tmp_path, env, "later") if "no_facilitator" in line]
