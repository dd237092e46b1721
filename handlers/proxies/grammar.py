"""The grammar and usage of `/proxy`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.values import ParseError, parse_due_date, shown
from handlers.shared.grammar import USER, Help, command, head, is_help, no_args, parse_record_id
from handlers.shared.usage import CommandUsage, Form

USAGE = CommandUsage("/proxy", "Name an alternate who may take your positions", (
    Form("/proxy @alternate [until <date>] [for <proposal id>]",
         "your alternate may take your position (after taking their own, they choose to take it for you); "
         "you may always override it"),
    Form("/proxy off", "end your proxy"),
    Form("/proxy", "show your proxy"),
))
SET_FORM = USAGE.forms[0].text


@dataclass(frozen=True)
class ProxySet:
    alternate_id: str
    until: date | None = None
    proposal_id: int | None = None


@dataclass(frozen=True)
class ProxyOff:
    pass


@dataclass(frozen=True)
class ProxyShow:
    pass


ProxyCommand = ProxySet | ProxyOff | ProxyShow | Help


@command(USAGE)
def parse_proxy_command(text: str, today: date | None = None) -> ProxyCommand:
    """``/proxy @alternate [until <date>] [for <proposal id>]``, ``/proxy off``, ``/proxy``; dates as for
    `/commit` (``2026-12-31``, ``friday``, ``Dec 31``…), read against ``today``."""
    word, rest = head(text)
    if not word:
        return ProxyShow()
    if is_help(text):
        return Help()
    if word == "off":
        no_args(rest, USAGE.line("off"))
        return ProxyOff()
    match = USER.match(text.strip())
    if match is None:
        raise ParseError("Mention your alternate first, e.g. `/proxy @ann until 2026-12-31`.", SET_FORM)
    options = text.strip()[match.end():].split()
    until, proposal_id = None, None
    while options:
        key = options.pop(0).lower()
        if key in ("until", "for") and not options:
            raise ParseError(f"`{key}` needs a value.", SET_FORM)
        if key == "until" and until is None:
            words = []
            while options and options[0].lower() != "for":
                words.append(options.pop(0))
            until = _date(" ".join(words), today or date.today())
        elif key == "for" and proposal_id is None:
            try:
                proposal_id = parse_record_id(options.pop(0))
            except ParseError as err:
                raise err.with_usage(SET_FORM) from None
        else:
            raise ParseError(f"I didn't understand {shown(key)}.", SET_FORM)
    return ProxySet(match.group(1), until=until, proposal_id=proposal_id)


def _date(text: str, today: date) -> date:
    try:
        return parse_due_date(text, today=today)
    except ParseError as err:
        raise err.with_usage(SET_FORM) from None
