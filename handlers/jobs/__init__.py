"""Scheduled Slack jobs: each is ``task(rt, now)``, run by bot.scheduler on every tick."""

from __future__ import annotations

from bot.scheduler import Task


def scheduled_tasks() -> list[tuple[str, Task]]:
    """Every scheduled task, in the order they run on a tick."""
    return []
