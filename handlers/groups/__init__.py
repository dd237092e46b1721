"""Stakeholder groups: `/group` (members, schedules, facilitators)."""

from __future__ import annotations

from slack_bolt import App

from handlers.groups.commands import handle_group_command


def register(app: App) -> None:
    app.command("/group")(handle_group_command)
