"""The Block Kit of follow-through: the owner's reminder, the escalations, and the two small modals."""

from __future__ import annotations

from typing import Any

from handlers.shared import ids
from handlers.shared.blocks import Block, actions, button, context, fit_blocks, plain_date, safe, section, truncate
from storage.models import Commitment


def _what(c: Commitment, link: str | None) -> str:
    label = f"<{link}|#{c.id}>" if link else f"#{c.id}"
    return f"{label} {truncate(safe(' '.join(c.text.split())), 1000)}"


def _due(c: Commitment) -> str:
    return plain_date(c.due_date) if c.due_date else "no date"


def reminder_text(c: Commitment) -> str:
    return f"Reminder: commitment #{c.id} is due {_due(c)}"


def reminder_blocks(c: Commitment, *, link: str | None) -> list[Block]:
    """The owner's one reminder before the due date, with Done / Blocked / New date."""
    return fit_blocks([
        section(f":alarm_clock: *Your commitment is due {_due(c)}*\n{_what(c, link)}"),
        actions(button("Done", action_id=ids.COMMITMENT_DONE, value=str(c.id), style="primary"),
                button("Blocked", action_id=ids.COMMITMENT_BLOCKED, value=str(c.id)),
                button("New date", action_id=ids.COMMITMENT_NEW_DATE, value=str(c.id)),
                block_id=f"follow_commitment_{c.id}"),
        context("Done and Blocked change its status for everyone; New date moves the due date."),
    ])


def escalation_text(c: Commitment, *, facilitators: bool) -> str:
    who = "facilitators" if facilitators else "focal point"
    return f"Commitment #{c.id} of <@{c.owner_id}> is still open after its due date ({who})"


def escalation_blocks(c: Commitment, *, link: str | None, days: int, facilitators: bool) -> list[Block]:
    """The message to the focal point of the owner's organisation, or to a facilitator."""
    late = f"{days} day{'s' if days != 1 else ''} past its due date" if days else "past its due date"
    why = ("You are a facilitator of this consortium." if facilitators
           else "You are the focal point of their organisation.")
    return fit_blocks([
        section(f":hourglass: *Commitment of <@{c.owner_id}> still open, {late}* (was due {_due(c)})\n"
                f"{_what(c, link)}"),
        context(f"{why} The owner was reminded before the due date."),
    ])


def _modal(callback_id: str, title: str, submit: str, commitment: Commitment, field: Block) -> dict[str, Any]:
    return {
        "type": "modal", "callback_id": callback_id, "private_metadata": str(commitment.id),
        "title": {"type": "plain_text", "text": title}, "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [section(f"*#{commitment.id}* {truncate(safe(' '.join(commitment.text.split())), 1000)}"), field],
    }


def block_modal(commitment: Commitment) -> dict[str, Any]:
    """Asks why a commitment is blocked (optional)."""
    return _modal(ids.COMMITMENT_BLOCK_MODAL, "Blocked", "Mark blocked", commitment, {
        "type": "input", "block_id": ids.COMMITMENT_REASON_BLOCK, "optional": True,
        "label": {"type": "plain_text", "text": "What is it waiting for?"},
        "element": {"type": "plain_text_input", "action_id": ids.COMMITMENT_REASON_ACTION, "multiline": True,
                    "max_length": 2000}})


def due_date_modal(commitment: Commitment) -> dict[str, Any]:
    """Asks for a commitment's new due date (a date picker, starting at the current one)."""
    picker: dict[str, Any] = {"type": "datepicker", "action_id": ids.DUE_ACTION}
    if commitment.due_date:
        picker["initial_date"] = commitment.due_date.isoformat()
    return _modal(ids.COMMITMENT_DUE_MODAL, "New due date", "Move it", commitment, {
        "type": "input", "block_id": ids.DUE_BLOCK, "label": {"type": "plain_text", "text": "New due date"},
        "element": picker})
