"""Builders of Slack request payloads, and signing them exactly as Slack does."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

TEAM = "T1"
_counter = itertools.count(1)


def sign(body: str, *, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def slash_command(command: str, text: str = "", *, user: str = "U1", channel: str = "C1", team: str = TEAM,
                  response_url: str = "http://127.0.0.1:9/response/none", enterprise: str | None = None,
                  org_install: bool = False) -> tuple[str, str]:
    """A slash command as Slack posts it: (form body, content type).

    ``enterprise``: the workspace is part of that Enterprise Grid org; ``org_install``: Accord is
    installed org-wide there (Slack then says ``is_enterprise_install=true``).
    """
    n = next(_counter)
    fields = {
        "token": "legacy", "team_id": team, "team_domain": "example", "channel_id": channel,
        "channel_name": "general", "user_id": user, "user_name": user.lower(), "command": command,
        "text": text, "api_app_id": "A1", "is_enterprise_install": "true" if org_install else "false",
        "response_url": response_url, "trigger_id": f"trigger.{n}",
    }
    if enterprise is not None:
        fields.update(enterprise_id=enterprise, enterprise_name="Example Org")
    return urlencode(fields), "application/x-www-form-urlencoded"


def event_callback(event: dict[str, Any], *, team: str = TEAM, event_id: str | None = None,
                   actor_team: str | None = None, enterprise: str | None = None,
                   org_install: bool = False) -> tuple[str, str]:
    """An Events API delivery: (JSON body, content type).

    ``actor_team``: the event comes from a member of that other workspace in a Slack Connect
    channel, shaped as Slack sends it (bolt-python's ``slack_connect_events_api_requests``): the
    actor's team as ``team_id`` and in the event, the installation in ``authorizations`` and
    ``context_team_id``, ``is_ext_shared_channel``.

    ``org_install``: Accord is installed org-wide in Enterprise Grid org ``enterprise``: the
    authorization names the enterprise and no team (bolt-python's ``test_events_org_apps``).
    """
    n = next(_counter)
    body: dict[str, Any] = {
        "token": "legacy", "team_id": team, "api_app_id": "A1", "type": "event_callback",
        "event_id": event_id or f"Ev{n:08d}", "event_time": int(time.time()), "event": event,
        "authorizations": [{"team_id": team, "user_id": "UACCORDBOT", "is_bot": True,
                            "is_enterprise_install": False}],
    }
    if enterprise is not None:
        body["enterprise_id"] = enterprise
        if org_install:
            body["authorizations"] = [{"enterprise_id": enterprise, "team_id": None, "user_id": "UACCORDBOT",
                                       "is_bot": True, "is_enterprise_install": True}]
            body["is_ext_shared_channel"] = False
    if actor_team is not None:
        body.update(team_id=actor_team, context_team_id=team, is_ext_shared_channel=True)
        body["event"] = {**event, "team": actor_team, "user_team": actor_team, "source_team": actor_team}
    return json.dumps(body), "application/json"


def message_event(text: str, *, user: str = "U1", channel: str = "C1", ts: str | None = None,
                  thread_ts: str | None = None, channel_type: str = "channel") -> dict[str, Any]:
    n = next(_counter)
    event: dict[str, Any] = {"type": "message", "user": user, "text": text, "channel": channel,
                             "ts": ts or f"1764000000.{n:06d}", "channel_type": channel_type}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def interactive(payload: dict[str, Any]) -> tuple[str, str]:
    """An interactivity request (form body with a JSON ``payload``)."""
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def block_action(action_id: str, value: str, *, user: str = "U1", team: str = TEAM, channel: str | None = "C1",
                 message_ts: str | None = None, view: dict[str, Any] | None = None,
                 response_url: str = "http://127.0.0.1:9/response/none",
                 container: dict[str, Any] | None = None, user_team: str | None = None,
                 enterprise: str | None = None, org_install: bool = False) -> tuple[str, str]:
    """A button click; ``user_team`` ≠ ``team`` for a member of another workspace in a Slack Connect channel.

    ``enterprise``: the workspace is part of that Enterprise Grid org; ``org_install``: Accord is
    installed org-wide there (Slack then says ``is_enterprise_install``).
    """
    n = next(_counter)
    payload: dict[str, Any] = {
        "type": "block_actions", "team": {"id": team, "domain": "example"},
        "user": {"id": user, "username": user.lower(), "team_id": user_team or team}, "api_app_id": "A1",
        "trigger_id": f"trigger.{n}", "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "b1", "value": value, "type": "button",
                     "action_ts": f"{time.time():.6f}"}],
        "is_enterprise_install": org_install,
    }
    if enterprise is not None:
        payload["enterprise"] = {"id": enterprise, "name": "Example Org"}
    if channel:
        payload["channel"] = {"id": channel, "name": "general"}
        payload["container"] = container or {"type": "message", "message_ts": message_ts or "1.0",
                                             "channel_id": channel, "is_ephemeral": False}
        payload["message"] = {"ts": message_ts or "1.0", "text": "", "type": "message"}
    if view is not None:
        payload["view"] = view
        payload["container"] = container or {"type": "view", "view_id": view.get("id", "V1")}
    return interactive(payload)


def view_submission(callback_id: str, values: dict[str, dict[str, dict[str, Any]]], *, user: str = "U1",
                    team: str = TEAM, private_metadata: str = "", view_id: str | None = None,
                    user_team: str | None = None, app_installed_team: str | None = None) -> tuple[str, str]:
    """A modal submission; ``values`` is Slack's ``state.values`` (block → action → value).

    ``app_installed_team``: the modal was opened through the installation of that workspace from a
    Slack Connect channel, while ``team`` is the submitter's (Slack's ``view.app_installed_team_id``).
    """
    n = next(_counter)
    payload = {
        "type": "view_submission", "team": {"id": team, "domain": "example"},
        "user": {"id": user, "username": user.lower(), "team_id": user_team or team}, "api_app_id": "A1",
        "trigger_id": f"trigger.{n}", "is_enterprise_install": False,
        "view": {"id": view_id or f"VS{n:06d}", "team_id": team, "type": "modal", "callback_id": callback_id,
                 "private_metadata": private_metadata, "state": {"values": values}, "hash": "h", "blocks": []},
        "response_urls": [],
    }
    if app_installed_team is not None:
        payload["view"]["app_installed_team_id"] = app_installed_team  # type: ignore[index]
    return interactive(payload)


def message_shortcut(callback_id: str, *, text: str, user: str = "U1", author: str = "U2", channel: str = "C1",
                     ts: str = "1764000000.000100", thread_ts: str | None = None, team: str = TEAM,
                     response_url: str = "http://127.0.0.1:9/response/none") -> tuple[str, str]:
    n = next(_counter)
    message: dict[str, Any] = {"type": "message", "user": author, "text": text, "ts": ts}
    if thread_ts:
        message["thread_ts"] = thread_ts
    payload = {
        "type": "message_action", "callback_id": callback_id, "team": {"id": team, "domain": "example"},
        "user": {"id": user, "name": user.lower()}, "channel": {"id": channel, "name": "general"},
        "message": message, "message_ts": ts, "trigger_id": f"trigger.{n}",
        "response_url": response_url, "is_enterprise_install": False,
    }
    return interactive(payload)


def plain_value(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}
