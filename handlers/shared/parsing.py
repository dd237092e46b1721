"""Parse the text of Accord's slash commands, thread messages and settings.

Pure functions: no Slack, no database, no I/O. Text arrives as Slack sends it (users as
``<@U123|ann>``, channels as ``<#C123|general>``, ``&amp;``/``&lt;``/``&gt;`` escaped) and is
kept that way. Anything malformed raises :class:`ParseError`, whose ``message`` says what was
wrong and whose ``usage`` shows the correct form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Literal, ParamSpec, TypeVar

# The value parsers live in handlers.shared.dates and are re-exported as part of this module's API.
from handlers.shared.dates import DAYS as DAYS
from handlers.shared.dates import MAX_DURATION as MAX_DURATION
from handlers.shared.dates import ParseError as ParseError
from handlers.shared.dates import format_days as format_days
from handlers.shared.dates import parse_days as parse_days
from handlers.shared.dates import parse_due_date as parse_due_date
from handlers.shared.dates import parse_duration as parse_duration
from handlers.shared.dates import parse_hhmm as parse_hhmm
from handlers.shared.dates import parse_timezone as parse_timezone
from handlers.shared.dates import shown

# The parsed forms live in handlers.shared.grammar and are part of this module's API.
from handlers.shared.grammar import Action as Action
from handlers.shared.grammar import CheckinCommand as CheckinCommand
from handlers.shared.grammar import CheckinNow as CheckinNow
from handlers.shared.grammar import CheckinOpen as CheckinOpen
from handlers.shared.grammar import CommitCommand as CommitCommand
from handlers.shared.grammar import CommitCreate as CommitCreate
from handlers.shared.grammar import CommitList as CommitList
from handlers.shared.grammar import CommitModal as CommitModal
from handlers.shared.grammar import CommitUpdate as CommitUpdate
from handlers.shared.grammar import DecisionCommand as DecisionCommand
from handlers.shared.grammar import DecisionCreate as DecisionCreate
from handlers.shared.grammar import DecisionList as DecisionList
from handlers.shared.grammar import DecisionModal as DecisionModal
from handlers.shared.grammar import DecisionRevoke as DecisionRevoke
from handlers.shared.grammar import DigestCommand as DigestCommand
from handlers.shared.grammar import DigestPost as DigestPost
from handlers.shared.grammar import DigestPreview as DigestPreview
from handlers.shared.grammar import DigestSchedule as DigestSchedule
from handlers.shared.grammar import FacilitatorAdd as FacilitatorAdd
from handlers.shared.grammar import GroupAdd as GroupAdd
from handlers.shared.grammar import GroupCommand as GroupCommand
from handlers.shared.grammar import GroupCreate as GroupCreate
from handlers.shared.grammar import GroupList as GroupList
from handlers.shared.grammar import GroupRemove as GroupRemove
from handlers.shared.grammar import GroupSchedule as GroupSchedule
from handlers.shared.grammar import GroupShow as GroupShow
from handlers.shared.grammar import Help as Help
from handlers.shared.grammar import ProposeClose as ProposeClose
from handlers.shared.grammar import ProposeCommand as ProposeCommand
from handlers.shared.grammar import ProposeCreate as ProposeCreate
from handlers.shared.grammar import ProposeModal as ProposeModal
from handlers.shared.grammar import ProposeWithdraw as ProposeWithdraw
from handlers.shared.grammar import RecordMessage as RecordMessage
from handlers.shared.grammar import Scope as Scope
from handlers.shared.grammar import Summary as Summary

MAX_TEXT = 20_000
MAX_NAME = 80

USAGE = {
    "/decision": "/decision <text>\n/decision\n/decision list\n/decision revoke <id> [reason]",
    "/commit": "/commit <text> [@owner] [by <date>]\n/commit list [mine|@user|overdue|all]\n"
    "/commit done <id> [note]\n/commit block <id> <reason>\n/commit drop <id>",
    "/propose": "/propose <title>\n/propose\n/propose close <id>\n/propose withdraw <id>",
    "/group": "/group create <name> [#channel] [tz <IANA zone>] [sector <sector>]\n"
    "/group add <name> @user…\n/group remove <name> @user…\n"
    "/group schedule <name> <days> <HH:MM>\n/group schedule <name> off\n"
    "/group list\n/group show <name>\n/group facilitator add @user…",
    "/checkin": "/checkin\n/checkin now <group>",
    "/digest": "/digest\n/digest preview\n/digest schedule <days> <HH:MM> [tz <IANA zone>]\n"
    "/digest schedule off",
    "/accord": "/accord help",
}

# --- mentions and small values -------------------------------------------------------------

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^<>]*)?>")


def user_ids(text: str) -> list[str]:
    """All user ids mentioned in ``text``, in order, without repeats."""
    return list(dict.fromkeys(_USER.findall(text)))


def first_user(text: str) -> str | None:
    """The first user mentioned in ``text``, if any."""
    match = _USER.search(text)
    return match.group(1) if match else None


def channel_id(text: str) -> str | None:
    """The first channel mentioned in ``text``, if any."""
    match = _CHANNEL.search(text)
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


def _command(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Give every ParseError raised by a command parser that command's usage."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @wraps(func)
        def parse(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return func(*args, **kwargs)
            except ParseError as err:
                raise err.with_usage(USAGE[name]) from None

        return parse

    return decorate


def _split1(text: str) -> tuple[str, str]:
    parts = text.strip().split(None, 1)
    return (parts[0], parts[1].strip()) if len(parts) == 2 else (text.strip(), "")


def _head(text: str) -> tuple[str, str]:
    word, rest = _split1(text)
    return word.lower(), rest


def _is_help(text: str) -> bool:
    return text.strip().lower() == "help"


def _checked(text: str, what: str) -> str:
    if len(text) > MAX_TEXT:
        raise ParseError(f"The {what} is too long ({len(text):,} characters; the limit is {MAX_TEXT:,}).")
    return text


def _no_args(rest: str, form: str) -> None:
    if rest:
        raise ParseError(f"`{form}` takes nothing more; I didn't understand {shown(rest)}.", form)


def _record_id(rest: str, form: str, *, alone: bool) -> tuple[int, str]:
    """The record id at the start of ``rest`` and what follows it."""
    token, more = _split1(rest)
    if not token:
        raise ParseError(f"Say which one: `{form}`.", form)
    try:
        record = parse_record_id(token)
    except ParseError as err:
        raise err.with_usage(form) from None
    if alone and more:
        raise ParseError(f"Give only the id; I didn't understand {shown(more)}.", form)
    return record, more


def _tidy(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()


def _group_name(name: str, form: str) -> str:
    name = " ".join(name.split())
    if len(name) >= 2 and name[0] in '"“”' and name[-1] in '"“”':
        name = " ".join(name[1:-1].split())
    if not name or "<" in name or ">" in name:
        raise ParseError(f"Say the group's name: `{form}`.", form)
    if len(name) > MAX_NAME:
        raise ParseError(f"That group name is too long ({len(name)} characters; the limit is {MAX_NAME}).")
    return name


def _quoted(text: str) -> tuple[str, str] | None:
    match = re.match(r"\s*([\"“”][^\"“”]*[\"“”])(.*)", text, re.S)
    return (match.group(1), match.group(2).strip()) if match else None


def _mentioned(text: str, form: str) -> tuple[str, ...]:
    """The users mentioned in ``text``, which must hold mentions and nothing else."""
    leftover = re.sub(r"[\s,]+", " ", _USER.sub(" ", text)).strip()
    if leftover:
        raise ParseError(f"Mention people with @; I didn't understand {shown(leftover)}.", form)
    ids = tuple(user_ids(text))
    if not ids:
        raise ParseError(f"Mention at least one person: `{form}`.", form)
    return ids


def _line(command: str, word: str) -> str:
    """The usage line of ``command`` that starts with ``word``."""
    prefix = f"{command} {word}"
    return next(line for line in USAGE[command].splitlines() if line.startswith(prefix))


# --- commands ------------------------------------------------------------------------------


@_command("/decision")
def parse_decision_command(text: str) -> DecisionCommand:
    """``/decision <text>``, ``/decision``, ``/decision list``, ``/decision revoke <id> [reason]``."""
    word, rest = _head(text)
    if not word:
        return DecisionModal()
    if _is_help(text):
        return Help()
    if word == "list":
        _no_args(rest, _line("/decision", "list"))
        return DecisionList()
    if word == "revoke":
        record, reason = _record_id(rest, _line("/decision", "revoke"), alone=False)
        return DecisionRevoke(record, _checked(reason, "reason") or None)
    return DecisionCreate(_checked(text.strip(), "decision text"))


@_command("/commit")
def parse_commit_command(text: str, *, today: date) -> CommitCommand:
    """``/commit <text> [@owner] [by <date>]``, ``list``, ``done``, ``block``, ``drop``."""
    word, rest = _head(text)
    if not word:
        return CommitModal()
    if _is_help(text):
        return Help()
    if word == "list":
        return _commit_list(rest)
    if word in _ACTIONS:
        return _commit_update(_ACTIONS[word], rest)
    try:
        return parse_commitment_text(text, today=today)
    except ParseError as err:
        raise err.with_usage(_line("/commit", "<text>")) from None


def parse_commitment_text(text: str, *, today: date) -> CommitCreate:
    """A commitment as written after ``/commit`` or ``Action:``: ``<text> [@owner] [by <date>]``.

    The first user mentioned anywhere is the owner and is taken out of the text; a trailing
    ``by <date>`` clause on the last line is the due date, and must be a readable date.
    """
    owner = first_user(text)
    if owner is not None:
        text = _remove_user(text, owner)
    text = _tidy(text)
    by = list(re.finditer(r"(?<!\S)by[ \t]+", text, re.I))
    due = None
    if by and "\n" not in text[by[-1].end() :]:
        text, due = text[: by[-1].start()].strip(), parse_due_date(text[by[-1].end() :], today=today)
    if not text:
        raise ParseError("Say what the commitment is, e.g. `/commit Draft the annex by fri`.")
    return CommitCreate(_checked(text, "commitment text"), owner, due)


def _remove_user(text: str, user: str) -> str:
    mention = re.compile(rf"[ \t]*<@{re.escape(user)}(?:\|[^<>]*)?>")
    while mention.search(text):
        text = mention.sub("", text)
    return text


_SCOPES: dict[str, Scope] = {"mine": "mine", "overdue": "overdue", "all": "all"}
_ACTIONS: dict[str, Action] = {"done": "done", "block": "block", "drop": "drop"}


def _commit_list(rest: str) -> CommitList:
    if not rest:
        return CommitList("channel")
    if rest.lower() in _SCOPES:
        return CommitList(_SCOPES[rest.lower()])
    if match := _USER.fullmatch(rest):
        return CommitList("user", match.group(1))
    form = _line("/commit", "list")
    raise ParseError(f"I can't list {shown(rest)}; use mine, overdue, all or @someone.", form)


def _commit_update(action: Action, rest: str) -> CommitUpdate:
    form = _line("/commit", action)
    record, note = _record_id(rest, form, alone=action == "drop")
    if action == "block" and not note:
        raise ParseError("Say why it is blocked, e.g. `/commit block 12 waiting for legal review`.", form)
    return CommitUpdate(action, record, _checked(note, "note") or None)


@_command("/propose")
def parse_propose_command(text: str) -> ProposeCommand:
    """``/propose <title>``, ``/propose``, ``/propose close <id>``, ``/propose withdraw <id>``."""
    word, rest = _head(text)
    if not word:
        return ProposeModal()
    if _is_help(text):
        return Help()
    if word == "close":
        return ProposeClose(_record_id(rest, _line("/propose", "close"), alone=True)[0])
    if word == "withdraw":
        return ProposeWithdraw(_record_id(rest, _line("/propose", "withdraw"), alone=True)[0])
    return ProposeCreate(_checked(text.strip(), "proposal title"))


@_command("/group")
def parse_group_command(text: str) -> GroupCommand:
    """``/group create|add|remove|schedule|list|show|facilitator add …``; empty shows help."""
    word, rest = _head(text)
    if not word or _is_help(text):
        return Help()
    if word in ("list", "show"):
        return _group_list_show(word, rest)
    if word in ("add", "remove"):
        name, users = _group_members(rest, _line("/group", word))
        return GroupAdd(name, users) if word == "add" else GroupRemove(name, users)
    parsers: dict[str, Callable[[str], GroupCommand]] = {
        "create": _group_create,
        "schedule": _group_schedule,
        "facilitator": _facilitator,
    }
    if word not in parsers:
        raise ParseError(f"`/group {word}` is not a command.")
    return parsers[word](rest)


def _group_list_show(word: str, rest: str) -> GroupList | GroupShow:
    if word == "list":
        _no_args(rest, _line("/group", "list"))
        return GroupList()
    return GroupShow(_group_name(rest, _line("/group", "show")))


_OPTION = re.compile(r"(?<!\S)(?=(?:tz|sector)(?!\S)|<#)", re.I)


def _group_create(rest: str) -> GroupCreate:
    form = _line("/group", "create")
    quoted = _quoted(rest)
    if quoted is None:
        start = _OPTION.search(rest, len(_split1(rest)[0]))
        quoted = (rest[: start.start()], rest[start.start() :]) if start else (rest, "")
    name, options = quoted
    found: dict[str, str] = {}
    for segment in filter(None, (part.strip() for part in _OPTION.split(options))):
        key, value = _split1(segment)
        if key.startswith("<#"):
            key, value = ("channel", key) if not value else ("", "")
        key = key.lower()
        if key not in _CREATE_KEYS or not value:
            raise ParseError(f"I didn't understand {shown(segment)}.", form)
        if key in found:
            raise ParseError(f"Give {shown(key)} only once.", form)
        found[key] = value
    return GroupCreate(_group_name(name, form), **_create_options(found, form))


_CREATE_KEYS = ("channel", "tz", "sector")


def _create_options(options: dict[str, str], form: str) -> dict[str, str | None]:
    channel = options.get("channel")
    if channel is not None and not _CHANNEL.fullmatch(channel):
        raise ParseError(f"{shown(channel)} is not a channel.", form)
    sector = options.get("sector")
    if sector is not None and len(sector) > MAX_NAME:
        raise ParseError(f"That sector is too long ({len(sector)} characters; the limit is {MAX_NAME}).")
    zone = options.get("tz")
    return {
        "channel_id": channel_id(channel or ""),
        "timezone": parse_timezone(zone) if zone is not None else None,
        "sector": sector,
    }


def _group_members(rest: str, form: str) -> tuple[str, tuple[str, ...]]:
    quoted = _quoted(rest)
    if quoted is None:
        cut = rest.find("<") if "<" in rest else len(rest)
        quoted = (rest[:cut], rest[cut:])
    return _group_name(quoted[0], form), _mentioned(quoted[1], form)


def _group_schedule(rest: str) -> GroupSchedule:
    tokens = rest.split()
    if tokens and tokens[-1].lower() == "off":
        name = _group_name(" ".join(tokens[:-1]), _line("/group", "schedule <name> off"))
        return GroupSchedule(name, off=True)
    form = _line("/group", "schedule")
    if len(tokens) < 3:
        raise ParseError(f"Say the group, the days and the time: `{form}`.", form)
    try:
        days, at = parse_days(tokens[-2]), parse_hhmm(tokens[-1])
    except ParseError as err:
        raise err.with_usage(form) from None
    return GroupSchedule(_group_name(" ".join(tokens[:-2]), form), days, at)


def _facilitator(rest: str) -> FacilitatorAdd:
    form = _line("/group", "facilitator")
    word, users = _head(rest)
    if word != "add":
        raise ParseError(f"Use `{form}`.", form)
    return FacilitatorAdd(_mentioned(users, form))


@_command("/checkin")
def parse_checkin_command(text: str) -> CheckinCommand:
    """``/checkin`` opens the invoker's pending check-in; ``/checkin now <group>`` starts one."""
    word, rest = _head(text)
    if not word:
        return CheckinOpen()
    if _is_help(text):
        return Help()
    if word != "now":
        raise ParseError(f"I didn't understand {shown(text.strip())}.")
    return CheckinNow(_group_name(rest, _line("/checkin", "now")))


@_command("/digest")
def parse_digest_command(text: str) -> DigestCommand:
    """``/digest``, ``/digest preview``, ``/digest schedule <days> <HH:MM> [tz <zone>]|off``."""
    word, rest = _head(text)
    if not word:
        return DigestPost()
    if _is_help(text):
        return Help()
    if word == "preview":
        _no_args(rest, _line("/digest", "preview"))
        return DigestPreview()
    if word != "schedule":
        raise ParseError(f"I didn't understand {shown(text.strip())}.")
    return _digest_schedule(rest.split())


def _digest_schedule(tokens: list[str]) -> DigestSchedule:
    if [token.lower() for token in tokens] == ["off"]:
        return DigestSchedule(off=True)
    form = _line("/digest", "schedule <days>")
    if len(tokens) not in (2, 4) or (len(tokens) == 4 and tokens[2].lower() != "tz"):
        raise ParseError(f"Say the days and the time: `{form}`.", form)
    try:
        zone = parse_timezone(tokens[3]) if len(tokens) == 4 else None
        return DigestSchedule(parse_days(tokens[0]), parse_hhmm(tokens[1]), zone)
    except ParseError as err:
        raise err.with_usage(form) from None


def parse_accord_command(text: str) -> Help:
    """``/accord help`` (or nothing) shows what Accord does."""
    if text.strip() and not _is_help(text):
        raise ParseError(f"I didn't understand {shown(text.strip())}.", USAGE["/accord"])
    return Help()


# --- messages ------------------------------------------------------------------------------

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
    return RecordMessage(kind, _checked(match.group(2).strip(), f"{kind} text"))
