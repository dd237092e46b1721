"""App Home buttons on the user's commitments: Done, and Blocked (asks why in a small modal)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.runtime import Runtime
from bot.services import ServiceError
from bot.services import commitments as service
from handlers.home.blocks import block_reason_modal
from handlers.home.events import publish_home
from handlers.shared.announcements import change_commitment_status
from handlers.shared.context import runtime, team_of
from handlers.shared.replies import error_text, open_modal

logger = logging.getLogger("accord.home")
DEFAULT_BLOCK_NOTE = "blocked from App Home"


def _commitment_id(body: dict[str, Any]) -> int:
    return int(body["actions"][0]["value"])


def handle_home_done(ack: Ack, body: dict[str, Any], client: Any, context: BoltContext) -> None:
    """Done: mark the commitment done, then re-publish the home view."""
    ack()
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    notice = change_from_home(rt, client, consortium_id=consortium_id, user_id=user_id,
                              commitment_id=_commitment_id(body), action="done", note=None)
    publish_home(rt, client, consortium_id=consortium_id, user_id=user_id, notice=notice)


def handle_home_blocked(ack: Ack, body: dict[str, Any], client: Any, context: BoltContext) -> None:
    """Blocked: ask why in a modal; if the modal cannot open, say so on top of the App Home (nothing changes)."""
    ack()
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    commitment_id = _commitment_id(body)
    notices: list[str] = []
    try:
        with rt.session() as session:
            commitment = service.get_commitment(session, consortium_id=consortium_id, commitment_id=commitment_id)
    except ServiceError as err:
        notices.append(error_text(err))
    else:
        if open_modal(client, trigger_id=body["trigger_id"], view=block_reason_modal(commitment=commitment),
                      tell=notices.append):
            return
    publish_home(rt, client, consortium_id=consortium_id, user_id=user_id, notice=notices[0])


def change_from_home(rt: Runtime, client: Any, *, consortium_id: str, user_id: str, commitment_id: int, action: str,
                     note: str | None) -> str:
    """Change a commitment's status from the App Home; the notice shown on top of the re-published view."""
    return change_commitment_status(rt, consortium_id=consortium_id, user_id=user_id, commitment_id=commitment_id,
                                    action=action, note=note, source="home")


def handle_new_calendar_link(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
    """New link: a new calendar feed token (the old link stops working), shown on the re-published App Home."""
    ack()
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    publish_home(rt, client, consortium_id=consortium_id, user_id=user_id, new_calendar_link=True,
                 notice=":calendar: Your calendar has a new link; the old one no longer works.")
