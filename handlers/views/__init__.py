"""Modal submissions."""

from __future__ import annotations

from slack_bolt import App

from handlers import ids
from handlers.views.records import handle_commitment_submission, handle_decision_submission


def register(app: App) -> None:
    app.view(ids.DECISION_MODAL)(handle_decision_submission)
    app.view(ids.COMMITMENT_MODAL)(handle_commitment_submission)
