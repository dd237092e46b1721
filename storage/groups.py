"""Queries and writes for stakeholder groups and memberships."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from storage.db import claim, dialect_insert, run_built
from storage.models import GroupMembership, StakeholderGroup
from storage.origin import origin_workspace


def name_key(name: str) -> str:
    """Group names match case-insensitively and ignore repeated spaces."""
    return " ".join(name.split()).casefold()


def get_group(session: Session, *, consortium_id: str, group_id: int) -> StakeholderGroup | None:
    """One group of this team, or None."""
    row = session.get(StakeholderGroup, group_id)
    return row if row is not None and row.consortium_id == consortium_id else None


def get_group_by_name(session: Session, *, consortium_id: str, name: str) -> StakeholderGroup | None:
    """A group by its name, case-insensitively."""
    query = select(StakeholderGroup).where(
        StakeholderGroup.consortium_id == consortium_id, StakeholderGroup.name_key == name_key(name)
    )
    return session.exec(query).first()


def list_groups(session: Session, *, consortium_id: str) -> list[StakeholderGroup]:
    """Every group of a team, by name."""
    query = select(StakeholderGroup).where(StakeholderGroup.consortium_id == consortium_id)
    return list(session.exec(query.order_by(col(StakeholderGroup.name_key))))


def group_names(session: Session, *, consortium_id: str) -> dict[int, str]:
    """Group id → name for a team."""
    query = select(StakeholderGroup.id, StakeholderGroup.name).where(StakeholderGroup.consortium_id == consortium_id)
    return {gid: name for gid, name in session.exec(query) if gid is not None}


def list_member_ids(session: Session, *, consortium_id: str, group_id: int) -> list[str]:
    """Members of one group, in the order they joined."""
    query = (
        select(GroupMembership.user_id)
        .where(GroupMembership.consortium_id == consortium_id, GroupMembership.group_id == group_id)
        .order_by(col(GroupMembership.joined_at), col(GroupMembership.id))
    )
    return list(session.exec(query))


def members_by_group(session: Session, *, consortium_id: str, observers: bool = True) -> dict[int, list[str]]:
    """Group id → member ids, for every group of a team (one query); ``observers=False``: those who take
    positions only (observers never count for quorum)."""
    query = (
        select(GroupMembership.group_id, GroupMembership.user_id)
        .where(GroupMembership.consortium_id == consortium_id)
        .order_by(col(GroupMembership.joined_at), col(GroupMembership.id))
    )
    if not observers:
        query = query.where(col(GroupMembership.observer).is_(False))
    result: dict[int, list[str]] = {}
    for group_id, user_id in session.exec(query):
        result.setdefault(group_id, []).append(user_id)
    return result


def list_memberships(session: Session, *, consortium_id: str) -> list[GroupMembership]:
    """Every membership of a consortium, oldest first (the order that makes a user's first group primary)."""
    query = (select(GroupMembership).where(GroupMembership.consortium_id == consortium_id)
             .order_by(col(GroupMembership.joined_at), col(GroupMembership.id)))
    return list(session.exec(query))


def primary_groups(session: Session, *, consortium_id: str, user_ids: Iterable[str] | None = None,
                   observers: bool = True) -> dict[str, int]:
    """User id → primary group id (the first group they joined), in one query; ``observers=False``: the first
    group they joined as a member who takes positions."""
    def build() -> Any:
        query = select(GroupMembership.user_id,
                       GroupMembership.group_id).where(GroupMembership.consortium_id == bindparam("cid"))
        if not observers:
            query = query.where(col(GroupMembership.observer).is_(False))
        if user_ids is not None:
            query = query.where(col(GroupMembership.user_id).in_(bindparam("users", expanding=True)))
        return query.order_by(col(GroupMembership.joined_at), col(GroupMembership.id))
    params: dict[str, Any] = {"cid": consortium_id}
    if user_ids is not None:
        params["users"] = list(user_ids)
    result: dict[str, int] = {}
    for user_id, group_id in run_built(session, ("groups.primary", observers, user_ids is not None), build, params):
        result.setdefault(user_id, group_id)
    return result


def primary_group_id(session: Session, *, consortium_id: str, user_id: str, observers: bool = True) -> int | None:
    """The user's primary group, or None if they belong to none."""
    return primary_groups(session, consortium_id=consortium_id, user_ids=[user_id], observers=observers).get(user_id)


def observer_only_ids(session: Session, *, consortium_id: str, user_ids: Iterable[str] | None = None) -> set[str]:
    """Users who observe some group and take positions in none (one query)."""
    def build() -> Any:
        query = select(GroupMembership.user_id, GroupMembership.observer).where(
            GroupMembership.consortium_id == bindparam("cid"))
        if user_ids is not None:
            query = query.where(col(GroupMembership.user_id).in_(bindparam("users", expanding=True)))
        return query
    params: dict[str, Any] = {"cid": consortium_id}
    if user_ids is not None:
        params["users"] = list(user_ids)
    observing: set[str] = set()
    member: set[str] = set()
    for user_id, observer in run_built(session, ("groups.observer_only", user_ids is not None), build, params):
        (observing if observer else member).add(user_id)
    return observing - member


class MembershipRow(NamedTuple):
    """A membership as counting reads it: the group, the member, and whether they only observe."""

    group_id: int
    user_id: str
    observer: bool


def _memberships() -> Any:
    return (select(GroupMembership.group_id, GroupMembership.user_id, GroupMembership.observer)
            .where(GroupMembership.consortium_id == bindparam("cid"))
            .order_by(col(GroupMembership.joined_at), col(GroupMembership.id)))


def memberships(session: Session, *, consortium_id: str) -> list[MembershipRow]:
    """Every membership of a consortium, in the order members joined (one statement, built once)."""
    return list(map(MembershipRow._make, run_built(session, ("groups.memberships",), _memberships,
                                                   {"cid": consortium_id})))


def _group_channels() -> Any:
    return (select(StakeholderGroup.id, StakeholderGroup.name, StakeholderGroup.channel_id)
            .where(StakeholderGroup.consortium_id == bindparam("cid")).order_by(col(StakeholderGroup.name_key)))


def group_channels(session: Session, *, consortium_id: str) -> list[tuple[int, str, str | None]]:
    """(id, name, home channel) of every group of a consortium, by name (one statement, built once)."""
    return [(gid, name, channel) for gid, name, channel in
            run_built(session, ("groups.channels",), _group_channels, {"cid": consortium_id})]


def observer_ids(session: Session, *, consortium_id: str, group_id: int) -> list[str]:
    """Observers of one group, in the order they joined."""
    query = (
        select(GroupMembership.user_id)
        .where(GroupMembership.consortium_id == consortium_id, GroupMembership.group_id == group_id,
               col(GroupMembership.observer).is_(True))
        .order_by(col(GroupMembership.joined_at), col(GroupMembership.id))
    )
    return list(session.exec(query))


def user_group_ids(session: Session, *, consortium_id: str, user_id: str) -> list[int]:
    """Every group a user belongs to, primary first."""
    query = (
        select(GroupMembership.group_id)
        .where(GroupMembership.consortium_id == consortium_id, GroupMembership.user_id == user_id)
        .order_by(col(GroupMembership.joined_at), col(GroupMembership.id))
    )
    return list(session.exec(query))


# --- writes (group administration) ---------------------------------------------------------


def insert_group(session: Session, *, group: StakeholderGroup) -> bool:
    """Insert a new group; False if the consortium already has a group of that name."""
    group.team_id = group.team_id or origin_workspace()
    return claim(session, group)


def add_memberships(
    session: Session, *, consortium_id: str, group_id: int, user_ids: Iterable[str], joined_at: datetime,
    organisations: Mapping[str, str] | None = None, observer: bool = False,
) -> list[str]:
    """Add members, or observers (their order is kept by id), each with their organisation's name as it is
    now; returns those who were not that yet.

    Each membership is a unique insert on (group, user) that does nothing when it exists, so two
    simultaneous adds of one member add it once and neither fails; an existing membership of the
    other kind is then switched by a conditional update (an observer added as a member takes
    positions from then on, and the other way round).
    """
    insert = dialect_insert(session)
    added = []
    for user_id in dict.fromkeys(user_ids):
        statement = insert(GroupMembership).values(
            consortium_id=consortium_id, group_id=group_id, user_id=user_id, joined_at=joined_at, observer=observer,
            team_id=origin_workspace(), organisation=(organisations or {}).get(user_id),
        ).on_conflict_do_nothing(index_elements=["group_id", "user_id"]).returning(col(GroupMembership.id))
        if session.execute(statement).first() is not None:  # no row back: it was there already
            added.append(user_id)
            continue
        switched = session.execute(update(GroupMembership).where(
            col(GroupMembership.consortium_id) == consortium_id, col(GroupMembership.group_id) == group_id,
            col(GroupMembership.user_id) == user_id, col(GroupMembership.observer).is_not(observer),
        ).values(observer=observer).execution_options(synchronize_session=False))
        if switched.rowcount:  # type: ignore[attr-defined]
            added.append(user_id)
    return added


def remove_memberships(session: Session, *, consortium_id: str, group_id: int, user_ids: Iterable[str],
                       observer: bool | None = None) -> list[str]:
    """Remove members (``observer``: only observers, or only members); returns those who were removed."""
    wanted = list(dict.fromkeys(user_ids))
    query = select(GroupMembership).where(
        GroupMembership.consortium_id == consortium_id, GroupMembership.group_id == group_id,
        col(GroupMembership.user_id).in_(wanted),
    )
    if observer is not None:
        query = query.where(col(GroupMembership.observer).is_(observer))
    rows = list(session.exec(query))
    for row in rows:
        session.delete(row)
    session.flush()
    removed = {row.user_id for row in rows}
    return [u for u in wanted if u in removed]
