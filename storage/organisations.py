"""Queries and writes for organisations, members' organisations and workspaces' names.

A member has at most one organisation per consortium (a unique key on consortium and user):
set by a facilitator (``set_by``), or their workspace's default (``set_by`` NULL), which never
replaces one already there.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from storage.db import dialect_insert, insert_unless_taken, run_built
from storage.models import MemberOrganisation, Organisation, WorkspaceName

ROLES = ("representative_user_id", "focal_user_id")


def name_key(name: str) -> str:
    """Organisation names match case-insensitively and ignore repeated spaces."""
    return " ".join(name.split()).casefold()


def get_organisation(session: Session, *, consortium_id: str, organisation_id: int) -> Organisation | None:
    """One organisation of this consortium, or None."""
    row = session.get(Organisation, organisation_id, populate_existing=True)
    return row if row is not None and row.consortium_id == consortium_id else None


def get_organisation_by_name(session: Session, *, consortium_id: str, name: str) -> Organisation | None:
    """An organisation by its name, case-insensitively."""
    return session.exec(select(Organisation).where(Organisation.consortium_id == consortium_id,
                                                   Organisation.name_key == name_key(name))).first()


def get_organisation_by_team(session: Session, *, consortium_id: str, team_id: str) -> Organisation | None:
    """The organisation that stands for a Slack workspace, if any."""
    return session.exec(select(Organisation).where(Organisation.consortium_id == consortium_id,
                                                   Organisation.team_id == team_id)).first()


def list_organisations(session: Session, *, consortium_id: str) -> list[Organisation]:
    """Every organisation of a consortium, by name."""
    query = select(Organisation).where(Organisation.consortium_id == consortium_id)
    return list(session.exec(query.order_by(col(Organisation.name_key))))


def add_organisation(session: Session, *, consortium_id: str, name: str, now: datetime,
                     created_by: str | None = None, team_id: str | None = None) -> Organisation | None:
    """Insert an organisation unless its name (or its workspace) is taken; the new row, else None."""
    new_id = insert_unless_taken(session, Organisation, consortium_id=consortium_id, name=name,
                                 name_key=name_key(name), team_id=team_id, created_by=created_by, created_at=now)
    if new_id is None:
        return None
    return get_organisation(session, consortium_id=consortium_id, organisation_id=new_id)


def link_team(session: Session, *, consortium_id: str, organisation_id: int, team_id: str) -> None:
    """Let an organisation without a workspace stand for ``team_id`` (when no other does)."""
    if get_organisation_by_team(session, consortium_id=consortium_id, team_id=team_id) is not None:
        return
    session.execute(update(Organisation).where(
        col(Organisation.id) == organisation_id, col(Organisation.consortium_id) == consortium_id,
        col(Organisation.team_id).is_(None)).values(team_id=team_id).execution_options(synchronize_session=False))


def set_role(session: Session, *, consortium_id: str, organisation_id: int, role: str, user_id: str | None) -> None:
    """Set (or clear, with None) an organisation's representative or focal point."""
    assert role in ROLES
    session.execute(update(Organisation).where(
        col(Organisation.id) == organisation_id, col(Organisation.consortium_id) == consortium_id,
    ).values({role: user_id}).execution_options(synchronize_session=False))


def clear_roles_of(session: Session, *, consortium_id: str, user_ids: Iterable[str],
                   keep_organisation_id: int) -> None:
    """Members who moved to another organisation no longer represent, or are the focal point of, the old one."""
    wanted = list(user_ids)
    for role in ROLES:
        column = getattr(Organisation, role)
        session.execute(update(Organisation).where(
            col(Organisation.consortium_id) == consortium_id, col(Organisation.id) != keep_organisation_id,
            col(column).in_(wanted)).values({role: None}).execution_options(synchronize_session=False))


# --- members' organisations ------------------------------------------------------------------


def organisation_ids(session: Session, *, consortium_id: str,
                     user_ids: Iterable[str] | None = None) -> dict[str, tuple[int, str | None]]:
    """User id → (organisation id, who set it; None for a workspace's default), in one query."""
    query = select(MemberOrganisation.user_id, MemberOrganisation.organisation_id, MemberOrganisation.set_by).where(
        MemberOrganisation.consortium_id == consortium_id)
    if user_ids is not None:
        query = query.where(col(MemberOrganisation.user_id).in_(list(user_ids)))
    return {user_id: (org_id, set_by) for user_id, org_id, set_by in session.exec(query)}


def organisation_names(session: Session, *, consortium_id: str,
                       user_ids: Iterable[str] | None = None) -> dict[str, str]:
    """User id → the name of their organisation, for members who have one (one query)."""
    def build() -> Any:
        query = (select(MemberOrganisation.user_id, Organisation.name)
                 .join(Organisation, col(Organisation.id) == col(MemberOrganisation.organisation_id))
                 .where(MemberOrganisation.consortium_id == bindparam("cid")))
        if user_ids is not None:
            query = query.where(col(MemberOrganisation.user_id).in_(bindparam("users", expanding=True)))
        return query
    params: dict[str, Any] = {"cid": consortium_id}
    if user_ids is not None:
        params["users"] = list(user_ids)
    return {user_id: name for user_id, name in
            run_built(session, ("organisations.names", user_ids is not None), build, params)}


def members_by_organisation(session: Session, *, consortium_id: str) -> dict[int, list[str]]:
    """Organisation id → its members, in the order they were set (one query)."""
    query = (select(MemberOrganisation.organisation_id, MemberOrganisation.user_id)
             .where(MemberOrganisation.consortium_id == consortium_id)
             .order_by(col(MemberOrganisation.set_at), col(MemberOrganisation.id)))
    result: dict[int, list[str]] = {}
    for org_id, user_id in session.exec(query):
        result.setdefault(org_id, []).append(user_id)
    return result


def set_member_organisation(session: Session, *, consortium_id: str, user_id: str, organisation_id: int,
                            set_by: str, now: datetime) -> None:
    """Set a member's organisation, replacing the one they had (one statement)."""
    statement = dialect_insert(session)(MemberOrganisation).values(
        consortium_id=consortium_id, user_id=user_id, organisation_id=organisation_id, set_by=set_by, set_at=now)
    session.execute(statement.on_conflict_do_update(
        index_elements=["consortium_id", "user_id"],
        set_={"organisation_id": organisation_id, "set_by": set_by, "set_at": now}))


def set_default_organisation(session: Session, *, consortium_id: str, user_id: str, organisation_id: int,
                             now: datetime) -> bool:
    """Give a member their workspace's organisation unless they have one; whether it was given."""
    return insert_unless_taken(session, MemberOrganisation, consortium_id=consortium_id, user_id=user_id,
                               organisation_id=organisation_id, set_by=None, set_at=now) is not None


# --- workspaces' names -----------------------------------------------------------------------


def get_workspace_name(session: Session, *, team_id: str) -> WorkspaceName | None:
    """A workspace's name as last fetched, with when."""
    return session.get(WorkspaceName, team_id, populate_existing=True)


def save_workspace_name(session: Session, *, team_id: str, name: str, now: datetime) -> None:
    """Insert or refresh a workspace's name (one statement)."""
    statement = dialect_insert(session)(WorkspaceName).values(team_id=team_id, name=name[:200], updated_at=now)
    session.execute(statement.on_conflict_do_update(index_elements=["team_id"],
                                                    set_={"name": name[:200], "updated_at": now}))
