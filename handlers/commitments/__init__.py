"""Commitments: `/commit`, its modal, and lists of commitments."""

from __future__ import annotations

from slack_bolt import App

from handlers.commitments.commands import handle_commit_command
from handlers.commitments.views import handle_commitment_submission
from handlers.shared import ids


def register(app: App) -> None:
    app.command("/commit")(handle_commit_command)
    app.view(ids.COMMITMENT_MODAL)(handle_commitment_submission)
