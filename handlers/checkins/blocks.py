"""Check-in messages and the check-in modal: prompt, reminder, answer form, round summary."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.services.checkin_answers import KEEP, STATUS_CHOICES, CheckinForm
from bot.services.checkins import Delivery, Reminder, RoundSummary
from handlers.shared import ids
from handlers.shared.blocks import (
    Block,
    actions,
    bulleted,
    button,
    context,
    fit_blocks,
    header,
    safe,
    section,
    sections,
    slack_date,
    truncate,
    unescape,
)
from handlers.shared.records import commitment_line
from storage.models import Proposal

STATUS_LABELS = {KEEP: "Keep open", "done": "Done", "blocked": "Blocked", "dropped": "Dropped"}
MAX_LIST = 15


def _proposal_line(proposal: Proposal) -> str:
    title = truncate(safe(proposal.title.replace("\n", " ")), 200)
    return f"*#{proposal.id}* {title} — in <#{proposal.channel_id}>, closes {slack_date(proposal.closes_at)}"


def _answer_button(prompt_id: int, label: str = "Answer check-in") -> Block:
    return actions(button(label, action_id=ids.OPEN_CHECKIN, value=str(prompt_id), style="primary"))


def prompt_text(delivery: Delivery) -> str:
    """The notification text of a prompt."""
    return truncate(f"Check-in time for {safe(delivery.group_name)}: what moved, and is anything in your way?", 300)


def prompt_blocks(delivery: Delivery, *, today: date) -> list[Block]:
    """The direct message that asks a member for their check-in."""
    group = safe(delivery.group_name)
    blocks: list[Block] = [
        header(f"Check-in: {delivery.group_name}"),
        section(f"It's check-in time for *{group}*. What moved forward since the last one, and is anything "
                "in your way?"),
    ]
    if delivery.commitments:
        lines = [commitment_line(c, today=today) for c in delivery.commitments]
        blocks += sections("*Your open commitments*\n"
                           + bulleted(lines, limit=MAX_LIST, more="see `/commit list mine`"))
    else:
        blocks.append(section("*Your open commitments*\nNone open right now."))
    if delivery.proposals:
        lines = [_proposal_line(p) for p in delivery.proposals]
        blocks += sections(f"*Proposals waiting for {group}'s position*\n"
                           + bulleted(lines, limit=MAX_LIST, more="see the proposals' channels"))
    blocks.append(_answer_button(delivery.prompt_id))
    blocks.append(context(f"Or simply reply in this thread. This check-in closes {slack_date(delivery.closes_at)}."))
    return fit_blocks(blocks)


def channel_prompt_text(delivery: Delivery) -> str:
    """The notification text of a prompt posted in the group's channel (Slack refused the DM)."""
    return truncate(f"<@{delivery.user_id}>: {prompt_text(delivery)}", 300)


def channel_prompt_blocks(delivery: Delivery, *, today: date) -> list[Block]:
    """A prompt posted in the group's channel, mentioning its member, when Slack won't take the DM."""
    blocks = prompt_blocks(delivery, today=today)
    note = section(f"<@{delivery.user_id}> — I can't send you a direct message from this workspace, so here is your "
                   "check-in. Only you can answer it: with the button, or by replying in this thread.")
    return fit_blocks([blocks[0], note, *blocks[1:]])


def reminder_text(reminder: Reminder) -> str:
    return truncate(f"Reminder: your {safe(reminder.group_name)} check-in is still open.", 300)


def reminder_blocks(reminder: Reminder) -> list[Block]:
    """The one reminder, posted in the prompt's thread (and shown in the conversation)."""
    whom = f"<@{reminder.user_id}>, your" if reminder.in_channel else "your"
    return [
        section(f":alarm_clock: A reminder: {whom} *{safe(reminder.group_name)}* check-in is still waiting for you. "
                f"It closes {slack_date(reminder.closes_at)}."),
        _answer_button(reminder.prompt_id),
    ]


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> Block:
    return {"type": "input", "block_id": block_id, "label": {"type": "plain_text", "text": truncate(label, 150)},
            "element": element, "optional": optional}


def _text_input(action_id: str, initial: str | None, placeholder: str) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id, "multiline": True,
                               "max_length": 3000, "placeholder": {"type": "plain_text", "text": placeholder}}
    if initial:
        element["initial_value"] = initial[:3000]
    return element


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": STATUS_LABELS[value]}, "value": value}


def checkin_modal(form: CheckinForm) -> dict[str, Any]:
    """The check-in modal: progress, blockers (prefilled with an earlier answer), a status per commitment."""
    initial_progress = unescape(form.progress) if form.progress else None
    initial_blockers = unescape(form.blockers) if form.blockers else None
    blocks: list[Block] = [
        context(f"*{safe(form.group_name)}* check-in — closes {slack_date(form.closes_at)}"),
        _input(ids.PROGRESS_BLOCK, "What moved forward?",
               _text_input(ids.PROGRESS_ACTION, initial_progress, "Progress since the last check-in")),
        _input(ids.BLOCKERS_BLOCK, "Anything in your way?",
               _text_input(ids.BLOCKERS_ACTION, initial_blockers, "Blockers, or what you need from others"),
               optional=True),
    ]
    for c in form.commitments:
        select = {"type": "static_select", "action_id": ids.COMMITMENT_STATUS_ACTION,
                  "options": [_option(v) for v in STATUS_CHOICES], "initial_option": _option(KEEP)}
        label = f"#{c.id} {unescape(' '.join(c.text.split()))}"
        blocks.append(_input(f"{ids.COMMITMENT_STATUS_BLOCK_PREFIX}{c.id}", label, select))
    if form.more_commitments:
        blocks.append(context(f"…and {form.more_commitments} more open commitments: update them with "
                              "`/commit done|block|drop <id>`."))
    return {
        "type": "modal", "callback_id": ids.CHECKIN_MODAL,
        "title": {"type": "plain_text", "text": "Check-in"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"prompt_id": form.prompt_id}),
        "blocks": blocks,
    }


def answer_text(group_name: str, *, first: bool, changed: Sequence[tuple[int, str]], skipped: Sequence[str]) -> str:
    """The confirmation posted in the prompt's thread after an answer."""
    what = "recorded" if first else "updated"
    text = f":white_check_mark: Thanks — your {safe(group_name)} check-in is {what}."
    if changed:
        text += " Commitments changed: " + ", ".join(f"#{cid} → {status}" for cid, status in changed) + "."
    if skipped:
        text += " " + " ".join(skipped)
    return truncate(text, 3000)


def _mentions(users: Sequence[str], limit: int = 150) -> str:
    shown = ", ".join(f"<@{u}>" for u in users[:limit])
    return shown + (f" and {len(users) - limit} more" if len(users) > limit else "")


def summary_text(summary: RoundSummary) -> str:
    """The one short channel message of a closed round."""
    blockers = sum(1 for r in summary.responses if r.blockers)
    return (f":clipboard: *{safe(summary.group_name)}* check-in closed: {len(summary.responses)} of "
            f"{len(summary.asked)} answered, {blockers} with blockers, {len(summary.changes)} commitment "
            f"update{'s' if len(summary.changes) != 1 else ''}. Details in the thread.")


def summary_thread_blocks(summary: RoundSummary) -> list[Block]:
    """The details of a closed round, posted in the thread of its summary."""
    answered = [r.user_id for r in summary.responses]
    blocks = sections(f"*Answered ({len(answered)})*: {_mentions(answered) or 'nobody'}")
    if summary.silent:
        blocks += sections(f"*Not answered ({len(summary.silent)})*: {_mentions(summary.silent)}")
    lines = [f"<@{r.user_id}>: {truncate(safe(r.blockers or ''), 400)}" for r in summary.responses if r.blockers]
    if lines:
        blocks += sections("*Blockers*\n" + bulleted(lines, limit=20, more="see `accord export checkins`"))
    changes = [f"*#{u.commitment_id}* {truncate(safe(text.replace(chr(10), ' ')), 200)} — {u.old_status} → "
               f"*{u.new_status}* (<@{u.user_id}>)" for u, text in summary.changes]
    if changes:
        blocks += sections("*Commitments changed*\n" + bulleted(changes, limit=20, more="see `/commit list all`"))
    if summary.undelivered:
        blocks.append(context(f":warning: {len(summary.undelivered)} prompt(s) could not be delivered: "
                              f"{_mentions(summary.undelivered, 30)}"))
    return fit_blocks(blocks)
