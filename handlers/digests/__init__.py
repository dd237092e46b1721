"""Digests: `/digest` (now, preview, schedule) and the scheduled digests."""

from __future__ import annotations

from slack_bolt import App

from bot.scheduler import Task
from handlers.digests.commands import handle_digest_command
from handlers.digests.jobs import run_scheduled_digests

TASKS: list[tuple[str, Task]] = [("digests", run_scheduled_digests)]


def register(app: App) -> None:
    app.command("/digest")(handle_digest_command)
