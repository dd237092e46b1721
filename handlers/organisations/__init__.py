"""Organisations: `/org` (members' organisations, representatives, focal points)."""

from __future__ import annotations

from slack_bolt import App

from handlers.organisations.commands import handle_org_command


def register(app: App) -> None:
    app.command("/org")(handle_org_command)
