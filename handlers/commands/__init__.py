"""Slash commands: one module per command."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands.accord import handle_accord_command
from handlers.commands.checkin import handle_checkin_command
from handlers.commands.commit import handle_commit_command
from handlers.commands.decision import handle_decision_command
from handlers.commands.digest import handle_digest_command
from handlers.commands.group import handle_group_command
from handlers.commands.propose import handle_propose_command


def register(app: App) -> None:
    app.command("/decision")(handle_decision_command)
    app.command("/commit")(handle_commit_command)
    app.command("/accord")(handle_accord_command)
    app.command("/group")(handle_group_command)
    app.command("/checkin")(handle_checkin_command)
    app.command("/digest")(handle_digest_command)
    app.command("/propose")(handle_propose_command)
