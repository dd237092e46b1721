"""The grammar and usage of `/accord`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.values import ParseError, shown
from handlers.shared.grammar import Help, is_help
from handlers.shared.usage import CommandUsage, Form

USAGE = CommandUsage("/accord", "About Accord, and joining workspaces into one consortium", (
    Form("/accord help", "what Accord does and every command"),
    Form("/accord invite", "a one-time code for another workspace to join this consortium (facilitators)"),
    Form("/accord join <code>", "join this workspace to the consortium that gave you the code"),
))


@dataclass(frozen=True)
class Invite:
    """`/accord invite`."""


@dataclass(frozen=True)
class Join:
    """`/accord join <code>`."""

    code: str


def parse_accord_command(text: str) -> Help | Invite | Join:
    """``/accord help`` (or nothing), ``/accord invite``, ``/accord join <code>``."""
    words = text.split()
    if not words or is_help(text):
        return Help()
    verb = words[0].lower()
    if verb == "invite" and len(words) == 1:
        return Invite()
    if verb == "join":
        if len(words) != 2 or not 4 <= len(words[1]) <= 40:
            raise ParseError("Give the code you were sent, e.g. `/accord join ABCD-EFGH-JKLM`.", USAGE.text)
        return Join(words[1])
    raise ParseError(f"I didn't understand {shown(text.strip())}.", USAGE.text)
