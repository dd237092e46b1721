"""The `accord` command line, run as a user runs it: a separate process, from another directory."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from bot.config import ConfigError, parse_duration, settings_from_env
from storage.models import DigestRun, OutboxMessage
from storage.teams import ensure_team
from tests.fakeslack import Call, FakeSlack
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
    assert set(commands) == {"/decision", "/commit", "/propose", "/proxy", "/group", "/org", "/checkin", "/digest",
                             "/accord"}
    assert all(c["should_escape"] is True for c in commands.values())
    assert all(c["url"] == "https://accord.example.net/slack/events" for c in commands.values())
    assert {s["name"] for s in manifest["features"]["shortcuts"]} == {"Log as decision", "Log as commitment"}
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.channels", "message.im", "app_home_opened"} <= events
    assert {"commands", "chat:write", "im:write", "team:read"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/events")


def test_export_formats(accord: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    accord.command("/decision", "Adopt the glossary | v2")
    accord.command("/commit", "<@U2> draft the charter by 2026-12-01")
    monkeypatch.setenv("DATABASE_URL", accord.rt.settings.database_url)
    assert main(["export", "decisions", "--format", "json"]) == 0
    [decision] = json.loads(capsys.readouterr().out)
    assert list(decision) == ["id", "consortium_id", "team_id", "text", "rationale", "status", "channel_id",
                              "thread_ts", "permalink", "recorded_by", "recorded_by_name", "created_at", "proposal_id",
                              "review_on", "supersedes", "superseded_by"]
    assert (decision["consortium_id"], decision["team_id"]) == ("T1", "T1")
    assert decision["created_at"].endswith("+00:00")
    assert main(["export", "commitments", "--format", "csv", "--team", "T1"]) == 0
    [row] = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert (row["owner_id"], row["due_date"], row["group"]) == ("U2", "2026-12-01", "")
    assert main(["export", "decisions", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Decisions (1)\n") and "## Decision 1: Adopt the glossary \\| v2" in out
    assert main(["export", "audit"]) == 0
    assert [line["action"] for line in json.loads(capsys.readouterr().out)] == ["decision.record", "commitment.record"]
    assert main(["export", "decisions", "--team", "TNOPE"]) == 2
    assert main(["export", "decisions", "--consortium", "TNOPE"]) == 2
    assert main(["export", "decisions", "--consortium", "T1"]) == 0
    assert [d["text"] for d in json.loads(capsys.readouterr().out)] == ["Adopt the glossary | v2"]


def test_export_and_digest_choose_among_several_consortia(accord: Harness, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    accord.command("/decision", "Adopt the glossary")
    with accord.rt.session() as session:
        ensure_team(session, team_id="T2")
    monkeypatch.setenv("DATABASE_URL", accord.rt.settings.database_url)
    assert main(["export", "decisions"]) == 2
    assert "--consortium" in capsys.readouterr().err
    assert main(["export", "decisions", "--consortium", "T2"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["export", "decisions", "--team", "T1"]) == 0
    assert [d["text"] for d in json.loads(capsys.readouterr().out)] == ["Adopt the glossary"]
    assert main(["digest", "--channel", "C1", "--consortium", "T1"]) == 0


def test_settings_parse_and_fail_fast() -> None:
    assert parse_duration("90s").total_seconds() == 90
    assert parse_duration("1h30m").total_seconds() == 5400
    settings = settings_from_env({"ACCORD_FACILITATORS": "U1, U2", "ACCORD_CHECKIN_CLOSE_AFTER": "15m",
                                  "SLACK_API_URL": "http://127.0.0.1:9/api"})
    assert settings.facilitators == {"U1", "U2"}
    assert settings.checkin_close_after.total_seconds() == 900
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.slack_post_rate == 5.0
    assert settings_from_env({"ACCORD_SLACK_POST_RATE": "12.5"}).slack_post_rate == 12.5
    assert settings_from_env({"ACCORD_SLACK_POST_RATE": "off"}).slack_post_rate is None
    for bad in ({"ACCORD_TIMEZONE": "Mars/Olympus"}, {"PORT": "http"}, {"ACCORD_CATCHUP_GRACE": "soon"},
                {"ACCORD_SCHEDULER_INTERVAL": "often"}, {"ACCORD_SLACK_POST_RATE": "fast"},
                {"ACCORD_SLACK_POST_RATE": "-3"}):
        with pytest.raises(ConfigError) as err:
            settings_from_env(bad)
        assert next(iter(bad)) in str(err.value)


def _digest_post(accord: Harness, monkeypatch: pytest.MonkeyPatch) -> int:
    """`accord digest --post` for C1 of T1, against the harness's database and fake Slack."""
    for name in SLACK_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", accord.rt.settings.database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", accord.fake.api_url)
    return main(["digest", "--channel", "C1", "--team", "T1", "--post"])


def _cli_run(accord: Harness) -> tuple[DigestRun, OutboxMessage]:
    with accord.rt.session() as session:
        [run] = session.exec(select(DigestRun))
        [box] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest.post"))
    return run, box


def _cli_digests(accord: Harness) -> list[Call]:
    return [c for c in accord.fake.calls_to("chat.postMessage") if "Consortium digest" in FakeSlack.all_text(c)]


def test_digest_post_refused_for_good_says_so_and_fails_the_run(accord: Harness, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    accord.command("/decision", "Adopt the glossary")
    accord.fake.fail_next("chat.postMessage", error="channel_not_found")
    assert _digest_post(accord, monkeypatch) == 1
    err = capsys.readouterr().err
    assert "Slack refused the digest" in err and "/invite @Accord" in err and "recorded as failed" in err
    run, box = _cli_run(accord)
    assert (run.trigger, run.status, run.last_error) == ("cli", "failed", "channel_not_found")
    assert (box.state, box.attempts) == ("failed", 1)
    accord.clock.set(datetime.now(UTC) + timedelta(hours=2))
    accord.tick()  # a running Accord does not try it again
    assert _cli_digests(accord) == []


def test_digest_post_refused_for_now_stays_pending_and_a_running_accord_posts_it_once(
        accord: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    accord.clock.set(datetime.now(UTC))  # the CLI uses the real clock: record within its digest period
    accord.command("/decision", "Adopt the glossary")
    accord.fake.fail_next("chat.postMessage", error="fatal_error")
    assert _digest_post(accord, monkeypatch) == 1
    err = capsys.readouterr().err
    assert "Slack refused the digest" in err and "`fatal_error`" in err and "a running Accord retries it" in err
    run, box = _cli_run(accord)
    assert (run.status, box.state, box.attempts) == ("pending", "pending", 1)
    accord.clock.set(datetime.now(UTC) + timedelta(minutes=5))  # the CLI used the real clock
    accord.tick()
    accord.tick()
    [posted] = _cli_digests(accord)
    assert "Adopt the glossary" in FakeSlack.all_text(posted)
    run, box = _cli_run(accord)
    assert (run.status, run.message_ts, box.state) == ("posted", posted.response["ts"], "sent")


def test_digest_of_an_unknown_channel_exits_2_naming_it(accord: Harness, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    accord.clock.set(datetime.now(UTC))  # the CLI uses the real clock: record within its digest period
    accord.command("/decision", "Adopt the glossary")  # in C1
    monkeypatch.setenv("DATABASE_URL", accord.rt.settings.database_url)
    for args in (["--channel", "C404"], ["--channel", "C404", "--post"]):
        assert main(["digest", *args]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and "--channel C404" in lines[0]
    assert main(["digest", "--channel", "C1"]) == 0
    assert "Adopt the glossary" in capsys.readouterr().out


def test_terminal_digest_shows_the_names_slack_gave(accord: Harness, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    accord.fake.users["U2"] = {"profile": {"display_name": "Lena Fischer", "real_name": "Lena F."}}
    accord.fake.users["U3"] = {"profile": {"display_name": "", "real_name": "Marco Rossi"}}
    accord.clock.set(datetime.now(UTC))
    accord.command("/group", "create Policy", user="UFAC")
    assert "Added" in accord.command("/group", "add Policy <@U2> <@U3>", user="UFAC").reply_text()
    accord.command("/commit", "<@U2> draft the charter by 2026-12-01")
    accord.command("/commit", "<@U3> book the venue")
    accord.command("/commit", "<@U9> circulate the notes")  # never looked up: shown by id
    monkeypatch.setenv("DATABASE_URL", accord.rt.settings.database_url)
    assert main(["digest", "--channel", "C1"]) == 0
    out = capsys.readouterr().out
    assert "@Lena Fischer" in out and "@Marco Rossi" in out and "@U9" in out
    assert "@U2" not in out and "<@" not in out
    accord.fake.users["U2"] = {"profile": {"display_name": "Lena"}}  # renamed in Slack, seen again
    accord.command("/group", "add Policy <@U2>", user="UFAC")
    assert main(["digest", "--channel", "C1"]) == 0
    out = capsys.readouterr().out
    assert "@Lena" in out and "@Lena Fischer" not in out
