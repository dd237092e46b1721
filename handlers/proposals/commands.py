"""`/propose`: open a proposal (or its form), close or withdraw one."""

from __future__ import annotations

from bot.services import conflicts as conflict_service
from bot.services import proposals as service
from bot.services.consensus import OUTCOME_LABELS
from bot.services.groups import list_groups
from handlers.proposals.blocks import conflict_reply
from handlers.proposals.forms import proposal_modal
from handlers.proposals.grammar import (
    USAGE,
    ProposeClose,
    ProposeCommand,
    ProposeConflict,
    ProposeCreate,
    ProposeModal,
    ProposeWithdraw,
    parse_propose_command,
)
from handlers.proposals.messages import enqueue_closing, enqueue_live, enqueue_publish, publish_proposal, send_live
from handlers.shared.announcements import send_now
from handlers.shared.commands import SlashCall, slash_command
from handlers.shared.replies import open_modal, reply


@slash_command(USAGE, lambda call: parse_propose_command(call.text))
def handle_propose_command(call: SlashCall, parsed: ProposeCommand) -> None:
    """`/propose …`: call the service, answer."""
    rt, respond, client, command = call.rt, call.respond, call.client, call.command
    consortium_id, user_id, channel_id = call.consortium_id, call.user_id, call.channel_id
    if isinstance(parsed, ProposeModal):
        with rt.session() as session:
            groups = [(g.id or 0, g.name) for g in list_groups(session, consortium_id=consortium_id)]
        open_modal(client, trigger_id=command["trigger_id"], tell=lambda text: reply(respond, text),
                   view=proposal_modal(metadata={"channel_id": channel_id}, groups=groups,
                                       duration=rt.settings.proposal_duration,
                                       counting=rt.settings.default_counting))
    elif isinstance(parsed, ProposeCreate):
        with rt.session() as session:
            proposal = service.create_proposal(session, settings=rt.settings, consortium_id=consortium_id,
                                               author_id=user_id, channel_id=channel_id,
                                               title=parsed.title, now=rt.clock.now(), counting=parsed.counting,
                                               cap=parsed.cap, hidden=parsed.hidden, anonymous=parsed.anonymous)
            box = enqueue_publish(session, rt, consortium_id=consortium_id, proposal_id=proposal.id or 0)
        publish_proposal(rt, box, proposal_id=proposal.id or 0, notify=lambda text: reply(respond, text))
    elif isinstance(parsed, ProposeConflict):
        with rt.session() as session:  # the conflict and the live update commit together
            declared = conflict_service.declare_conflict(
                session, consortium_id=consortium_id, proposal_id=parsed.id, user_id=user_id,
                statement=parsed.statement, now=rt.clock.now())
            live = enqueue_live(session, rt, consortium_id=consortium_id, proposal_id=parsed.id)
        send_live(rt, live)
        reply(respond, conflict_reply(parsed.id, declared.withdrawn))
    elif isinstance(parsed, ProposeClose | ProposeWithdraw):
        withdraw = isinstance(parsed, ProposeWithdraw)
        with rt.session() as session:
            closed = service.close_proposal(session, settings=rt.settings, consortium_id=consortium_id,
                                            proposal_id=parsed.id, actor_id=user_id, now=rt.clock.now(),
                                            withdraw=withdraw)
            boxes = enqueue_closing(session, rt, consortium_id=consortium_id, proposal_id=parsed.id)
        send_now(rt, boxes)
        label = OUTCOME_LABELS[closed.view.outcome]
        reply(respond, f"Proposal #{parsed.id} is {'withdrawn' if withdraw else 'closed'}: *{label}*.")
