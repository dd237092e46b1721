"""The `accord` command line, run as a user runs it: a separate process, from another directory."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, parse_duration, settings_from_env
from tests.harness import Harness

SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in SLACK_VARS and k != "DATABASE_URL"}
    base.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=base, capture_output=True,
                          text=True, timeout=120)


def test_serve_without_token_exits_2_naming_it(tmp_path: Path) -> None:
    result = _run(["serve"], cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SLACK_BOT_TOKEN" in lines[0]
    assert not (tmp_path / "accord.db").exists()


def test_serve_http_without_signing_secret_exits_2(tmp_path: Path) -> None:
    result = _run(["serve"], cwd=tmp_path, env={"SLACK_BOT_TOKEN": "xoxb-1"})
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET" in result.stderr


def test_db_upgrade_and_empty_export_from_any_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert _run(["db", "upgrade"], cwd=tmp_path, env={"DATABASE_URL": url}).returncode == 0
    result = _run(["export", "decisions"], cwd=tmp_path, env={"DATABASE_URL": url})
    assert result.returncode == 0 and json.loads(result.stdout) == []


def test_manifest_declares_every_command_shortcut_and_event(tmp_path: Path) -> None:
    result = _run(["manifest", "--url", "https://accord.example.net"], cwd=tmp_path)
    manifest = json.loads(result.stdout)
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/decision", "/commit", "/propose", "/group", "/checkin", "/digest", "/accord"}
    assert all(c["should_escape"] is True for c in commands.values())
    assert all(c["url"] == "https://accord.example.net/slack/events" for c in commands.values())
    assert {s["name"] for s in manifest["features"]["shortcuts"]} == {"Log as decision", "Log as commitment"}
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.channels", "message.im", "app_home_opened"} <= events
    assert {"commands", "chat:write", "im:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/events")


def test_export_formats(accord: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    accord.command("/decision", "Adopt the glossary | v2")
    accord.command("/commit", "<@U2> draft the charter by 2026-12-01")
    monkeypatch.setenv("DATABASE_URL", accord.rt.settings.database_url)
    assert main(["export", "decisions", "--format", "json"]) == 0
    [decision] = json.loads(capsys.readouterr().out)
    assert list(decision) == ["id", "team_id", "text", "rationale", "status", "channel_id", "thread_ts",
                              "permalink", "recorded_by", "created_at", "proposal_id"]
    assert decision["created_at"].endswith("+00:00")
    assert main(["export", "commitments", "--format", "csv", "--team", "T1"]) == 0
    [row] = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert (row["owner_id"], row["due_date"], row["group"]) == ("U2", "2026-12-01", "")
    assert main(["export", "decisions", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| id | team_id |") and "Adopt the glossary \\| v2" in out
    assert main(["export", "decisions", "--team", "TNOPE"]) == 2


def test_settings_parse_and_fail_fast() -> None:
    assert parse_duration("90s").total_seconds() == 90
    assert parse_duration("1h30m").total_seconds() == 5400
    settings = settings_from_env({"ACCORD_FACILITATORS": "U1, U2", "ACCORD_CHECKIN_CLOSE_AFTER": "15m",
                                  "SLACK_API_URL": "http://127.0.0.1:9/api"})
    assert settings.facilitators == {"U1", "U2"}
    assert settings.checkin_close_after.total_seconds() == 900
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    for bad in ({"ACCORD_TIMEZONE": "Mars/Olympus"}, {"PORT": "http"}, {"ACCORD_CATCHUP_GRACE": "soon"},
                {"ACCORD_SCHEDULER_INTERVAL": "often"}):
        with pytest.raises(ConfigError) as err:
            settings_from_env(bad)
        assert next(iter(bad)) in str(err.value)
