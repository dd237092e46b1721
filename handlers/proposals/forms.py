"""The proposal's forms: `/propose` alone (with its governance choices), a position's reason, a conflict's statement."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.services.consensus import ProposalView
from handlers.shared import ids
from handlers.shared.blocks import Block, context, safe, section, truncate, unescape


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False,
           hint: str | None = None) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": {"type": "plain_text", "text": label},
                    "element": element, "optional": optional}
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _modal(callback_id: str, title: str, submit: str, blocks: list[Block],
           metadata: dict[str, Any]) -> dict[str, Any]:
    return {"type": "modal", "callback_id": callback_id, "title": {"type": "plain_text", "text": title[:24]},
            "submit": {"type": "plain_text", "text": submit[:24]},
            "close": {"type": "plain_text", "text": "Cancel"},
            "private_metadata": json.dumps(metadata)[:3000], "blocks": blocks}


def _duration_words(delta: timedelta) -> str:
    if delta.days and not delta.seconds:
        return f"{delta.days} day{'s' if delta.days != 1 else ''}"
    hours = round(delta.total_seconds() / 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}" if hours else "a few minutes"


COUNTING_LABELS = {"member": "Each member counts", "organisation": "Each organisation counts once"}
OPTION_LABELS = {"hidden": "Hidden: no tallies, names or reasons until it closes",
                 "anonymous": "Anonymous: counts, never names"}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def governance_inputs(counting: str) -> list[Block]:
    """The form's counting, cap and hidden / anonymous choices."""
    countings = [_option(value, label) for value, label in COUNTING_LABELS.items()]
    return [
        _input(ids.COUNTING_BLOCK, "Counting", {
            "type": "static_select", "action_id": ids.COUNTING_ACTION, "options": countings,
            "initial_option": countings[list(COUNTING_LABELS).index(counting)]},
               hint="Per organisation: its representative's position counts, or its first member's; "
                    "the others are shown as advice."),
        _input(ids.CAP_BLOCK, "Cap per organisation (%)", {
            "type": "number_input", "action_id": ids.CAP_ACTION, "is_decimal_allowed": False,
            "min_value": "1", "max_value": "100"}, optional=True,
               hint="No organisation weighs more than this share of agree + disagree. Leave empty for no cap."),
        _input(ids.OPTIONS_BLOCK, "Options", {
            "type": "checkboxes", "action_id": ids.OPTIONS_ACTION,
            "options": [_option(value, label) for value, label in OPTION_LABELS.items()]}, optional=True),
    ]


def proposal_modal(*, metadata: dict[str, Any], groups: Sequence[tuple[int, str]],
                   duration: timedelta, counting: str = "member") -> dict[str, Any]:
    """The form of `/propose` alone: title, details, closing date, required groups, counting and options."""
    blocks: list[Block] = [
        _input(ids.TITLE_BLOCK, "Title", {"type": "plain_text_input", "action_id": ids.TITLE_ACTION,
                                          "max_length": 1000}),
        _input(ids.DETAILS_BLOCK, "Details", {"type": "plain_text_input", "action_id": ids.DETAILS_ACTION,
                                              "multiline": True, "max_length": 3000}, optional=True),
        _input(ids.CLOSES_BLOCK, "Closing date", {
            "type": "datepicker", "action_id": ids.CLOSES_ACTION,
            "placeholder": {"type": "plain_text", "text": "Pick a date"}},
               optional=True, hint=f"Closes at the end of that day. Leave empty to close in "
                                   f"{_duration_words(duration)}."),
    ]
    if groups:
        options = [{"text": {"type": "plain_text", "text": truncate(name, 75)}, "value": str(gid)}
                   for gid, name in groups[:100]]
        blocks.append(_input(ids.GROUPS_BLOCK, "Required groups", {
            "type": "multi_static_select", "action_id": ids.GROUPS_ACTION, "options": options,
            "placeholder": {"type": "plain_text", "text": "All groups"}}, optional=True,
            hint="Groups that must be heard from. Leave empty to require every group."))
    else:
        blocks.append(context("There are no stakeholder groups yet, so no group is required. "
                              "A facilitator creates them with `/group create`."))
    blocks += governance_inputs(counting)
    return _modal(ids.PROPOSAL_MODAL, "Propose", "Propose", blocks, metadata)


def conflict_modal(view: ProposalView) -> dict[str, Any]:
    """Asks for the statement of a conflict of interest."""
    p = view.proposal
    title = truncate(safe(" ".join(p.title.split())), 1500)
    element = {"type": "plain_text_input", "action_id": ids.STATEMENT_ACTION, "multiline": True, "max_length": 3000}
    blocks = [section(f"*Proposal #{p.id}:* {title}"),
              _input(ids.STATEMENT_BLOCK, "Statement", element,
                     hint="What the conflict is. It is shown on the proposal; your position is withdrawn and "
                          "you take none on it.")]
    return _modal(ids.CONFLICT_MODAL, "Declare a conflict", "Declare", blocks, {"proposal_id": p.id})


def position_modal(view: ProposalView, *, choice: str, reason: str | None) -> dict[str, Any]:
    """Asks for the reason of a disagreement (optional) or a block (required)."""
    p = view.proposal
    title = truncate(safe(" ".join(p.title.split())), 1500)
    ask = ("What would have to change for you to lift the block?" if choice == "block"
           else "Why do you disagree? (optional)")
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": ids.REASON_ACTION, "multiline": True,
                               "max_length": 2000}
    if reason:
        element["initial_value"] = unescape(reason)[:2000]
    blocks = [section(f"*Proposal #{p.id}:* {title}"),
              _input(ids.REASON_BLOCK, "Reason", element, optional=choice != "block", hint=ask)]
    label = "Block" if choice == "block" else "Disagree"
    return _modal(ids.POSITION_MODAL, label, label, blocks, {"proposal_id": p.id, "choice": choice})
