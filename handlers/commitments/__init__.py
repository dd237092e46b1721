"""Commitments: `/commit`, its modal, lists of commitments, and a decision's *Add a commitment* button."""

from __future__ import annotations

from slack_bolt import App

from handlers.commitments.actions import handle_add_commitment_button
from handlers.commitments.commands import handle_commit_command
from handlers.commitments.views import handle_commitment_submission
from handlers.shared import ids


def register(app: App) -> None:
    app.command("/commit")(handle_commit_command)
    app.view(ids.COMMITMENT_MODAL)(handle_commitment_submission)
    app.action(ids.DECISION_ADD_COMMITMENT)(handle_add_commitment_button)
