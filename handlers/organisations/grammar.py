"""The grammar and usage of `/org`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.values import ParseError
from handlers.shared.grammar import USER, Help, command, head, is_help, mentioned, no_args, quoted
from handlers.shared.usage import CommandUsage, Form

MAX_ORGANISATION = 200

USAGE = CommandUsage("/org", "Members' organisations", (
    Form("/org set <organisation> @user…", "set members' organisation, creating it if new (facilitator)"),
    Form("/org list", "every organisation with its members, representative and focal point"),
    Form("/org show <organisation>", "its members, representative and focal point"),
    Form("/org representative <organisation> @user", "who speaks for it (facilitator); `off` clears it"),
    Form("/org focal <organisation> @user", "its focal point for follow-up (facilitator); `off` clears it"),
))

SPECIAL_MENTION = re.compile(r"<!(?:channel|here|everyone)(?:\|[^<>]*)?>|<!subteam\^[^<>]*>", re.I)


@dataclass(frozen=True)
class OrgSet:
    name: str
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class OrgList:
    pass


@dataclass(frozen=True)
class OrgShow:
    name: str


@dataclass(frozen=True)
class OrgRole:
    role: str  # "representative" or "focal"
    name: str
    user_id: str | None  # None: clear it


OrgCommand = OrgSet | OrgList | OrgShow | OrgRole | Help


@command(USAGE)
def parse_org_command(text: str) -> OrgCommand:
    """``/org set|list|show|representative|focal …``; empty shows help."""
    word, rest = head(text)
    if not word or is_help(text):
        return Help()
    if SPECIAL_MENTION.search(rest):
        raise ParseError("Organisations are set for people: mention each one, not @channel, @here or a user group.")
    if word == "list":
        no_args(rest, USAGE.line("list"))
        return OrgList()
    if word == "show":
        return OrgShow(organisation_name(rest, USAGE.line("show")))
    if word == "set":
        name, users = _name_and_rest(rest, USAGE.line("set"))
        return OrgSet(name, mentioned(users, USAGE.line("set")))
    if word in ("representative", "focal"):
        return _role(word, rest)
    raise ParseError(f"`/org {word}` is not a command.")


def organisation_name(name: str, form: str) -> str:
    """An organisation's name as written in a command (optionally quoted; several words)."""
    name = " ".join(name.split())
    if len(name) >= 2 and name[0] in '"“”' and name[-1] in '"“”':
        name = " ".join(name[1:-1].split())
    if not name or "<" in name or ">" in name:
        raise ParseError(f"Say the organisation's name: `{form}`.", form)
    if len(name) > MAX_ORGANISATION:
        raise ParseError(f"That organisation name is too long ({len(name)} characters; the limit is "
                         f"{MAX_ORGANISATION}).", form)
    return name


def _name_and_rest(rest: str, form: str) -> tuple[str, str]:
    """The name (everything before the first mention, or a quoted name) and what follows it."""
    found = quoted(rest)
    if found is None:
        first = USER.search(rest)
        if first is None:
            raise ParseError(f"Mention at least one person: `{form}`.", form)
        found = (rest[: first.start()], rest[first.start():])
    return organisation_name(found[0], form), found[1]


def _role(word: str, rest: str) -> OrgRole:
    form = USAGE.line(word)
    tokens = rest.split()
    if tokens and tokens[-1].lower() == "off":
        return OrgRole(word, organisation_name(" ".join(tokens[:-1]), form), None)
    if USER.search(rest) is None and not rest.strip():
        raise ParseError(f"Say the organisation and mention one person: `{form}`.", form)
    name, users = _name_and_rest(rest, form)
    people = mentioned(users, form)
    if len(people) != 1:
        raise ParseError(f"Mention one person only: `{form}`.", form)
    return OrgRole(word, name, people[0])
