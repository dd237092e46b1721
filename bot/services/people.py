"""How members are called: the names Slack gave when Accord looked them up, for text read outside Slack."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage import people


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


def known_names(session: Session, *, consortium_id: str) -> dict[str, str]:
    """The names known in this consortium's workspaces, by user id (members never looked up are absent)."""
    return people.get_user_names(session, consortium_id=consortium_id)
