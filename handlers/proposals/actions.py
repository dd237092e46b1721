"""The Agree / Abstain / Disagree / Block buttons of a proposal (in the channel or a reminder)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.runtime import Runtime
from bot.services import ServiceError
from bot.services import proposals as service
from bot.services import proxies as proxy_service
from bot.values import ParseError
from handlers.proposals.blocks import CHOICE_OF_ACTION, proxy_offer_blocks
from handlers.proposals.forms import conflict_modal, position_modal
from handlers.proposals.messages import enqueue_live, send_live
from handlers.shared.blocks import slack_date
from handlers.shared.context import runtime, team_of
from handlers.shared.grammar import parse_record_id
from handlers.shared.replies import error_text, open_modal, reply, tell_user
from handlers.shared.workspaces import note_member_workspace, user_team

NEEDS_REASON = ("disagree", "block")
VERBS = {"agree": "agree with", "abstain": "abstain on", "disagree": "disagree with", "block": "block"}


def _silent(*_args: Any, **_kwargs: Any) -> None:
    return None


def handle_position_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                           client: Any, context: BoltContext) -> None:
    """Agree / Abstain record at once; Disagree / Block open a modal asking for the reason."""
    ack()
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    choice = CHOICE_OF_ACTION[action["action_id"]]
    # A button outside a message (e.g. App Home) has no response URL: nowhere to answer.
    answer: Callable[..., Any] = respond if body.get("response_url") else _silent
    try:
        proposal_id = parse_record_id(str(action.get("value") or ""))
        if choice in NEEDS_REASON:
            ask_reason(rt, client, tell_user(client, body=body, respond=respond), trigger_id=body["trigger_id"],
                       consortium_id=consortium_id, user_id=user_id, proposal_id=proposal_id, choice=choice)
            return
        note_member_workspace(rt, client, consortium_id=consortium_id, user_id=user_id, team_id=user_team(body),
                              enterprise_id=context.actor_enterprise_id)
        with rt.session() as session:  # the change and its live update commit together
            result = service.take_position(session, consortium_id=consortium_id, proposal_id=proposal_id,
                                           user_id=user_id,
                                           choice=choice, reason=None, now=rt.clock.now())
            live = enqueue_live(session, rt, consortium_id=consortium_id,
                               proposal_id=proposal_id) if result.changed else None
            represented = proxy_service.represented_members(
                session, consortium_id=consortium_id, alternate_id=user_id, proposal_id=proposal_id,
                today=rt.today(consortium_id))
    except (ParseError, ServiceError) as err:
        reply(answer, error_text(err))
        return
    if not result.changed:
        text = f"You already {VERBS[choice]} proposal #{proposal_id}; nothing changed."
    else:
        send_live(rt, live)
        text = (f"You {VERBS[choice]} proposal #{proposal_id}. You can change your position until "
                f"it closes {slack_date(result.proposal.closes_at)}.")
    reply(answer, text, proxy_offer_blocks(text, proposal_id=proposal_id, members=represented) if represented else None)


def handle_proxy_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                        client: Any, context: BoltContext) -> None:
    """*Same for them*: the alternate takes, for the member whose proxy they hold, the position they hold."""
    ack()
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    answer: Callable[..., Any] = respond if body.get("response_url") else _silent
    raw_id, _, member_id = str(action.get("value") or "").partition(":")
    try:
        proposal_id = parse_record_id(raw_id)
        with rt.session() as session:  # the change and its live update commit together
            result = proxy_service.take_position_for(
                session, consortium_id=consortium_id, proposal_id=proposal_id, alternate_id=user_id,
                member_id=member_id, now=rt.clock.now(), today=rt.today(consortium_id))
            live = enqueue_live(session, rt, consortium_id=consortium_id,
                               proposal_id=proposal_id) if result.changed else None
    except (ParseError, ServiceError) as err:
        reply(answer, error_text(err))
        return
    send_live(rt, live)
    done = "" if result.changed else " (it already was; nothing changed)"
    reply(answer, f"For <@{member_id}>: {result.choice} on proposal #{proposal_id}, by you{done}.")


def ask_reason(rt: Runtime, client: Any, tell: Callable[[str], object], *, trigger_id: str, consortium_id: str,
               user_id: str, proposal_id: int, choice: str) -> None:
    """Open the reason form of a disagreement or block (prefilled with the member's last reason); ``tell``
    is how the member hears that Slack refused to open it."""
    with rt.session() as session:
        service.open_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
        service.check_may_take_position(session, consortium_id=consortium_id, proposal_id=proposal_id,
                                        user_id=user_id)
        view = service.proposal_view(session, consortium_id=consortium_id, proposal_id=proposal_id)
        current = service.get_position(session, consortium_id=consortium_id, proposal_id=proposal_id, user_id=user_id)
    form = position_modal(view, choice=choice, reason=current.reason if current else None)
    open_modal(client, trigger_id=trigger_id, view=form, tell=tell)


def handle_conflict_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
                           client: Any, context: BoltContext) -> None:
    """*Declare a conflict*: open the statement form (or say why not: closed, already declared, an observer)."""
    ack()
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    answer: Callable[..., Any] = respond if body.get("response_url") else _silent
    try:
        proposal_id = parse_record_id(str(action.get("value") or ""))
        with rt.session() as session:
            service.open_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
            service.check_may_take_position(session, consortium_id=consortium_id, proposal_id=proposal_id,
                                            user_id=user_id)
            view = service.proposal_view(session, consortium_id=consortium_id, proposal_id=proposal_id)
    except (ParseError, ServiceError) as err:
        reply(answer, error_text(err))
        return
    open_modal(client, trigger_id=body["trigger_id"], view=conflict_modal(view),
               tell=tell_user(client, body=body, respond=respond))
