"""`/accord help`: what Accord does and every command."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond

from handlers.shared.blocks import sections
from handlers.shared.common import error_text, reply
from handlers.shared.help import accord_help_text
from handlers.shared.parsing import ParseError, parse_accord_command


def handle_accord_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
    ack()
    try:
        parse_accord_command(command.get("text", ""))
    except ParseError as err:
        reply(respond, error_text(err))
        return
    text = accord_help_text()
    reply(respond, "Accord help", sections(text))
