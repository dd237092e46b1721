"""Factories for records, written straight through storage (no shared hidden state)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from storage.groups import name_key
from storage.models import Commitment, GroupMembership, Position, Proposal, ProposalGroup, StakeholderGroup
from storage.teams import ensure_team

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def make_group(session: Session, *, consortium_id: str = "T1", name: str, members: Sequence[str] = (),
               timezone: str = "UTC", channel_id: str | None = None, sector: str | None = None,
               joined_at: datetime = T0) -> StakeholderGroup:
    """A group with members who joined in the order given (one second apart)."""
    ensure_team(session, team_id=consortium_id)
    group = StakeholderGroup(consortium_id=consortium_id, name=name, name_key=name_key(name), timezone=timezone,
                             channel_id=channel_id, sector=sector, created_by="UFAC", created_at=joined_at)
    session.add(group)
    session.flush()
    for i, user_id in enumerate(members):
        assert group.id is not None
        session.add(GroupMembership(consortium_id=consortium_id, group_id=group.id, user_id=user_id,
                                    joined_at=joined_at + timedelta(seconds=i)))
    session.flush()
    return group


def make_commitments(session: Session, *, consortium_id: str = "T1", owner_id: str, count: int = 1,
                     group_id: int | None = None, due_date: date | None = None, channel_id: str = "C1",
                     text: str = "Commitment", created_at: datetime = T0) -> list[Commitment]:
    """``count`` open commitments of one owner (texts numbered when more than one), in one flush."""
    ensure_team(session, team_id=consortium_id)
    rows = [Commitment(consortium_id=consortium_id, text=f"{text} {i + 1}" if count > 1 else text, owner_id=owner_id,
                       group_id=group_id, due_date=due_date, channel_id=channel_id, created_by=owner_id,
                       created_at=created_at, updated_at=created_at) for i in range(count)]
    session.add_all(rows)
    session.flush()
    return rows


def make_proposal_with_positions(session: Session, *, consortium_id: str = "T1", title: str,
                                 group_ids: Sequence[int],
                                 positions: Sequence[tuple[str, int | None, str]] = (),
                                 channel_id: str = "C1",
                                 closes_at: datetime = T0 + timedelta(days=60), author_id: str = "UFAC",
                                 created_at: datetime = T0, status: str = "open", outcome: str | None = None,
                                 closed_at: datetime | None = None) -> Proposal:
    """A proposal requiring ``group_ids``, with positions given as (user, group id, choice)."""
    ensure_team(session, team_id=consortium_id)
    proposal = Proposal(consortium_id=consortium_id, title=title, author_id=author_id, channel_id=channel_id,
                        closes_at=closes_at, created_at=created_at, status=status, outcome=outcome,
                        closed_at=closed_at)
    session.add(proposal)
    session.flush()
    assert proposal.id is not None
    session.add_all([ProposalGroup(consortium_id=consortium_id, proposal_id=proposal.id,
                                   group_id=g) for g in group_ids])
    session.add_all([Position(consortium_id=consortium_id, proposal_id=proposal.id, user_id=user, group_id=group,
                              choice=choice, created_at=created_at, updated_at=created_at)
                     for user, group, choice in positions])
    session.flush()
    return proposal
