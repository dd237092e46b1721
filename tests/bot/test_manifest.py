"""`accord manifest`: which manifest it prints, and the URLs, OAuth redirect and org-wide install in it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.cli import main
from bot.manifest import build_manifest

SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


@pytest.fixture(autouse=True)
def no_slack_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SLACK_VARS:
        monkeypatch.delenv(name, raising=False)


def _manifest(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict[str, Any], str]:
    assert main(["manifest", *args]) == 0
    out, err = capsys.readouterr()
    return json.loads(out), err


@pytest.mark.parametrize("url", ["http://accord.example.net", "accord.example.net", "ftp://accord.example.net", ""])
def test_a_url_without_https_is_refused_naming_the_option(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifest", "--url", url]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1 and "--url" in lines[0] and "https://" in lines[0]


def test_http_manifest_says_so_with_its_request_url(capsys: pytest.CaptureFixture[str]) -> None:
    manifest, err = _manifest(capsys, "--url", "https://accord.example.net/")
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert manifest["settings"]["event_subscriptions"]["request_url"] == "https://accord.example.net/slack/events"
    assert "redirect_urls" not in manifest["oauth_config"]  # a bot token: no install flow
    assert manifest["settings"]["org_deploy_enabled"] is False
    assert "HTTP manifest" in err and "https://accord.example.net/slack/events" in err
    assert "placeholder" not in err and "OAuth" not in err


def test_without_url_the_placeholder_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    manifest, err = _manifest(capsys)
    assert manifest["settings"]["event_subscriptions"]["request_url"] == "https://accord.example.org/slack/events"
    assert "placeholder" in err and "--url" in err


def test_socket_mode_manifest_says_so(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    manifest, err = _manifest(capsys, "--socket-mode")
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])
    assert "Socket Mode manifest" in err and "https://" not in err
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")  # what `accord serve` will run: Socket Mode
    manifest, err = _manifest(capsys)
    assert manifest["settings"]["socket_mode_enabled"] is True and "Socket Mode manifest" in err
    manifest, err = _manifest(capsys, "--url", "https://accord.example.net")  # a URL asks for HTTP
    assert manifest["settings"]["socket_mode_enabled"] is False and "HTTP manifest" in err


def test_oauth_settings_add_the_redirect_url_the_server_serves(capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", "111.222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "shh")
    manifest, err = _manifest(capsys, "--url", "https://accord.example.net")
    assert manifest["oauth_config"]["redirect_urls"] == ["https://accord.example.net/slack/oauth_redirect"]
    assert "OAuth redirect to https://accord.example.net/slack/oauth_redirect" in err
    manifest, err = _manifest(capsys, "--socket-mode")  # Socket Mode serves no install pages
    assert "redirect_urls" not in manifest["oauth_config"] and "HTTP mode only" in err


def test_org_sets_org_deploy_enabled(capsys: pytest.CaptureFixture[str]) -> None:
    manifest, err = _manifest(capsys, "--org", "--url", "https://accord.example.net")
    assert manifest["settings"]["org_deploy_enabled"] is True
    assert "Enterprise Grid" in err


def test_build_manifest_keys_follow_slacks_schema() -> None:
    manifest = build_manifest("https://a.example", oauth=True, org=True)
    assert set(manifest) == {"display_information", "features", "oauth_config", "settings"}
    assert set(manifest["oauth_config"]) == {"scopes", "redirect_urls"}
    assert {"org_deploy_enabled", "socket_mode_enabled", "token_rotation_enabled", "interactivity",
            "event_subscriptions"} == set(manifest["settings"])
