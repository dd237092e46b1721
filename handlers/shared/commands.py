"""The prologue every slash command shares: ack, the invocation's who and where, help, and refusals.

A feature writes its command as ``run(call, parsed)`` and wraps it with :func:`slash_command`,
which acks, parses the text with the feature's grammar, answers ``help`` with the command's
usage, and answers a :class:`ParseError` or :class:`ServiceError` with its message (and usage).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext, Respond

from bot.runtime import Runtime
from bot.services import ServiceError
from bot.services.tenancy import Origin
from bot.values import ParseError
from handlers.shared.context import origin_of, runtime, team_of
from handlers.shared.grammar import Help
from handlers.shared.replies import error_text, reply
from handlers.shared.usage import CommandUsage, usage_text
from handlers.shared.workspaces import note_member_workspace

T = TypeVar("T")


@dataclass(frozen=True)
class SlashCall:
    """One invocation of a slash command: the runtime, who ran it where, and how to answer them."""

    rt: Runtime
    consortium_id: str
    user_id: str
    channel_id: str
    command: dict[str, Any]
    respond: Respond
    client: Any
    origin: Origin | None = None  # where it came from, as Slack said (installation, channel, user)

    @property
    def text(self) -> str:
        """What was typed after the command."""
        return str(self.command.get("text", ""))

    def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """Answer the invoking user alone."""
        reply(self.respond, text, blocks)


def slash_command(usage: CommandUsage, parse: Callable[[SlashCall], T], *,
                  answers_help: bool = True) -> Callable[[Callable[[SlashCall, T], None]], Callable[..., None]]:
    """Make ``run(call, parsed)`` a Bolt listener for ``usage``'s command, parsing with ``parse``.

    ``answers_help``: `help` is answered with the command's usage before ``run`` is called.
    """

    def decorate(run: Callable[[SlashCall, T], None]) -> Callable[..., None]:
        def listener(ack: Ack, command: dict[str, Any], respond: Respond, client: Any,
                     context: BoltContext) -> None:
            ack()
            call = SlashCall(rt=runtime(context), consortium_id=team_of(context), user_id=command["user_id"],
                             channel_id=str(command.get("channel_id", "")), command=command, respond=respond,
                             client=client, origin=origin_of(context))
            try:
                parsed = parse(call)
                if answers_help and isinstance(parsed, Help):
                    call.reply(usage_text(usage))
                    return
                # A command's `team_id` is the invoker's own workspace: their default organisation.
                note_member_workspace(call.rt, client, consortium_id=call.consortium_id, user_id=call.user_id,
                                      team_id=command.get("team_id"), enterprise_id=context.actor_enterprise_id)
                run(call, parsed)
            except (ParseError, ServiceError) as err:
                call.reply(error_text(err))

        # Named after ``run`` for Bolt's logs; not functools.wraps, whose __wrapped__ would make Bolt
        # read run's parameters instead of the listener's.
        listener.__name__, listener.__qualname__, listener.__doc__ = run.__name__, run.__qualname__, run.__doc__
        return listener

    return decorate
