"""Proposals and consensus: `/propose`, its modals, the position buttons, the live message, closing."""

from __future__ import annotations

from slack_bolt import App

from bot.scheduler import Task
from handlers.proposals.actions import handle_conflict_button, handle_position_button, handle_proxy_button
from handlers.proposals.commands import handle_propose_command
from handlers.proposals.jobs import close_due_proposals, remind_silent_groups
from handlers.proposals.views import (
    handle_conflict_submission,
    handle_position_submission,
    handle_proposal_submission,
)
from handlers.shared import ids

TASKS: list[tuple[str, Task]] = [("close_due_proposals", close_due_proposals),
                                 ("remind_silent_groups", remind_silent_groups)]


def register(app: App) -> None:
    app.command("/propose")(handle_propose_command)
    for position in (ids.POSITION_AGREE, ids.POSITION_ABSTAIN, ids.POSITION_DISAGREE, ids.POSITION_BLOCK):
        app.action(position)(handle_position_button)
    app.view(ids.PROPOSAL_MODAL)(handle_proposal_submission)
    app.view(ids.POSITION_MODAL)(handle_position_submission)
    app.action(ids.DECLARE_CONFLICT)(handle_conflict_button)
    app.action(ids.POSITION_FOR)(handle_proxy_button)
    app.view(ids.CONFLICT_MODAL)(handle_conflict_submission)
