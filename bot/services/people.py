"""How members are called: the names Slack gave when Accord looked them up, for text read outside Slack."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from storage import people, sweeps

NAME_FRESH_FOR = timedelta(days=7)  # a name Slack gave is asked again after this
RETRY_UNNAMED_AFTER = timedelta(days=1)  # a member Slack would not describe is asked again after this

_MENTION = re.compile(r"<([@#!])([^<>|]*)(?:\|([^<>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^<>|]*)(?:\|([^<>]*))?>")


def display_name(user: Mapping[str, Any]) -> str | None:
    """The name Slack shows for a `users.info` user: display name, else real name, else handle."""
    profile = user.get("profile") or {}
    for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name"), user.get("name")):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


def remember_names(session: Session, *, team_id: str, names: Mapping[str, str], now: datetime) -> None:
    """Keep the names Slack just gave (each replaces the one known before)."""
    people.save_user_names(session, team_id=team_id, names=names, now=now)


def note_unnamed(session: Session, *, team_id: str, user_ids: Collection[str], now: datetime) -> None:
    """Note that Slack could not name these members (asked again after :data:`RETRY_UNNAMED_AFTER`)."""
    people.mark_unnamed(session, team_id=team_id, user_ids=user_ids, now=now)


@dataclass(frozen=True)
class Unnamed:
    """A member some record names whose name is not known (or is old): ask ``workspace_id``'s Slack."""

    consortium_id: str
    workspace_id: str
    user_id: str


def members_to_name(session: Session, *, now: datetime, skip_workspaces: Collection[str] = (),
                    limit: int = 50) -> list[Unnamed]:
    """Up to ``limit`` people, in every consortium, whose records would show a bare id or an old name."""
    rows = sweeps.list_unnamed_members(session, named_since=now - NAME_FRESH_FOR,
                                       tried_since=now - RETRY_UNNAMED_AFTER, skip_workspaces=skip_workspaces,
                                       limit=limit)
    return [Unnamed(consortium_id, workspace_id, user_id) for consortium_id, workspace_id, user_id in rows]


def known_names(session: Session, *, consortium_id: str) -> dict[str, str]:
    """The names known in this consortium's workspaces, by user id (members never looked up are absent)."""
    return people.get_user_names(session, consortium_id=consortium_id)


class People:
    """Turns user ids into what a report may show: a name (or the id) in full, nothing when public."""

    def __init__(self, names: dict[str, str], *, public: bool) -> None:
        self.names = names
        self.public = public

    def who(self, user_id: str | None, *, anonymous: bool = False) -> str | None:
        if user_id is None or self.public or anonymous:
            return None
        return self.names.get(user_id, user_id)

    def text(self, value: str | None) -> str | None:
        """Stored Slack text as a reader reads it: mentions as names (public: "a member"), links as labels."""
        if value is None:
            return None

        def link(m: re.Match[str]) -> str:
            return m.group(2) or m.group(1)

        def mention(m: re.Match[str]) -> str:
            kind, ref, label = m.groups()
            if kind == "@":
                return "a member" if self.public else "@" + self.names.get(ref, label or ref)
            if kind == "#":
                return "#" + label if label else "a channel"
            return "@" + (label or ref)

        out = _MENTION.sub(mention, _LINK.sub(link, value))
        out = out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        # A mention typed out literally is text to Slack, but it still names someone.
        return _MENTION.sub(mention, out) if self.public else out
