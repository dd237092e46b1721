"""Stakeholder groups: creating them, their members and check-in schedules, and what `/group` shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlmodel import Session

from bot.config import Settings
from bot.services import Invalid, NotFound, organisations
from bot.services.access import require_facilitator
from bot.services.schedule import next_fire_time
from storage import checkins as checkin_store
from storage import groups as store
from storage.models import CheckinRound, StakeholderGroup
from storage.teams import write_audit


@dataclass(frozen=True)
class RoundState:
    """A round that is still open: how many were asked, answered, and not reached."""

    round: CheckinRound
    asked: int
    answered: int
    failed: int


@dataclass(frozen=True)
class GroupInfo:
    """A group as `/group list` and `/group show` present it."""

    group: StakeholderGroup
    member_ids: list[str]
    next_checkin: datetime | None
    open_round: RoundState | None = None
    observer_ids: list[str] = field(default_factory=list)  # also in member_ids: they receive, take no position


def find_group(session: Session, *, consortium_id: str, name: str) -> StakeholderGroup:
    """A group by name (case-insensitive), or NotFound naming the groups that exist."""
    group = store.get_group_by_name(session, consortium_id=consortium_id, name=name)
    if group is not None:
        return group
    known = [g.name for g in store.list_groups(session, consortium_id=consortium_id)]
    hint = f"The groups are: {', '.join(known[:20])}." if known else "There are no groups yet."
    raise NotFound(f"There is no group named “{name}”. {hint} See `/group list`.")


def create_group(
    session: Session, *, settings: Settings, consortium_id: str, actor_id: str, name: str, now: datetime,
    channel_id: str | None = None, timezone: str | None = None, sector: str | None = None,
) -> StakeholderGroup:
    """A facilitator creates a group (zone defaults to the team's)."""
    require_facilitator(session, settings=settings, consortium_id=consortium_id, user_id=actor_id,
                        doing="create groups")
    group = StakeholderGroup(consortium_id=consortium_id, name=name, name_key=store.name_key(name), sector=sector,
                             channel_id=channel_id, timezone=timezone or settings.timezone, created_by=actor_id,
                             created_at=now)
    if not store.insert_group(session, group=group):
        raise Invalid(f"A group named “{name}” already exists. See `/group show {name}`.")
    write_audit(session, consortium_id=consortium_id, actor_id=actor_id, action="group.create", entity="group",
                entity_id=group.id, detail={"name": name, "channel_id": channel_id, "timezone": group.timezone,
                                            "sector": sector})
    return group


def change_members(
    session: Session, *, settings: Settings, consortium_id: str, actor_id: str, name: str, user_ids: Sequence[str],
    add: bool, now: datetime, member_teams: Mapping[str, str] | None = None, observer: bool = False,
) -> tuple[StakeholderGroup, list[str], list[str]]:
    """A facilitator adds or removes members, or observers (who receive the group's messages, digests and
    check-ins but take no position and never count for quorum). Returns (group, changed, unchanged).

    Adding a member who observes makes them a member, and adding a member as an observer makes them one;
    removing observers removes observers only. ``member_teams``: the workspace each added member comes
    from, where Slack said; a member from another workspace than the consortium's gets its organisation
    unless they have one.
    """
    kind = "observers" if observer else "members"
    doing = f"add {kind} to groups" if add else f"remove {kind} from groups"
    require_facilitator(session, settings=settings, consortium_id=consortium_id, user_id=actor_id, doing=doing)
    group = find_group(session, consortium_id=consortium_id, name=name)
    assert group.id is not None
    if add:
        for user_id, team_id in (member_teams or {}).items():
            organisations.apply_workspace_default(session, consortium_id=consortium_id, user_id=user_id,
                                                  team_id=team_id, now=now)
        changed = store.add_memberships(session, consortium_id=consortium_id, group_id=group.id, user_ids=user_ids,
                                        joined_at=now, observer=observer, organisations=organisations.organisations_of(
                                            session, consortium_id=consortium_id, user_ids=user_ids))
    else:
        changed = store.remove_memberships(session, consortium_id=consortium_id, group_id=group.id, user_ids=user_ids,
                                           observer=True if observer else None)
    unchanged = [u for u in dict.fromkeys(user_ids) if u not in changed]
    if changed:
        action = ("group.observer_add" if add else "group.observer_remove") if observer else (
            "group.add" if add else "group.remove")
        write_audit(session, consortium_id=consortium_id, actor_id=actor_id, action=action,
                    entity="group", entity_id=group.id, detail={"user_ids": changed})
    return group, changed, unchanged


def set_schedule(
    session: Session, *, settings: Settings, consortium_id: str, actor_id: str, name: str, now: datetime,
    days: Sequence[str] | None = None, at: time | None = None,
) -> StakeholderGroup:
    """A facilitator sets a group's check-in days and local time, or stops them (no days)."""
    require_facilitator(session, settings=settings, consortium_id=consortium_id, user_id=actor_id,
                        doing="schedule check-ins")
    group = find_group(session, consortium_id=consortium_id, name=name)
    group.checkin_days = ",".join(days) if days and at else None
    group.checkin_time = at.strftime("%H:%M") if days and at else None
    group.schedule_updated_at = now
    session.add(group)
    write_audit(session, consortium_id=consortium_id, actor_id=actor_id, action="group.schedule", entity="group",
                entity_id=group.id, detail={"days": group.checkin_days, "time": group.checkin_time,
                                            "timezone": group.timezone})
    return group


def next_checkin(group: StakeholderGroup, *, after: datetime) -> datetime | None:
    """The group's next scheduled check-in (aware UTC), or None without a schedule."""
    if not group.checkin_days or not group.checkin_time:
        return None
    return next_fire_time(group.checkin_days, group.checkin_time, group.timezone, after=after)


def list_group_infos(session: Session, *, consortium_id: str, now: datetime) -> list[GroupInfo]:
    """Every group of a team with its members and next check-in (two queries)."""
    members = store.members_by_group(session, consortium_id=consortium_id)
    return [GroupInfo(group=g, member_ids=members.get(g.id or 0, []), next_checkin=next_checkin(g, after=now))
            for g in store.list_groups(session, consortium_id=consortium_id)]


def group_info(session: Session, *, consortium_id: str, name: str, now: datetime) -> GroupInfo:
    """One group with members, next check-in and the state of its open round."""
    group = find_group(session, consortium_id=consortium_id, name=name)
    assert group.id is not None
    state = None
    open_round = checkin_store.latest_open_round(session, consortium_id=consortium_id, group_id=group.id)
    if open_round is not None and open_round.id is not None:
        statuses = checkin_store.prompt_statuses(session, consortium_id=consortium_id, round_id=open_round.id)
        answered = {r.user_id for r in checkin_store.list_responses(session, consortium_id=consortium_id,
                                                                    round_ids=[open_round.id])}
        state = RoundState(round=open_round, asked=len(statuses), answered=len(answered),
                           failed=sum(1 for s in statuses.values() if s == "failed"))
    return GroupInfo(group=group, member_ids=store.list_member_ids(session, consortium_id=consortium_id,
                                                                   group_id=group.id),
                     next_checkin=next_checkin(group, after=now), open_round=state,
                     observer_ids=store.observer_ids(session, consortium_id=consortium_id, group_id=group.id))


def list_groups(session: Session, *, consortium_id: str) -> list[StakeholderGroup]:
    """Every group of a team, by name."""
    return store.list_groups(session, consortium_id=consortium_id)


def group_names(session: Session, *, consortium_id: str) -> dict[int, str]:
    """Group id → name for a team."""
    return store.group_names(session, consortium_id=consortium_id)
