"""Slash commands: one module per command."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands.accord import handle_accord_command
from handlers.commands.commit import handle_commit_command
from handlers.commands.decision import handle_decision_command


def register(app: App) -> None:
    app.command("/decision")(handle_decision_command)
    app.command("/commit")(handle_commit_command)
    app.command("/accord")(handle_accord_command)
