"""`/accord help`: what Accord does and every command."""

from __future__ import annotations

from collections.abc import Sequence

from slack_bolt import App

from handlers.accord.commands import accord_command
from handlers.shared.usage import CommandUsage


def register(app: App, *, commands: Sequence[CommandUsage]) -> None:
    """``commands``: every other command, whose usage `/accord help` shows (features never import each other)."""
    app.command("/accord")(accord_command(commands))
