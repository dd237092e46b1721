"""The Block Kit of decisions and commitments that several features show: announcements, the one-line
form of a commitment, and the modals of the commands and the message shortcuts."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from handlers.shared import ids
from handlers.shared.blocks import (
    Block,
    actions,
    button,
    context,
    fit_blocks,
    plain_date,
    safe,
    section,
    sections,
    truncate,
)
from storage.models import Commitment, Decision

STATUS_ICON = {
    "open": ":white_circle:",
    "done": ":white_check_mark:",
    "blocked": ":no_entry:",
    "dropped": ":wastebasket:",
}


def link(url: str | None, label: str) -> str:
    return f"<{url}|{label}>" if url else label


def decision_blocks(decision: Decision, *, superseded: Decision | None = None) -> list[Block]:
    """The channel announcement of a recorded decision (long text spread over sections).

    ``superseded``: the decision it replaces, linked to its announcement.
    """
    blocks: list[Block] = [section(f":memo: *Decision #{decision.id}* recorded by <@{decision.recorded_by}>")]
    blocks += sections(safe(decision.text))
    if decision.rationale:
        blocks += sections("*Why:* " + safe(decision.rationale))
    if decision.supersedes:
        old = link(superseded.permalink if superseded else None, f"#{decision.supersedes}")
        blocks.append(context(f":arrows_counterclockwise: Supersedes decision {old}, now marked superseded."))
    if decision.proposal_id:
        blocks.append(context(f"From proposal #{decision.proposal_id}"))
    if decision.status == "active":
        blocks.append(actions(button("Add a commitment", action_id=ids.DECISION_ADD_COMMITMENT,
                                     value=str(decision.id)), block_id=f"decision_{decision.id}"))
    return fit_blocks(blocks)


def superseded_text(old: Decision, new: Decision) -> str:
    """The note in a superseded decision's thread pointing to the decision that replaced it."""
    return (f":arrows_counterclockwise: Decision #{old.id} is superseded by decision "
            f"{link(new.permalink, f'#{new.id}')}.")


def review_text(decision: Decision) -> str:
    """The reminder in a decision's thread on its review day."""
    return (f":calendar: Decision {link(decision.permalink, f'#{decision.id}')} is due for review today. "
            f"Keep it (`/decision review {decision.id} <date>` sets the next review), replace it "
            f"(`/decision supersede {decision.id} <new text>`) or revoke it (`/decision revoke {decision.id}`).")


def commitment_line(commitment: Commitment, *, today: date, group: str | None = None) -> str:
    """One line describing a commitment: id, owner, due date (overdue marked), text."""
    due = ""
    if commitment.due_date is not None:
        overdue = commitment.status == "open" and commitment.due_date < today
        due = (" — :warning: *overdue*, was due " if overdue else " — due ") + plain_date(commitment.due_date)
    where = f" ({safe(group)})" if group else ""
    text = truncate(safe(commitment.text.replace("\n", " ")), 300)
    return f"{STATUS_ICON.get(commitment.status, '')} *#{commitment.id}* <@{commitment.owner_id}>{where}: {text}{due}"


def commitment_blocks(commitment: Commitment, *, today: date, group: str | None) -> list[Block]:
    """The channel announcement of a recorded commitment."""
    due = f", due {plain_date(commitment.due_date)}" if commitment.due_date else ""
    head = f":handshake: *Commitment #{commitment.id}* — owner <@{commitment.owner_id}>{due}"
    if group:
        head += f" ({safe(group)})"
    blocks = [section(head), *sections(safe(commitment.text))]
    if commitment.due_date and commitment.due_date < today:
        blocks.append(context(":warning: The due date has passed: this commitment is overdue."))
    return fit_blocks(blocks)


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }


def _text_input(
    action_id: str, *, multiline: bool, initial: str | None = None, max_length: int = 3000
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    return element


def _modal(callback_id: str, title: str, submit: str, blocks: list[Block], metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(metadata)[:3000],
        "blocks": blocks,
    }


def decision_modal(*, metadata: dict[str, Any], initial_text: str | None = None) -> dict[str, Any]:
    """The modal of `/decision` alone and of the *Log as decision* shortcut."""
    blocks = [
        _input(ids.TEXT_BLOCK, "Decision", _text_input(ids.TEXT_ACTION, multiline=True, initial=initial_text)),
        _input(
            ids.RATIONALE_BLOCK, "Rationale (why)", _text_input(ids.RATIONALE_ACTION, multiline=True), optional=True
        ),
    ]
    return _modal(ids.DECISION_MODAL, "Record a decision", "Record", blocks, metadata)


def commitment_modal(*, metadata: dict[str, Any], owner_id: str, initial_text: str | None = None,
                     decision_id: int | None = None) -> dict[str, Any]:
    """The modal of `/commit` alone, of the *Log as commitment* shortcut and of a decision's *Add a commitment*."""
    blocks = [
        _input(ids.TEXT_BLOCK, "Commitment", _text_input(ids.TEXT_ACTION, multiline=True, initial=initial_text)),
        _input(
            ids.OWNER_BLOCK, "Owner", {"type": "users_select", "action_id": ids.OWNER_ACTION, "initial_user": owner_id}
        ),
        _input(ids.DUE_BLOCK, "Due date", {"type": "datepicker", "action_id": ids.DUE_ACTION}, optional=True),
        _input(ids.DECISION_BLOCK, "Carries out decision (its id, e.g. 12)",
               _text_input(ids.DECISION_ACTION, multiline=False, max_length=20,
                           initial=str(decision_id) if decision_id else None), optional=True),
    ]
    return _modal(ids.COMMITMENT_MODAL, "Record a commitment", "Record", blocks, metadata)
