"""The grammar and usage of `/commit` (the commitment text itself is shared with `Action:` lines)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.values import ParseError, shown
from handlers.shared.grammar import (
    USER,
    CommitCreate,
    Help,
    checked,
    command,
    head,
    is_help,
    parse_commitment_text,
    record_id,
)
from handlers.shared.usage import CommandUsage, Form

USAGE = CommandUsage("/commit", "Record or update a commitment", (
    Form("/commit <text> [@owner] [by <date>] [for #<decision id>]", "record a commitment (owner defaults to you); "
         "dates like 2026-12-01, friday, tomorrow, next week, in 3 days, Dec 1; `for #12`: it carries out decision 12"),
    Form("/commit", "open a form: commitment, owner, due date, the decision it carries out"),
    Form("/commit list [mine|@user|overdue|all]", "open commitments (default: this channel)"),
    Form("/commit done <id> [note]", "mark it done (owner or facilitator)"),
    Form("/commit block <id> <reason>", "mark it blocked"),
    Form("/commit drop <id>", "drop it"),
))

Scope = Literal["channel", "mine", "overdue", "all", "user"]
Action = Literal["done", "block", "drop"]


@dataclass(frozen=True)
class CommitList:
    scope: Scope = "channel"
    user_id: str | None = None


@dataclass(frozen=True)
class CommitUpdate:
    action: Action
    id: int
    note: str | None = None


@dataclass(frozen=True)
class CommitModal:
    pass


CommitCommand = CommitCreate | CommitList | CommitUpdate | CommitModal | Help

_SCOPES: dict[str, Scope] = {"mine": "mine", "overdue": "overdue", "all": "all"}
_ACTIONS: dict[str, Action] = {"done": "done", "block": "block", "drop": "drop"}


@command(USAGE)
def parse_commit_command(text: str, *, today: date) -> CommitCommand:
    """``/commit <text> [@owner] [by <date>]``, ``list``, ``done``, ``block``, ``drop``."""
    word, rest = head(text)
    if not word:
        return CommitModal()
    if is_help(text):
        return Help()
    if word == "list":
        return _commit_list(rest)
    if word in _ACTIONS:
        return _commit_update(_ACTIONS[word], rest)
    try:
        return parse_commitment_text(text, today=today, with_decision=True)
    except ParseError as err:
        raise err.with_usage(USAGE.line("<text>")) from None


def _commit_list(rest: str) -> CommitList:
    if not rest:
        return CommitList("channel")
    if rest.lower() in _SCOPES:
        return CommitList(_SCOPES[rest.lower()])
    if match := USER.fullmatch(rest):
        return CommitList("user", match.group(1))
    form = USAGE.line("list")
    raise ParseError(f"I can't list {shown(rest)}; use mine, overdue, all or @someone.", form)


def _commit_update(action: Action, rest: str) -> CommitUpdate:
    form = USAGE.line(action)
    record, note = record_id(rest, form, alone=action == "drop")
    if action == "block" and not note:
        raise ParseError("Say why it is blocked, e.g. `/commit block 12 waiting for legal review`.", form)
    return CommitUpdate(action, record, checked(note, "note") or None)
