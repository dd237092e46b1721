"""`/accord help`: what Accord does and every command."""

from __future__ import annotations

from slack_bolt import App

from handlers.accord.commands import handle_accord_command


def register(app: App) -> None:
    app.command("/accord")(handle_accord_command)
