"""App Home: the user's commitments, proposals and check-ins, with buttons to change a commitment, and their
calendar feed's link (with a button for a new one)."""

from __future__ import annotations

from slack_bolt import App

from handlers.home.actions import handle_home_blocked, handle_home_done, handle_new_calendar_link
from handlers.home.events import handle_app_home_opened
from handlers.home.views import handle_home_block_submission
from handlers.shared import ids


def register(app: App) -> None:
    app.event("app_home_opened")(handle_app_home_opened)
    app.action(ids.HOME_COMMITMENT_DONE)(handle_home_done)
    app.action(ids.HOME_COMMITMENT_BLOCKED)(handle_home_blocked)
    app.view(ids.HOME_BLOCK_MODAL)(handle_home_block_submission)
    app.action(ids.HOME_CALENDAR_NEW_LINK)(handle_new_calendar_link)
