"""What a user's App Home shows: their open commitments, the proposals awaiting their position,
their groups and each group's next check-in (and those they only observe), their organisation, the
proxy they gave and the members they stand in for, the proposals on which they declared a conflict,
and the decisions they recorded that are due for review."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from bot.services.organisations import organisation_of
from bot.services.schedule import next_fire_time
from storage import home as store
from storage.groups import list_groups, observer_only_ids, user_group_ids
from storage.models import Commitment, Decision, Proposal, ProposalConflict, Proxy, StakeholderGroup

COMMITMENTS_SHOWN = 25
PROPOSALS_SHOWN = 15
GOVERNANCE_SHOWN = 10  # proxies held, conflicts and decisions due for review shown, each


@dataclass(frozen=True)
class GroupCheckin:
    """One of the user's groups and when its next check-in opens (None: no schedule)."""

    group: StakeholderGroup
    next_checkin: datetime | None


@dataclass(frozen=True)
class HomeOverview:
    """Everything the App Home tab shows one user."""

    user_id: str
    today: date
    commitments: list[Commitment]
    commitments_total: int
    awaiting: list[Proposal]
    awaiting_total: int
    groups: list[GroupCheckin]
    organisation: str | None = None
    observing: list[StakeholderGroup] = field(default_factory=list)  # groups the user only observes
    proxy: Proxy | None = None  # the proxy the user gave, in force today
    standing_in_for: list[Proxy] = field(default_factory=list)  # proxies the user holds for others
    conflicts: list[tuple[ProposalConflict, Proposal]] = field(default_factory=list)  # on open proposals
    due_for_review: list[Decision] = field(default_factory=list)  # decisions the user recorded
    due_for_review_total: int = 0


def next_checkin(group: StakeholderGroup, *, after: datetime) -> datetime | None:
    """When the group's next scheduled check-in opens, or None without a schedule."""
    if not group.checkin_days or not group.checkin_time:
        return None
    return next_fire_time(group.checkin_days, group.checkin_time, group.timezone, after=after)


def home_overview(session: Session, *, consortium_id: str, user_id: str, now: datetime,
                  today: date) -> HomeOverview:
    """The user's App Home content (a fixed number of queries)."""
    mine = user_group_ids(session, consortium_id=consortium_id, user_id=user_id)
    by_id = {g.id: g for g in list_groups(session, consortium_id=consortium_id)}
    commitments, total = store.list_user_commitments(session, consortium_id=consortium_id, user_id=user_id,
                                                     limit=COMMITMENTS_SHOWN)
    awaiting, awaiting_total = store.list_awaiting_position(session, consortium_id=consortium_id, user_id=user_id,
                                                            group_ids=mine or None, limit=PROPOSALS_SHOWN)
    if observer_only_ids(session, consortium_id=consortium_id, user_ids=[user_id]):
        awaiting, awaiting_total = [], 0  # observers take no position: nothing awaits theirs
    groups = [GroupCheckin(group=by_id[gid], next_checkin=next_checkin(by_id[gid], after=now))
              for gid in mine if gid in by_id]
    observed = store.observed_group_ids(session, consortium_id=consortium_id, user_id=user_id)
    proxy, held = store.proxies_in_force(session, consortium_id=consortium_id, user_id=user_id, today=today,
                                         limit=GOVERNANCE_SHOWN)
    due, due_total = store.list_recorded_due_for_review(session, consortium_id=consortium_id, user_id=user_id,
                                                        today=today, limit=GOVERNANCE_SHOWN)
    return HomeOverview(user_id=user_id, today=today, commitments=commitments, commitments_total=total,
                        awaiting=awaiting, awaiting_total=awaiting_total, groups=groups,
                        organisation=organisation_of(session, consortium_id=consortium_id, user_id=user_id),
                        observing=[by_id[gid] for gid in observed if gid in by_id], proxy=proxy,
                        standing_in_for=held,
                        conflicts=store.list_declared_conflicts(session, consortium_id=consortium_id,
                                                                user_id=user_id, limit=GOVERNANCE_SHOWN),
                        due_for_review=due, due_for_review_total=due_total)
