"""Consortia and their workspaces, facilitators, the audit log and processed Slack events."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from storage.db import built, claim, insert_unless_taken
from storage.models import (
    AuditLog,
    ChannelHome,
    CheckinRound,
    Commitment,
    Consortium,
    ConsortiumInvite,
    Decision,
    Facilitator,
    GroupMembership,
    ProcessedEvent,
    Proposal,
    StakeholderGroup,
    Workspace,
    utcnow,
)
from storage.origin import remember_owner, remembered_owner


def ensure_consortium(session: Session, *, consortium_id: str, timezone: str = "UTC") -> Consortium:
    """The consortium row, created on first sight."""
    consortium = session.get(Consortium, consortium_id)
    if consortium is None:
        claim(session, Consortium(id=consortium_id, timezone=timezone))
        consortium = session.get(Consortium, consortium_id)
        assert consortium is not None
    return consortium


def ensure_team(session: Session, *, team_id: str, timezone: str = "UTC") -> Consortium:
    """A workspace seen for the first time: its own consortium (id = the workspace's id) and its row."""
    consortium = ensure_consortium(session, consortium_id=team_id, timezone=timezone)
    insert_unless_taken(session, Workspace, id=team_id, consortium_id=team_id, is_enterprise_install=False,
                        created_at=utcnow())
    return consortium


def list_consortium_ids(session: Session) -> list[str]:
    """Every consortium Accord knows."""
    return list(session.exec(select(Consortium.id).order_by(Consortium.id)))


def any_facilitator_promoted(session: Session) -> bool:
    """Whether any consortium has promoted a facilitator (the first-run check of `accord serve`)."""
    return session.exec(select(Facilitator.id).limit(1)).first() is not None


def list_facilitator_ids(session: Session, *, consortium_id: str) -> set[str]:
    """Users promoted to facilitator in this consortium (the setting's are added by the service)."""
    return set(session.exec(select(Facilitator.user_id).where(Facilitator.consortium_id == consortium_id)))


def add_facilitator(session: Session, *, consortium_id: str, user_id: str, added_by: str) -> bool:
    """Promote a user; False if they already were."""
    return claim(session, Facilitator(consortium_id=consortium_id, user_id=user_id, added_by=added_by))


def write_audit(
    session: Session,
    *,
    consortium_id: str,
    actor_id: str | None,
    action: str,
    entity: str,
    entity_id: object = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one line to the audit log (in the caller's transaction; one INSERT)."""
    table = AuditLog.__table__  # type: ignore[attr-defined]
    session.execute(built(("insert", table), lambda: insert(table)), dict(
        consortium_id=consortium_id,
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        detail=json.dumps(detail, default=str, sort_keys=True) if detail else None,
        created_at=utcnow(),
    ))


def list_audit(session: Session, *, consortium_id: str, entity: str | None = None) -> list[AuditLog]:
    """The audit log of a consortium, oldest first."""
    query = select(AuditLog).where(AuditLog.consortium_id == consortium_id)
    if entity:
        query = query.where(AuditLog.entity == entity)
    return list(session.exec(query.order_by(col(AuditLog.id))))


def claim_event(session: Session, *, team_id: str, key: str) -> bool:
    """Claim a Slack delivery (event id, view submission…) of a workspace; False if it was already handled."""
    return insert_unless_taken(session, ProcessedEvent, team_id=team_id, key=key[:128], created_at=utcnow()) is not None


def list_consortia(session: Session) -> list[Consortium]:
    """Every consortium Accord knows, by id."""
    return list(session.exec(select(Consortium).order_by(col(Consortium.id))))


def consortium_of_workspace(session: Session, *, workspace_id: str) -> str | None:
    """The consortium a workspace (or an Enterprise Grid org) belongs to; None when it is unknown."""
    workspace = session.get(Workspace, workspace_id)
    return workspace.consortium_id if workspace is not None else None


def link_workspace(session: Session, *, workspace_id: str, consortium_id: str, is_enterprise_install: bool = False,
                   name: str | None = None) -> str:
    """Link a workspace (or a Grid org) to a consortium unless it already is: the consortium it belongs to."""
    insert_unless_taken(session, Workspace, id=workspace_id, consortium_id=consortium_id,
                        is_enterprise_install=is_enterprise_install, name=name, created_at=utcnow())
    found = consortium_of_workspace(session, workspace_id=workspace_id)
    assert found is not None
    return found


def workspace(session: Session, *, workspace_id: str) -> Workspace | None:
    """A workspace (or Grid org) row."""
    return session.get(Workspace, workspace_id)


def workspaces_of(session: Session, *, consortium_id: str) -> list[Workspace]:
    """A consortium's workspaces: the one it is named after first, then by when they joined."""
    rows = session.exec(select(Workspace).where(Workspace.consortium_id == consortium_id)
                        .order_by(col(Workspace.created_at), col(Workspace.id)))
    return sorted(rows, key=lambda w: w.id != consortium_id)


def channel_workspace(session: Session, *, channel_id: str) -> str | None:
    """The workspace a channel was first recorded from (None when unknown)."""
    home = session.get(ChannelHome, channel_id)
    return home.team_id if home is not None else None


def channel_consortium(session: Session, *, channel_id: str) -> str | None:
    """The consortium a channel belongs to; None while nothing was recorded in it. A channel's owner
    never changes, so once read it is remembered (:func:`storage.origin.remember_owner`)."""
    owner = remembered_owner(session.get_bind(), channel_id)
    if owner is not None:
        return owner
    home = session.get(ChannelHome, channel_id)
    if home is None:
        return None
    remember_owner(session, channel_id=channel_id, consortium_id=home.consortium_id)
    return home.consortium_id


def consortia_of_member(session: Session, *, user_id: str) -> list[str]:
    """The consortia in whose groups a user is a member."""
    query = select(GroupMembership.consortium_id).where(GroupMembership.user_id == user_id).distinct()
    return sorted(session.exec(query))


def add_invite(session: Session, *, consortium_id: str, code_hash: str, created_by: str, now: datetime,
               expires_at: datetime) -> None:
    """Keep a new invitation code's hash."""
    session.add(ConsortiumInvite(consortium_id=consortium_id, code_hash=code_hash, created_by=created_by,
                                 created_at=now, expires_at=expires_at))
    session.flush()


def find_invite(session: Session, *, code_hash: str) -> ConsortiumInvite | None:
    """The invitation with this code, used or not."""
    return session.exec(select(ConsortiumInvite).where(ConsortiumInvite.code_hash == code_hash)).first()


def use_invite(session: Session, *, invite_id: int, user_id: str, workspace_id: str, now: datetime) -> bool:
    """Mark an invitation used, if it still is unused and valid (one conditional UPDATE: of two racing
    joins, one wins)."""
    result = session.execute(
        update(ConsortiumInvite)
        .where(col(ConsortiumInvite.id) == invite_id, col(ConsortiumInvite.used_at).is_(None),
               col(ConsortiumInvite.expires_at) > now)
        .values(used_at=now, used_by=user_id, used_workspace=workspace_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def has_records(session: Session, *, consortium_id: str) -> bool:
    """Whether a consortium recorded anything: a group, a decision, a commitment, a proposal, a check-in."""
    for model in (StakeholderGroup, Decision, Commitment, Proposal, CheckinRound):
        found = session.exec(select(model.id).where(model.consortium_id == consortium_id).limit(1)).first()
        if found is not None:
            return True
    return False


def move_workspace(session: Session, *, workspace_id: str, consortium_id: str) -> None:
    """Link an existing workspace (or Grid org) to another consortium."""
    session.execute(update(Workspace).where(col(Workspace.id) == workspace_id).values(consortium_id=consortium_id))
