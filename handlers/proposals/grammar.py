"""The grammar and usage of `/propose`."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.shared.grammar import Help, checked, command, head, is_help, record_id
from handlers.shared.usage import CommandUsage, Form

USAGE = CommandUsage("/propose", "Put a proposal to the consortium", (
    Form("/propose <title>", "put a proposal to the consortium, with Agree / Abstain / Disagree / Block buttons"),
    Form("/propose", "open a form: title, details, closing date, required groups"),
    Form("/propose close <id>", "close it now (author or facilitator)"),
    Form("/propose withdraw <id>", "withdraw it (author or facilitator)"),
))


@dataclass(frozen=True)
class ProposeCreate:
    title: str


@dataclass(frozen=True)
class ProposeModal:
    pass


@dataclass(frozen=True)
class ProposeClose:
    id: int


@dataclass(frozen=True)
class ProposeWithdraw:
    id: int


ProposeCommand = ProposeCreate | ProposeModal | ProposeClose | ProposeWithdraw | Help


@command(USAGE)
def parse_propose_command(text: str) -> ProposeCommand:
    """``/propose <title>``, ``/propose``, ``/propose close <id>``, ``/propose withdraw <id>``."""
    word, rest = head(text)
    if not word:
        return ProposeModal()
    if is_help(text):
        return Help()
    if word == "close":
        return ProposeClose(record_id(rest, USAGE.line("close"), alone=True)[0])
    if word == "withdraw":
        return ProposeWithdraw(record_id(rest, USAGE.line("withdraw"), alone=True)[0])
    return ProposeCreate(checked(text.strip(), "proposal title"))
