"""Submissions of the proposal form (`/propose` alone) and of the reason form (Disagree / Block)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.services import Invalid, ServiceError
from bot.services import conflicts as conflict_service
from bot.services import proposals as service
from bot.services import proxies as proxy_service
from handlers.proposals.blocks import conflict_reply, proxy_offer_blocks
from handlers.proposals.messages import enqueue_live, enqueue_publish, publish_proposal, send_live
from handlers.shared import ids
from handlers.shared.blocks import escape
from handlers.shared.context import once, runtime, team_of
from handlers.shared.grammar import MAX_TEXT
from handlers.shared.replies import post, whisper_blocks
from handlers.shared.workspaces import apply_member_default, learn_workspace_name, user_team


def _state(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    return dict(view.get("state", {}).get("values", {}).get(block, {}).get(action, {}) or {})


def _text(view: dict[str, Any], block: str, action: str) -> str:
    """A text field in Slack's escaped form (modal input arrives unescaped)."""
    return escape(str(_state(view, block, action).get("value") or "").strip())


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _form(view: dict[str, Any], *, rt: Any, consortium_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The proposal form's values, and the errors to show next to its fields."""
    title = _text(view, ids.TITLE_BLOCK, ids.TITLE_ACTION)
    errors: dict[str, str] = {}
    if not title:
        errors[ids.TITLE_BLOCK] = "Give the proposal a title."
    elif len(title) > MAX_TEXT:
        errors[ids.TITLE_BLOCK] = f"That is too long ({len(title):,} characters)."
    closes_at = None
    raw_date = _state(view, ids.CLOSES_BLOCK, ids.CLOSES_ACTION).get("selected_date")
    if raw_date:
        try:
            closes_at = service.closing_time_on(date.fromisoformat(raw_date), rt.timezone(consortium_id))
            service.check_closing_time(closes_at, now=rt.clock.now())
        except ValueError:
            errors[ids.CLOSES_BLOCK] = "Pick a date from the calendar."
        except Invalid as err:
            errors[ids.CLOSES_BLOCK] = err.message
    selected = _state(view, ids.GROUPS_BLOCK, ids.GROUPS_ACTION).get("selected_options") or []
    group_ids = [int(o["value"]) for o in selected if str(o.get("value", "")).isdigit()] or None
    details = _text(view, ids.DETAILS_BLOCK, ids.DETAILS_ACTION)
    governance = _governance(view, errors)
    return {"title": title, "details": details, "closes_at": closes_at, "group_ids": group_ids, **governance}, errors


def _governance(view: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The form's counting, cap and options (an unreadable cap is an error next to it)."""
    counting = (_state(view, ids.COUNTING_BLOCK, ids.COUNTING_ACTION).get("selected_option") or {}).get("value")
    if counting is not None and counting not in ("member", "organisation"):
        errors[ids.COUNTING_BLOCK] = "Choose how positions count."
    raw_cap = str(_state(view, ids.CAP_BLOCK, ids.CAP_ACTION).get("value") or "").strip()
    cap = None
    if raw_cap:
        if raw_cap.isdigit() and 1 <= int(raw_cap) <= 100:
            cap = int(raw_cap)
        else:
            errors[ids.CAP_BLOCK] = "Give a whole percentage from 1 to 100, or leave it empty."
    chosen = {str(o.get("value")) for o in _state(view, ids.OPTIONS_BLOCK, ids.OPTIONS_ACTION).get(
        "selected_options") or []}
    return {"counting": counting, "cap": cap, "hidden": "hidden" in chosen, "anonymous": "anonymous" in chosen}


def handle_proposal_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any,
                               context: BoltContext) -> None:
    """Open the proposal of a submitted form, once per view, and post it in the channel."""
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    values, errors = _form(view, rt=rt, consortium_id=consortium_id)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    channel_id = _metadata(view).get("channel_id") or user_id
    proposal, box = None, None
    try:
        with rt.session() as session:  # the proposal and its first post commit together
            if once(session, team_id=consortium_id, key=f"view:{view['id']}"):
                proposal = service.create_proposal(session, settings=rt.settings, consortium_id=consortium_id,
                                                   author_id=user_id, channel_id=channel_id,
                                                   now=rt.clock.now(), **values)
                box = enqueue_publish(session, rt, consortium_id=consortium_id, proposal_id=proposal.id or 0)
    except ServiceError as err:
        ack(response_action="errors", errors={ids.GROUPS_BLOCK if values["group_ids"] else ids.TITLE_BLOCK:
                                              err.message})
        return
    ack()
    if proposal is None:
        return  # the same submission, delivered again
    publish_proposal(rt, box, proposal_id=proposal.id or 0,
                     notify=lambda text: post(client, channel=user_id, text=text))


def handle_position_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any,
                               context: BoltContext) -> None:
    """Record a disagreement or block with its reason (a block needs one), once per view."""
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    meta = _metadata(view)
    choice, proposal_id = str(meta.get("choice") or ""), int(meta.get("proposal_id") or 0)
    reason = _text(view, ids.REASON_BLOCK, ids.REASON_ACTION)
    if choice == "block" and not reason:
        ack(response_action="errors", errors={ids.REASON_BLOCK: "A block needs a reason."})
        return
    live, result, represented, team_id = None, None, [], user_team(body)
    try:  # the member's default organisation from what is known (no Slack call before the ack)
        unnamed = apply_member_default(rt, consortium_id=consortium_id, user_id=user_id, team_id=team_id,
                                       enterprise_id=context.actor_enterprise_id)
        with rt.session() as session:  # the change and its live update commit together
            if once(session, team_id=consortium_id, key=f"view:{view['id']}"):
                result = service.take_position(session, consortium_id=consortium_id, proposal_id=proposal_id,
                                               user_id=user_id, choice=choice, reason=reason,
                                               now=rt.clock.now())
                if result.changed:
                    live = enqueue_live(session, rt, consortium_id=consortium_id, proposal_id=proposal_id)
                represented = proxy_service.represented_members(
                    session, consortium_id=consortium_id, alternate_id=user_id, proposal_id=proposal_id,
                    today=rt.today(consortium_id))
    except ServiceError as err:
        ack(response_action="errors", errors={ids.REASON_BLOCK: err.message})
        return
    ack()
    send_live(rt, live)
    if unnamed:  # for their next records
        learn_workspace_name(rt, client, consortium_id=consortium_id, user_id=user_id, team_id=team_id,
                             enterprise_id=context.actor_enterprise_id)
    if result is not None and represented:  # an alternate: offer to take the same for the members they stand for
        text = f"You {choice} on proposal #{proposal_id}."
        whisper_blocks(client, channel=result.proposal.channel_id, user=user_id, text=text,
                       blocks=proxy_offer_blocks(text, proposal_id=proposal_id, members=represented))


def handle_conflict_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any,
                               context: BoltContext) -> None:
    """Record a declared conflict with its statement, once per view, and tell the member by direct message."""
    rt, consortium_id, user_id = runtime(context), team_of(context), body["user"]["id"]
    proposal_id = int(_metadata(view).get("proposal_id") or 0)
    statement = _text(view, ids.STATEMENT_BLOCK, ids.STATEMENT_ACTION)
    if not statement:
        ack(response_action="errors", errors={ids.STATEMENT_BLOCK: "Say what the conflict is."})
        return
    live, declared = None, None
    try:
        with rt.session() as session:  # the conflict and its live update commit together
            if once(session, team_id=consortium_id, key=f"view:{view['id']}"):
                declared = conflict_service.declare_conflict(
                    session, consortium_id=consortium_id, proposal_id=proposal_id, user_id=user_id,
                    statement=statement, now=rt.clock.now())
                live = enqueue_live(session, rt, consortium_id=consortium_id, proposal_id=proposal_id)
    except ServiceError as err:
        ack(response_action="errors", errors={ids.STATEMENT_BLOCK: err.message})
        return
    ack()
    send_live(rt, live)
    if declared is not None:
        post(client, channel=user_id, text=conflict_reply(proposal_id, declared.withdrawn))
