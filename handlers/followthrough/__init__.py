"""Follow-through: the owner's reminder before a commitment's due date, its buttons, and the escalations."""

from __future__ import annotations

from slack_bolt import App

from bot.scheduler import Task
from handlers.followthrough.actions import handle_blocked_button, handle_done_button, handle_new_date_button
from handlers.followthrough.jobs import follow_through_commitments
from handlers.followthrough.views import handle_block_submission, handle_due_submission
from handlers.shared import ids

TASKS: list[tuple[str, Task]] = [("follow_through_commitments", follow_through_commitments)]


def register(app: App) -> None:
    app.action(ids.COMMITMENT_DONE)(handle_done_button)
    app.action(ids.COMMITMENT_BLOCKED)(handle_blocked_button)
    app.action(ids.COMMITMENT_NEW_DATE)(handle_new_date_button)
    app.view(ids.COMMITMENT_BLOCK_MODAL)(handle_block_submission)
    app.view(ids.COMMITMENT_DUE_MODAL)(handle_due_submission)
