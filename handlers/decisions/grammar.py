"""The grammar and usage of `/decision`."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.shared.grammar import Help, checked, command, head, is_help, no_args, record_id
from handlers.shared.usage import CommandUsage, Form

USAGE = CommandUsage("/decision", "Record a decision", (
    Form("/decision <text>", "record a decision in this channel and announce it"),
    Form("/decision", "open a form: decision and rationale"),
    Form("/decision list", "recent decisions of this channel"),
    Form("/decision revoke <id> [reason]", "revoke a decision (its recorder or a facilitator)"),
))


@dataclass(frozen=True)
class DecisionCreate:
    text: str


@dataclass(frozen=True)
class DecisionModal:
    pass


@dataclass(frozen=True)
class DecisionList:
    pass


@dataclass(frozen=True)
class DecisionRevoke:
    id: int
    reason: str | None = None


DecisionCommand = DecisionCreate | DecisionModal | DecisionList | DecisionRevoke | Help


@command(USAGE)
def parse_decision_command(text: str) -> DecisionCommand:
    """``/decision <text>``, ``/decision``, ``/decision list``, ``/decision revoke <id> [reason]``."""
    word, rest = head(text)
    if not word:
        return DecisionModal()
    if is_help(text):
        return Help()
    if word == "list":
        no_args(rest, USAGE.line("list"))
        return DecisionList()
    if word == "revoke":
        record, reason = record_id(rest, USAGE.line("revoke"), alone=False)
        return DecisionRevoke(record, checked(reason, "reason") or None)
    return DecisionCreate(checked(text.strip(), "decision text"))
