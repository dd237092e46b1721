"""Decisions: `/decision`, its modal, lists of decisions, review days and their reminders, superseding."""

from __future__ import annotations

from slack_bolt import App

from bot.scheduler import Task
from handlers.decisions.commands import handle_decision_command
from handlers.decisions.jobs import remind_due_reviews
from handlers.decisions.views import handle_decision_submission
from handlers.shared import ids

TASKS: list[tuple[str, Task]] = [("remind_due_reviews", remind_due_reviews)]


def register(app: App) -> None:
    app.command("/decision")(handle_decision_command)
    app.view(ids.DECISION_MODAL)(handle_decision_submission)
