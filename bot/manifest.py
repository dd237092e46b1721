"""The Slack app manifest: every command, shortcut, scope and event Accord needs."""

from __future__ import annotations

from typing import Any

from handlers import USAGE
from handlers.shared import ids

BOT_SCOPES = [
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "chat:write",
    "chat:write.public",
    "commands",
    "groups:history",
    "im:history",
    "im:write",
    "team:read",
    "users:read",
]
BOT_EVENTS = ["app_home_opened", "app_mention", "message.channels", "message.groups", "message.im"]
PLACEHOLDER_URL = "https://accord.example.org"
EVENTS_PATH = "/slack/events"
# Bolt's default paths, served by bot.server when OAuth is on.
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def build_manifest(url: str | None = None, *, name: str = "Accord", socket_mode: bool = False, oauth: bool = False,
                   org: bool = False) -> dict[str, Any]:
    """The manifest as a dict (serialise as JSON or YAML).

    ``oauth``: with the install flow's redirect URL (HTTP mode only: Socket Mode serves no pages).
    ``org``: installable org-wide on an Enterprise Grid organisation.
    """
    base = (url or PLACEHOLDER_URL).rstrip("/")
    events_url = f"{base}{EVENTS_PATH}"
    commands = []
    for usage in USAGE.values():  # each command's description and hint live with its grammar
        entry: dict[str, Any] = {"command": usage.command, "description": usage.description,
                                 "usage_hint": usage.hint, "should_escape": True}
        if not socket_mode:
            entry["url"] = events_url
        commands.append(entry)
    shortcuts = [
        {"name": "Log as decision", "type": "message", "callback_id": ids.LOG_DECISION_SHORTCUT,
         "description": "Record this message as a decision"},
        {"name": "Log as commitment", "type": "message", "callback_id": ids.LOG_COMMITMENT_SHORTCUT,
         "description": "Record this message as a commitment"},
    ]
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": BOT_EVENTS},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": org,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    oauth_config: dict[str, Any] = {"scopes": {"bot": BOT_SCOPES}}
    if not socket_mode:
        settings["event_subscriptions"]["request_url"] = events_url
        settings["interactivity"]["request_url"] = events_url
        if oauth:
            oauth_config["redirect_urls"] = [f"{base}{REDIRECT_PATH}"]
    return {
        "display_information": {
            "name": name,
            "description": "Decisions, commitments, check-ins, consensus and digests for consortia",
            "background_color": "#2c3e50",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": False},
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": commands,
            "shortcuts": shortcuts,
        },
        "oauth_config": oauth_config,
        "settings": settings,
    }
