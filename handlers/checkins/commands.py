"""`/checkin`: open your pending check-in; `/checkin now <group>` starts a round at once (facilitator)."""

from __future__ import annotations

from bot.services import checkin_answers as answers
from bot.services import checkins as service
from handlers.checkins.blocks import checkin_modal
from handlers.checkins.grammar import USAGE, CheckinCommand, CheckinNow, CheckinOpen, parse_checkin_command
from handlers.shared.blocks import safe, slack_date
from handlers.shared.commands import SlashCall, slash_command
from handlers.shared.replies import open_modal, reply


@slash_command(USAGE, lambda call: parse_checkin_command(call.text))
def handle_checkin_command(call: SlashCall, parsed: CheckinCommand) -> None:
    """`/checkin …`: call the service, answer the invoker."""
    rt, respond, client, command = call.rt, call.respond, call.client, call.command
    consortium_id, user_id = call.consortium_id, call.user_id
    if isinstance(parsed, CheckinOpen):
        with rt.session() as session:
            form = answers.checkin_form(session, consortium_id=consortium_id, user_id=user_id)
        open_modal(client, trigger_id=command["trigger_id"], view=checkin_modal(form),
                   tell=lambda text: reply(respond, text))
    elif isinstance(parsed, CheckinNow):
        now = rt.clock.now()
        with rt.session() as session:
            round_, group, asked = service.open_manual_round(session, settings=rt.settings, consortium_id=consortium_id,
                                                             actor_id=user_id, name=parsed.group_name, now=now)
        rt.wake_scheduler()
        reply(respond, f"Started check-in round #{round_.id} of *{safe(group.name)}*: asking {asked} "
                       f"member{'s' if asked != 1 else ''} by direct message. It closes "
                       f"{slack_date(round_.closes_at)}.")
