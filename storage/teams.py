"""Teams, facilitators, the audit log and processed Slack events."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from storage.db import claim, insert_unless_taken
from storage.models import AuditLog, Facilitator, ProcessedEvent, Team, utcnow


def ensure_team(session: Session, *, team_id: str, timezone: str = "UTC") -> Team:
    """The team row, created on first sight."""
    team = session.get(Team, team_id)
    if team is None:
        claim(session, Team(id=team_id, timezone=timezone))
        team = session.get(Team, team_id)
        assert team is not None
    return team


def list_team_ids(session: Session) -> list[str]:
    """Every team Accord knows."""
    return list(session.exec(select(Team.id).order_by(Team.id)))


def any_facilitator_promoted(session: Session) -> bool:
    """Whether any team has promoted a facilitator (the first-run check of `accord serve`)."""
    return session.exec(select(Facilitator.id).limit(1)).first() is not None


def list_facilitator_ids(session: Session, *, team_id: str) -> set[str]:
    """Users promoted to facilitator in this team (the setting's are added by the service)."""
    return set(session.exec(select(Facilitator.user_id).where(Facilitator.team_id == team_id)))


def add_facilitator(session: Session, *, team_id: str, user_id: str, added_by: str) -> bool:
    """Promote a user; False if they already were."""
    return claim(session, Facilitator(team_id=team_id, user_id=user_id, added_by=added_by))


def write_audit(
    session: Session,
    *,
    team_id: str,
    actor_id: str | None,
    action: str,
    entity: str,
    entity_id: object = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one line to the audit log (in the caller's transaction; one INSERT)."""
    session.execute(insert(AuditLog).values(
        team_id=team_id,
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        detail=json.dumps(detail, default=str, sort_keys=True) if detail else None,
        created_at=utcnow(),
    ))


def list_audit(session: Session, *, team_id: str, entity: str | None = None) -> list[AuditLog]:
    """The audit log of a team, oldest first."""
    query = select(AuditLog).where(AuditLog.team_id == team_id)
    if entity:
        query = query.where(AuditLog.entity == entity)
    return list(session.exec(query.order_by(col(AuditLog.id))))


def claim_event(session: Session, *, team_id: str, key: str) -> bool:
    """Claim a Slack delivery (event id, view submission…); False if it was already handled."""
    return insert_unless_taken(session, ProcessedEvent, team_id=team_id, key=key[:128], created_at=utcnow()) is not None
