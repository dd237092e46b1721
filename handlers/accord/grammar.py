"""The grammar and usage of `/accord`."""

from __future__ import annotations

from bot.values import ParseError, shown
from handlers.shared.grammar import Help, is_help
from handlers.shared.usage import CommandUsage, Form

USAGE = CommandUsage("/accord", "About Accord and every command", (
    Form("/accord help", "what Accord does and every command"),
))


def parse_accord_command(text: str) -> Help:
    """``/accord help`` (or nothing) shows what Accord does."""
    if text.strip() and not is_help(text):
        raise ParseError(f"I didn't understand {shown(text.strip())}.", USAGE.text)
    return Help()
