"""Modal submissions."""

from __future__ import annotations

from slack_bolt import App

from handlers import ids
from handlers.views.checkins import handle_checkin_submission
from handlers.views.home import handle_home_block_submission
from handlers.views.proposals import handle_position_submission, handle_proposal_submission
from handlers.views.records import handle_commitment_submission, handle_decision_submission


def register(app: App) -> None:
    app.view(ids.DECISION_MODAL)(handle_decision_submission)
    app.view(ids.COMMITMENT_MODAL)(handle_commitment_submission)
    app.view(ids.CHECKIN_MODAL)(handle_checkin_submission)
    app.view(ids.PROPOSAL_MODAL)(handle_proposal_submission)
    app.view(ids.POSITION_MODAL)(handle_position_submission)
    app.view(ids.HOME_BLOCK_MODAL)(handle_home_block_submission)
