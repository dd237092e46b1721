"""The grammar and usage of `/digest`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from bot.values import ParseError, parse_days, parse_hhmm, parse_timezone, shown
from handlers.shared.grammar import Help, command, head, is_help, no_args
from handlers.shared.usage import CommandUsage, Form

USAGE = CommandUsage("/digest", "Digest of open items", (
    Form("/digest", "post the digest for this channel now"),
    Form("/digest preview", "show it to you only"),
    Form("/digest schedule <days> <HH:MM> [tz <IANA zone>]", "post it on a schedule"),
    Form("/digest schedule off", "stop posting it on a schedule"),
))


@dataclass(frozen=True)
class DigestPost:
    pass


@dataclass(frozen=True)
class DigestPreview:
    pass


@dataclass(frozen=True)
class DigestSchedule:
    days: tuple[str, ...] | None = None
    at: time | None = None
    timezone: str | None = None
    off: bool = False


DigestCommand = DigestPost | DigestPreview | DigestSchedule | Help


@command(USAGE)
def parse_digest_command(text: str) -> DigestCommand:
    """``/digest``, ``/digest preview``, ``/digest schedule <days> <HH:MM> [tz <zone>]|off``."""
    word, rest = head(text)
    if not word:
        return DigestPost()
    if is_help(text):
        return Help()
    if word == "preview":
        no_args(rest, USAGE.line("preview"))
        return DigestPreview()
    if word != "schedule":
        raise ParseError(f"I didn't understand {shown(text.strip())}.")
    return _digest_schedule(rest.split())


def _digest_schedule(tokens: list[str]) -> DigestSchedule:
    if [token.lower() for token in tokens] == ["off"]:
        return DigestSchedule(off=True)
    form = USAGE.line("schedule <days>")
    if len(tokens) not in (2, 4) or (len(tokens) == 4 and tokens[2].lower() != "tz"):
        raise ParseError(f"Say the days and the time: `{form}`.", form)
    try:
        zone = parse_timezone(tokens[3]) if len(tokens) == 4 else None
        return DigestSchedule(parse_days(tokens[0]), parse_hhmm(tokens[1]), zone)
    except ParseError as err:
        raise err.with_usage(form) from None
