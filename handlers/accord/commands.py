"""`/accord`: what Accord does and every command; joining another workspace's installation."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.services import tenancy
from handlers.accord.grammar import USAGE, Invite, Join, parse_accord_command
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
    def handle_accord_command(call: SlashCall, parsed: Help | Invite | Join) -> None:
        if isinstance(parsed, Help):
            call.reply("Accord help", sections(accord_help_text(usages)))
        elif isinstance(parsed, Invite):
            invite(call)
        else:
            join(call, parsed.code)

    return handle_accord_command


SINGLE_TOKEN = ("Accord runs here with one bot token, so everything it serves is already one consortium: "
                "there is nothing to join. Invitations link workspaces that each installed Accord (OAuth).")


def invite(call: SlashCall) -> None:
    """A facilitator gets a one-time code for another installation."""
    rt = call.rt
    if not rt.settings.oauth:
        call.reply(SINGLE_TOKEN)
        return
    with rt.session() as session:
        code, until = tenancy.create_invite(session, settings=rt.settings, consortium_id=call.consortium_id,
                                            user_id=call.user_id, now=rt.clock.now())
    call.reply(f":ticket: In the other workspace, whoever installed Accord there (or one of its facilitators) "
               f"runs `/accord join {code}` — once, within 24 hours (until {until:%Y-%m-%d %H:%M} UTC). "
               "Its members then share this consortium's record. Keep the code private.")


def join(call: SlashCall, code: str) -> None:
    """Link the installation the command came from to the consortium of ``code``."""
    rt = call.rt
    if not rt.settings.oauth:
        call.reply(SINGLE_TOKEN)
        return
    assert call.origin is not None
    with rt.session() as session:
        tenancy.join_with_code(session, settings=rt.settings, code=code, origin=call.origin, now=rt.clock.now())
    call.reply(":link: Joined. This workspace's groups, decisions, commitments and proposals are now part of the "
               "consortium that invited it; its facilitators can add yours with `/group`.")
