"""Claiming a Slack delivery once: the loser of a race (or a retry) does nothing."""

from __future__ import annotations

from sqlmodel import Session

from storage.teams import claim_event


def claim_delivery(session: Session, *, team_id: str, key: str) -> bool:
    """Claim a delivery in the caller's transaction; False when it was already handled."""
    return claim_event(session, team_id=team_id, key=key)
