"""The grammar and usage of `/checkin`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.values import ParseError, shown
from handlers.shared.grammar import Help, command, group_name, head, is_help
from handlers.shared.usage import CommandUsage, Form

USAGE = CommandUsage("/checkin", "Check-ins", (
    Form("/checkin now <group>", "start a check-in round for a group now (facilitator)"),
    Form("/checkin", "open your pending check-in"),
))


@dataclass(frozen=True)
class CheckinNow:
    group_name: str


@dataclass(frozen=True)
class CheckinOpen:
    pass


CheckinCommand = CheckinNow | CheckinOpen | Help


@command(USAGE)
def parse_checkin_command(text: str) -> CheckinCommand:
    """``/checkin`` opens the invoker's pending check-in; ``/checkin now <group>`` starts one."""
    word, rest = head(text)
    if not word:
        return CheckinOpen()
    if is_help(text):
        return Help()
    if word != "now":
        raise ParseError(f"I didn't understand {shown(text.strip())}.")
    return CheckinNow(group_name(rest, USAGE.line("now")))
