"""Factories for records, written straight through storage (no shared hidden state)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from storage.groups import name_key
from storage.models import GroupMembership, StakeholderGroup
from storage.teams import ensure_team

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def make_group(session: Session, *, team_id: str = "T1", name: str, members: Sequence[str] = (),
               timezone: str = "UTC", channel_id: str | None = None, sector: str | None = None,
               joined_at: datetime = T0) -> StakeholderGroup:
    """A group with members who joined in the order given (one second apart)."""
    ensure_team(session, team_id=team_id)
    group = StakeholderGroup(team_id=team_id, name=name, name_key=name_key(name), timezone=timezone,
                             channel_id=channel_id, sector=sector, created_by="UFAC", created_at=joined_at)
    session.add(group)
    session.flush()
    for i, user_id in enumerate(members):
        assert group.id is not None
        session.add(GroupMembership(team_id=team_id, group_id=group.id, user_id=user_id,
                                    joined_at=joined_at + timedelta(seconds=i)))
    session.flush()
    return group
