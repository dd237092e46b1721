"""Check-ins: `/checkin`, the prompt's button and modal, DM thread replies, and the scheduled rounds."""

from __future__ import annotations

from slack_bolt import App

from bot.scheduler import Task
from handlers.checkins import jobs
from handlers.checkins.actions import handle_open_checkin
from handlers.checkins.commands import handle_checkin_command
from handlers.checkins.events import route_checkin_reply
from handlers.checkins.views import handle_checkin_submission
from handlers.shared import ids
from handlers.shared.messages import add_message_route

TASKS: list[tuple[str, Task]] = list(jobs.TASKS)


def register(app: App) -> None:
    app.command("/checkin")(handle_checkin_command)
    app.action(ids.OPEN_CHECKIN)(handle_open_checkin)
    app.view(ids.CHECKIN_MODAL)(handle_checkin_submission)
    add_message_route(route_checkin_reply)
