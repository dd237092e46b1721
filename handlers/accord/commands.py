"""`/accord help`: what Accord does and every command."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from handlers.accord.grammar import USAGE, parse_accord_command
from handlers.shared.blocks import sections
from handlers.shared.commands import SlashCall, slash_command
from handlers.shared.grammar import Help
from handlers.shared.usage import CommandUsage, help_text

INTRO = (
    "*Accord* keeps the record and the rhythm of your consortium: it logs decisions and commitments, "
    "runs check-ins with each stakeholder group in its own time zone, drives proposals to consensus "
    "and posts digests of what is open.\n"
    "In any channel I'm in, a message starting with `Decision:` or `Action:` is recorded too; "
    "mention me with `summary` in a thread to see what it recorded."
)


def accord_help_text(usages: Sequence[CommandUsage]) -> str:
    """What Accord does and every command."""
    return help_text(INTRO, usages)


def accord_command(usages: Sequence[CommandUsage]) -> Callable[..., None]:
    """The `/accord` listener, answering with the usage of ``usages`` (every other command)."""

    @slash_command(USAGE, lambda call: parse_accord_command(call.text), answers_help=False)
    def handle_accord_command(call: SlashCall, _parsed: Help) -> None:
        call.reply("Accord help", sections(accord_help_text(usages)))

    return handle_accord_command
