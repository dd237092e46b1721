"""The grammar and usage of `/propose`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.values import ParseError, shown
from handlers.shared.grammar import Help, checked, command, head, is_help, record_id
from handlers.shared.usage import CommandUsage, Form

USAGE = CommandUsage("/propose", "Put a proposal to the consortium", (
    Form("/propose <title> [counting member|organisation] [cap <N>%] [hidden] [anonymous]",
         "put a proposal to the consortium, with Agree / Abstain / Disagree / Block buttons; the options at the "
         "end choose how positions count, cap one organisation's weight, hide the tallies until it closes, "
         "or keep names out"),
    Form("/propose", "open a form: title, details, closing date, required groups, counting and options"),
    Form("/propose conflict <id> <statement>",
         "declare a conflict of interest: your position on it is withdrawn and you take none"),
    Form("/propose close <id>", "close it now (author or facilitator)"),
    Form("/propose withdraw <id>", "withdraw it (author or facilitator)"),
))


@dataclass(frozen=True)
class ProposeCreate:
    title: str
    counting: str | None = None  # None: the consortium's default
    cap: int | None = None
    hidden: bool = False
    anonymous: bool = False


@dataclass(frozen=True)
class ProposeModal:
    pass


@dataclass(frozen=True)
class ProposeClose:
    id: int


@dataclass(frozen=True)
class ProposeWithdraw:
    id: int


@dataclass(frozen=True)
class ProposeConflict:
    id: int
    statement: str


ProposeCommand = ProposeCreate | ProposeModal | ProposeClose | ProposeWithdraw | ProposeConflict | Help


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
    if word == "conflict":
        form = USAGE.line("conflict")
        proposal_id, statement = record_id(rest, form, alone=False)
        if not statement.strip():
            raise ParseError("Say what the conflict is.", form)
        return ProposeConflict(proposal_id, checked(statement.strip(), "statement"))
    return parse_proposal_options(checked(text.strip(), "proposal title"))


COUNTING_WORDS = {"member": "member", "members": "member", "organisation": "organisation",
                  "organisations": "organisation", "organization": "organisation", "organizations": "organisation"}
_TRAILING = re.compile(r"(?is)^(?P<title>.*?)\s+(?P<option>hidden|anonymous|counting\s+\S+|cap\s+\S+(?:\s*%)?)$")
CREATE_FORM = "/propose <title> [counting member|organisation] [cap <N>%] [hidden] [anonymous]"


def _cap(raw: str) -> int:
    match = re.fullmatch(r"([0-9]{1,3})\s*%?", raw.strip())
    if match is None or not 1 <= int(match.group(1)) <= 100:
        raise ParseError(f"{shown(raw)} is not a cap; give a percentage from 1 to 100, e.g. `cap 25%`.", CREATE_FORM)
    return int(match.group(1))


def parse_proposal_options(text: str) -> ProposeCreate:
    """``<title> [counting member|organisation] [cap <N>%] [hidden] [anonymous]``: options at the end, any order.

    A trailing ``counting`` or ``cap`` whose value is not one is an error (not part of the title);
    each option may appear once, and a title must remain.
    """
    options: dict[str, object] = {}
    title = text.strip()
    while (match := _TRAILING.match(title)) is not None:
        option = match.group("option")
        word, _, value = " ".join(option.split()).partition(" ")
        word = word.lower()
        if word in options:
            raise ParseError(f"`{word}` is given twice; say it once.", CREATE_FORM)
        if word == "counting":
            counting = COUNTING_WORDS.get(value.strip().lower())
            if counting is None:
                raise ParseError(f"Counting is `member` or `organisation`, not {shown(value.strip())}.", CREATE_FORM)
            options[word] = counting
        elif word == "cap":
            options[word] = _cap(value)
        else:
            options[word] = True
        title = match.group("title").strip()
    if not title or title.lower() in ("hidden", "anonymous"):
        raise ParseError("Give the proposal a title before its options.", CREATE_FORM)
    return ProposeCreate(title, counting=options.get("counting"), cap=options.get("cap"),  # type: ignore[arg-type]
                         hidden=bool(options.get("hidden")), anonymous=bool(options.get("anonymous")))
