"""The grammar of thread messages: `Decision:` / `Action:` lines and mentions of Accord."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from handlers.shared.grammar import checked


@dataclass(frozen=True)
class RecordMessage:
    kind: Literal["decision", "commitment"]
    body: str


@dataclass(frozen=True)
class Summary:
    pass


_RECORD = re.compile(r"\s*(decision|action|commitment)\s*:(.*)", re.I | re.S)


def parse_record_message(text: str, *, bot_user_id: str | None = None) -> RecordMessage | None:
    """``Decision: …``, ``Action: …`` or ``Commitment: …`` (any case) at the start of a message.

    A leading mention of the bot (of anyone, if ``bot_user_id`` is not given) is skipped.
    Returns None for any other message; raises ParseError if the body is too long.
    """
    user = re.escape(bot_user_id) if bot_user_id else "[UW][A-Z0-9]+"
    return _record(re.sub(rf"^\s*<@{user}(?:\|[^<>]*)?>", "", text))


def parse_mention(text: str, *, bot_user_id: str) -> RecordMessage | Summary | None:
    """An app mention: ``@Accord decision: …``, ``action: …``, ``commitment: …`` or ``summary``."""
    rest = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^<>]*)?>", " ", text).strip()
    if re.fullmatch(r"summary[.!?]?", rest, re.I):
        return Summary()
    return _record(rest)


def _record(text: str) -> RecordMessage | None:
    match = _RECORD.match(text)
    if match is None or not match.group(2).strip():
        return None
    is_decision = match.group(1).lower() == "decision"
    kind: Literal["decision", "commitment"] = "decision" if is_decision else "commitment"
    return RecordMessage(kind, checked(match.group(2).strip(), f"{kind} text"))
