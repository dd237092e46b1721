"""`/propose`: open a proposal (or its form), close or withdraw one."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.services import ServiceError
from bot.services import proposals as service
from bot.services.consensus import OUTCOME_LABELS
from bot.services.groups import list_groups
from bot.values import ParseError
from handlers.proposals.blocks import proposal_modal
from handlers.proposals.grammar import (
    USAGE,
    ProposeClose,
    ProposeCreate,
    ProposeModal,
    ProposeWithdraw,
    parse_propose_command,
)
from handlers.proposals.messages import enqueue_closing, enqueue_publish, publish_proposal
from handlers.shared.announcements import send_now
from handlers.shared.common import error_text, open_modal, reply, runtime, team_of
from handlers.shared.grammar import Help
from handlers.shared.usage import usage_text


def handle_propose_command(ack: Ack, command: dict[str, Any], respond: Respond, client: Any,
                           context: BoltContext) -> None:
    """Parse `/propose …`, call the service, answer."""
    ack()
    rt = runtime(context)
    team_id, user_id, channel_id = team_of(context), command["user_id"], command["channel_id"]
    try:
        parsed = parse_propose_command(command.get("text", ""))
        if isinstance(parsed, Help):
            reply(respond, usage_text(USAGE))
        elif isinstance(parsed, ProposeModal):
            with rt.session() as session:
                groups = [(g.id or 0, g.name) for g in list_groups(session, team_id=team_id)]
            open_modal(client, trigger_id=command["trigger_id"], tell=lambda text: reply(respond, text),
                       view=proposal_modal(metadata={"channel_id": channel_id}, groups=groups,
                                           duration=rt.settings.proposal_duration))
        elif isinstance(parsed, ProposeCreate):
            with rt.session() as session:
                proposal = service.create_proposal(session, settings=rt.settings, team_id=team_id,
                                                   author_id=user_id, channel_id=channel_id,
                                                   title=parsed.title, now=rt.clock.now())
                box = enqueue_publish(session, rt, team_id=team_id, proposal_id=proposal.id or 0)
            publish_proposal(rt, box, proposal_id=proposal.id or 0, notify=lambda text: reply(respond, text))
        elif isinstance(parsed, ProposeClose | ProposeWithdraw):
            withdraw = isinstance(parsed, ProposeWithdraw)
            with rt.session() as session:
                closed = service.close_proposal(session, settings=rt.settings, team_id=team_id,
                                                proposal_id=parsed.id, actor_id=user_id, now=rt.clock.now(),
                                                withdraw=withdraw)
                boxes = enqueue_closing(session, rt, team_id=team_id, proposal_id=parsed.id)
            send_now(rt, boxes)
            label = OUTCOME_LABELS[closed.view.outcome]
            reply(respond, f"Proposal #{parsed.id} is {'withdrawn' if withdraw else 'closed'}: *{label}*.")
    except (ParseError, ServiceError) as err:
        reply(respond, error_text(err))
