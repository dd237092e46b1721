"""Bolt listeners, one folder per feature; :func:`register_all` wires every feature onto an app.

Each feature folder (``decisions``, ``commitments``, ``threads``, ``groups``, ``checkins``,
``proposals``, ``digests``, ``home``, ``accord``) holds its listener modules and one
``register(app)``; ``shared`` holds the Slack plumbing they share. Only the composition root
(``bot.app``), the server, the CLI, the demo and the manifest import this package.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

from slack_bolt import App

from bot.scheduler import Task
from handlers import accord, checkins, commitments, decisions, digests, groups, home, proposals, threads
from handlers.shared.deferral import Deferring

FEATURES = (decisions, commitments, accord, groups, checkins, digests, proposals, home, threads)


def register_all(app: App, *, work: Executor | None = None) -> None:
    """Register every listener of every feature on ``app``; deferred onto ``work`` when given."""
    target: Any = Deferring(app, work)
    for feature in FEATURES:
        feature.register(target)


def scheduled_tasks() -> list[tuple[str, Task]]:
    """Every scheduled task, in the order they run on a tick."""
    return [*proposals.TASKS, *checkins.TASKS,
            *digests.TASKS]  # last: a digest sees what this tick closed or opened
