"""Decisions: `/decision`, its modal, and lists of decisions."""

from __future__ import annotations

from slack_bolt import App

from handlers.decisions.commands import handle_decision_command
from handlers.decisions.views import handle_decision_submission
from handlers.shared import ids


def register(app: App) -> None:
    app.command("/decision")(handle_decision_command)
    app.view(ids.DECISION_MODAL)(handle_decision_submission)
