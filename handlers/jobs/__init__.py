"""Scheduled Slack jobs: each is ``task(rt, now)``, run by bot.scheduler on every tick."""

from __future__ import annotations

from bot.scheduler import Task
from handlers.jobs import checkins
from handlers.jobs.digests import run_scheduled_digests
from handlers.jobs.proposals import close_due_proposals, remind_silent_groups


def scheduled_tasks() -> list[tuple[str, Task]]:
    """Every scheduled task, in the order they run on a tick."""
    return [("close_due_proposals", close_due_proposals), ("remind_silent_groups", remind_silent_groups),
            *checkins.TASKS,
            ("digests", run_scheduled_digests)]  # last: a digest sees what this tick closed or opened
