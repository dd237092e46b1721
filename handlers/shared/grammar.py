"""What every command's grammar shares: mentions, record ids, group names, help, and the commitment text.

Pure functions: no Slack, no database, no I/O. Text arrives as Slack sends it (users as
``<@U123|ann>``, channels as ``<#C123|general>``, ``&amp;``/``&lt;``/``&gt;`` escaped) and is
kept that way. Anything malformed raises :class:`ParseError`, whose ``message`` says what was
wrong and whose ``usage`` shows the correct form. Each feature's ``grammar.py`` parses its own
command with these pieces; the values inside (dates, days, times, zones) are :mod:`bot.values`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import ParamSpec, TypeVar

from bot.values import ParseError, parse_due_date, shown
from handlers.shared.usage import CommandUsage

MAX_TEXT = 20_000
MAX_NAME = 80

USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^<>]*)?>")


@dataclass(frozen=True)
class Help:
    """Show the command's usage."""


def user_ids(text: str) -> list[str]:
    """All user ids mentioned in ``text``, in order, without repeats."""
    return list(dict.fromkeys(USER.findall(text)))


def first_user(text: str) -> str | None:
    """The first user mentioned in ``text``, if any."""
    match = USER.search(text)
    return match.group(1) if match else None


def channel_id(text: str) -> str | None:
    """The first channel mentioned in ``text``, if any."""
    match = CHANNEL.search(text)
    return match.group(1) if match else None


def parse_record_id(token: str) -> int:
    """A record id as messages show it: ``12`` or ``#12``."""
    match = re.fullmatch(r"#?([0-9]{1,18})", token.strip())
    if match is None or int(match.group(1)) == 0:
        raise ParseError(f"{shown(token)} is not a record id; use the number a message shows, e.g. `12`.")
    return int(match.group(1))


# --- helpers for commands ------------------------------------------------------------------

P = ParamSpec("P")
R = TypeVar("R")


def command(usage: CommandUsage) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Give every ParseError raised by a command parser that command's usage."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @wraps(func)
        def parse(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return func(*args, **kwargs)
            except ParseError as err:
                raise err.with_usage(usage.text) from None

        return parse

    return decorate


def split1(text: str) -> tuple[str, str]:
    """The first word of ``text`` and the rest."""
    parts = text.strip().split(None, 1)
    return (parts[0], parts[1].strip()) if len(parts) == 2 else (text.strip(), "")


def head(text: str) -> tuple[str, str]:
    """The first word, lower-cased, and the rest."""
    word, rest = split1(text)
    return word.lower(), rest


def is_help(text: str) -> bool:
    """Whether the text asks for the command's usage."""
    return text.strip().lower() == "help"


def checked(text: str, what: str) -> str:
    """``text``, refused when it is longer than ``MAX_TEXT``."""
    if len(text) > MAX_TEXT:
        raise ParseError(f"The {what} is too long ({len(text):,} characters; the limit is {MAX_TEXT:,}).")
    return text


def no_args(rest: str, form: str) -> None:
    """Refuse anything after a form that takes nothing more."""
    if rest:
        raise ParseError(f"`{form}` takes nothing more; I didn't understand {shown(rest)}.", form)


def record_id(rest: str, form: str, *, alone: bool) -> tuple[int, str]:
    """The record id at the start of ``rest`` and what follows it."""
    token, more = split1(rest)
    if not token:
        raise ParseError(f"Say which one: `{form}`.", form)
    try:
        record = parse_record_id(token)
    except ParseError as err:
        raise err.with_usage(form) from None
    if alone and more:
        raise ParseError(f"Give only the id; I didn't understand {shown(more)}.", form)
    return record, more


def tidy(text: str) -> str:
    """Each line's runs of white space made one space, and the text stripped."""
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()


def group_name(name: str, form: str) -> str:
    """A group's name as written in a command (optionally quoted)."""
    name = " ".join(name.split())
    if len(name) >= 2 and name[0] in '"“”' and name[-1] in '"“”':
        name = " ".join(name[1:-1].split())
    if not name or "<" in name or ">" in name:
        raise ParseError(f"Say the group's name: `{form}`.", form)
    if len(name) > MAX_NAME:
        raise ParseError(f"That group name is too long ({len(name)} characters; the limit is {MAX_NAME}).")
    return name


def quoted(text: str) -> tuple[str, str] | None:
    """A leading quoted name and the rest, if the text starts with a quote."""
    match = re.match(r"\s*([\"“”][^\"“”]*[\"“”])(.*)", text, re.S)
    return (match.group(1), match.group(2).strip()) if match else None


def mentioned(text: str, form: str) -> tuple[str, ...]:
    """The users mentioned in ``text``, which must hold mentions and nothing else."""
    leftover = re.sub(r"[\s,]+", " ", USER.sub(" ", text)).strip()
    if leftover:
        raise ParseError(f"Mention people with @; I didn't understand {shown(leftover)}.", form)
    ids = tuple(user_ids(text))
    if not ids:
        raise ParseError(f"Mention at least one person: `{form}`.", form)
    return ids


# --- the commitment text: after `/commit` and after `Action:` in a thread -------------------------


@dataclass(frozen=True)
class CommitCreate:
    text: str
    owner_id: str | None = None
    due_date: date | None = None
    decision_id: int | None = None


FOR_DECISION = re.compile(r"(?<!\S)for[ \t]+#([0-9]{1,18})[ \t]*$", re.I)


def _for_decision(text: str) -> tuple[str, int | None]:
    """A trailing ``for #<decision id>`` clause taken off ``text``, and the id."""
    match = FOR_DECISION.search(text)
    if match is None:
        return text, None
    return text[: match.start()].strip(), parse_record_id(match.group(1))


def parse_commitment_text(text: str, *, today: date, with_decision: bool = False) -> CommitCreate:
    """A commitment as written after ``/commit`` or ``Action:``: ``<text> [@owner] [by <date>] [for #<decision>]``.

    The first user mentioned anywhere is the owner and is taken out of the text; a trailing
    ``by <date>`` clause on the last line is the due date, and must be a readable date; a trailing
    ``for #<id>`` (before or after the date; `/commit` only, ``with_decision``) names the decision the
    commitment carries out.
    """
    owner = first_user(text)
    if owner is not None:
        text = _remove_user(text, owner)
    text, decision = _for_decision(tidy(text)) if with_decision else (tidy(text), None)
    by = list(re.finditer(r"(?<!\S)by[ \t]+", text, re.I))
    due = None
    if by and "\n" not in text[by[-1].end() :]:
        text, due = text[: by[-1].start()].strip(), parse_due_date(text[by[-1].end() :], today=today)
    if decision is None and with_decision:
        text, decision = _for_decision(text)
    if not text:
        raise ParseError("Say what the commitment is, e.g. `/commit Draft the annex by fri`.")
    return CommitCreate(checked(text, "commitment text"), owner, due, decision)


def _remove_user(text: str, user: str) -> str:
    mention = re.compile(rf"[ \t]*<@{re.escape(user)}(?:\|[^<>]*)?>")
    while mention.search(text):
        text = mention.sub("", text)
    return text
