"""Button clicks."""

from __future__ import annotations

from slack_bolt import App

from handlers import ids
from handlers.actions.checkins import handle_open_checkin
from handlers.actions.home import handle_home_blocked, handle_home_done
from handlers.actions.proposals import handle_position_button


def register(app: App) -> None:
    """Buttons of every feature are registered here."""
    for position in (ids.POSITION_AGREE, ids.POSITION_ABSTAIN, ids.POSITION_DISAGREE, ids.POSITION_BLOCK):
        app.action(position)(handle_position_button)
    app.action(ids.OPEN_CHECKIN)(handle_open_checkin)
    app.action(ids.HOME_COMMITMENT_DONE)(handle_home_done)
    app.action(ids.HOME_COMMITMENT_BLOCKED)(handle_home_blocked)
