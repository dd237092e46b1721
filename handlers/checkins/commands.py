"""`/checkin`: open your pending check-in; `/checkin now <group>` starts a round at once (facilitator)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.services import ServiceError
from bot.services import checkin_answers as answers
from bot.services import checkins as service
from bot.values import ParseError
from handlers.checkins.blocks import checkin_modal
from handlers.checkins.grammar import USAGE, CheckinNow, CheckinOpen, parse_checkin_command
from handlers.shared.blocks import safe, slack_date
from handlers.shared.common import error_text, open_modal, reply, runtime, team_of
from handlers.shared.grammar import Help
from handlers.shared.usage import usage_text


def handle_checkin_command(ack: Ack, command: dict[str, Any], respond: Respond, client: Any,
                           context: BoltContext) -> None:
    """Parse `/checkin …`, call the service, answer the invoker."""
    ack()
    rt = runtime(context)
    team_id, user_id = team_of(context), command["user_id"]
    try:
        parsed = parse_checkin_command(command.get("text", ""))
        if isinstance(parsed, Help):
            reply(respond, usage_text(USAGE))
        elif isinstance(parsed, CheckinOpen):
            with rt.session() as session:
                form = answers.checkin_form(session, team_id=team_id, user_id=user_id)
            open_modal(client, trigger_id=command["trigger_id"], view=checkin_modal(form),
                       tell=lambda text: reply(respond, text))
        elif isinstance(parsed, CheckinNow):
            now = rt.clock.now()
            with rt.session() as session:
                round_, group, asked = service.open_manual_round(session, settings=rt.settings, team_id=team_id,
                                                                 actor_id=user_id, name=parsed.group_name, now=now)
            rt.wake_scheduler()
            reply(respond, f"Started check-in round #{round_.id} of *{safe(group.name)}*: asking {asked} "
                           f"member{'s' if asked != 1 else ''} by direct message. It closes "
                           f"{slack_date(round_.closes_at)}.")
    except (ParseError, ServiceError) as err:
        reply(respond, error_text(err))
