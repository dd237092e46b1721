"""Proxies: `/proxy` names a member's alternate (taking positions for them lives with the proposals' buttons)."""

from __future__ import annotations

from slack_bolt import App

from handlers.proxies.commands import handle_proxy_command


def register(app: App) -> None:
    app.command("/proxy")(handle_proxy_command)
