"""The grammar and usage of `/group`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time

from bot.values import ParseError, parse_days, parse_hhmm, parse_timezone, shown
from handlers.shared.grammar import (
    CHANNEL,
    MAX_NAME,
    Help,
    channel_id,
    command,
    group_name,
    head,
    is_help,
    mentioned,
    no_args,
    quoted,
    split1,
)
from handlers.shared.usage import CommandUsage, Form

USAGE = CommandUsage("/group", "Manage stakeholder groups", (
    Form("/group create <name> [#channel] [tz <IANA zone>] [sector <sector>]",
         "create a stakeholder group (facilitator)"),
    Form("/group add <name> @user…", "add members (facilitator)"),
    Form("/group remove <name> @user…", "remove members (facilitator)"),
    Form("/group observer add <name> @user…",
         "add observers: they receive the group's messages, digests and check-ins but take no position "
         "and never count for quorum (facilitator)"),
    Form("/group observer remove <name> @user…", "remove observers (facilitator)"),
    Form("/group schedule <name> <days> <HH:MM>", "check-ins on those days at that local time"),
    Form("/group schedule <name> off", "stop its check-ins"),
    Form("/group list", "every group"),
    Form("/group show <name>", "members, channel, zone and next check-in"),
    Form("/group facilitator add @user…", "make someone a facilitator (facilitator)"),
))


@dataclass(frozen=True)
class GroupCreate:
    name: str
    channel_id: str | None = None
    timezone: str | None = None
    sector: str | None = None


@dataclass(frozen=True)
class GroupAdd:
    name: str
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class GroupRemove:
    name: str
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class GroupObserver:
    name: str
    user_ids: tuple[str, ...]
    add: bool


@dataclass(frozen=True)
class GroupSchedule:
    name: str
    days: tuple[str, ...] | None = None
    at: time | None = None
    off: bool = False


@dataclass(frozen=True)
class GroupList:
    pass


@dataclass(frozen=True)
class GroupShow:
    name: str


@dataclass(frozen=True)
class FacilitatorAdd:
    user_ids: tuple[str, ...]


GroupCommand = (
    GroupCreate | GroupAdd | GroupRemove | GroupObserver | GroupSchedule | GroupList | GroupShow | FacilitatorAdd
) | Help


@command(USAGE)
def parse_group_command(text: str) -> GroupCommand:
    """``/group create|add|remove|schedule|list|show|facilitator add …``; empty shows help."""
    word, rest = head(text)
    if not word or is_help(text):
        return Help()
    if word in ("list", "show"):
        return _group_list_show(word, rest)
    if word in ("add", "remove"):
        name, users = _group_members(rest, USAGE.line(word))
        return GroupAdd(name, users) if word == "add" else GroupRemove(name, users)
    parsers: dict[str, Callable[[str], GroupCommand]] = {
        "create": _group_create,
        "schedule": _group_schedule,
        "facilitator": _facilitator,
        "observer": _observer,
    }
    if word not in parsers:
        raise ParseError(f"`/group {word}` is not a command.")
    return parsers[word](rest)


def _group_list_show(word: str, rest: str) -> GroupList | GroupShow:
    if word == "list":
        no_args(rest, USAGE.line("list"))
        return GroupList()
    return GroupShow(group_name(rest, USAGE.line("show")))


_OPTION = re.compile(r"(?<!\S)(?=(?:tz|sector)(?!\S)|<#)", re.I)
_CREATE_KEYS = ("channel", "tz", "sector")


def _group_create(rest: str) -> GroupCreate:
    form = USAGE.line("create")
    found_quoted = quoted(rest)
    if found_quoted is None:
        start = _OPTION.search(rest, len(split1(rest)[0]))
        found_quoted = (rest[: start.start()], rest[start.start() :]) if start else (rest, "")
    name, options = found_quoted
    found: dict[str, str] = {}
    for segment in filter(None, (part.strip() for part in _OPTION.split(options))):
        key, value = split1(segment)
        if key.startswith("<#"):
            key, value = ("channel", key) if not value else ("", "")
        key = key.lower()
        if key not in _CREATE_KEYS or not value:
            raise ParseError(f"I didn't understand {shown(segment)}.", form)
        if key in found:
            raise ParseError(f"Give {shown(key)} only once.", form)
        found[key] = value
    return GroupCreate(group_name(name, form), **_create_options(found, form))


def _create_options(options: dict[str, str], form: str) -> dict[str, str | None]:
    channel = options.get("channel")
    if channel is not None and not CHANNEL.fullmatch(channel):
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
    found = quoted(rest)
    if found is None:
        cut = rest.find("<") if "<" in rest else len(rest)
        found = (rest[:cut], rest[cut:])
    return group_name(found[0], form), mentioned(found[1], form)


def _group_schedule(rest: str) -> GroupSchedule:
    tokens = rest.split()
    if tokens and tokens[-1].lower() == "off":
        name = group_name(" ".join(tokens[:-1]), USAGE.line("schedule <name> off"))
        return GroupSchedule(name, off=True)
    form = USAGE.line("schedule")
    if len(tokens) < 3:
        raise ParseError(f"Say the group, the days and the time: `{form}`.", form)
    try:
        days, at = parse_days(tokens[-2]), parse_hhmm(tokens[-1])
    except ParseError as err:
        raise err.with_usage(form) from None
    return GroupSchedule(group_name(" ".join(tokens[:-2]), form), days, at)


def _facilitator(rest: str) -> FacilitatorAdd:
    form = USAGE.line("facilitator")
    word, users = head(rest)
    if word != "add":
        raise ParseError(f"Use `{form}`.", form)
    return FacilitatorAdd(mentioned(users, form))


def _observer(rest: str) -> GroupObserver:
    verb, rest = head(rest)
    if verb not in ("add", "remove"):
        form = USAGE.line("observer add")
        raise ParseError(f"Use `{form}` or `{USAGE.line('observer remove')}`.", form)
    name, users = _group_members(rest, USAGE.line(f"observer {verb}"))
    return GroupObserver(name, users, add=verb == "add")
