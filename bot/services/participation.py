"""Participation: how often each stakeholder group (and organisation) was heard, week by week, and
the balance between groups, for the transparency report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from bot.services.digests import Voice, least_heard
from storage import checkins as checkin_store
from storage.digests import contributions
from storage.groups import members_by_group
from storage.models import CheckinResponse, Commitment
from storage.proposals import PositionRow, positions_since

NO_GROUP = "No group"


def recorded_organisation(record: PositionRow | Commitment | CheckinResponse) -> str | None:
    """The organisation a position, commitment or answer was recorded with (None without one: while no
    organisation is recorded, the report leaves the organisation views out)."""
    return record.organisation or None


@dataclass(frozen=True)
class Participation:
    """Positions and check-in answers per group and week, and the period's balance between groups."""

    weeks: list[date]
    positions: dict[str, list[int]]
    answers: dict[str, list[int]]
    voices: list[Voice]
    least_heard: list[str]
    by_organisation: dict[str, int] = field(default_factory=dict)


def week_of(moment: datetime) -> date:
    """The Monday (UTC) of the week a moment falls in."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def participation(session: Session, *, consortium_id: str, start: datetime, end: datetime,
                  names: dict[int, str]) -> Participation:
    """Positions and check-in answers per group and week since ``start``, and the balance between groups
    in ``(start, end]``."""
    positions: Counter[tuple[str, date]] = Counter()
    answers: Counter[tuple[str, date]] = Counter()
    organisations: Counter[str] = Counter()
    for group_id, organisation, updated_at in positions_since(session, consortium_id=consortium_id, start=start):
        positions[(names.get(group_id or 0, NO_GROUP), week_of(updated_at))] += 1
        if organisation:
            organisations[organisation] += 1
    rounds = {r.id: r.group_id for r in checkin_store.list_rounds(session, consortium_id=consortium_id)}
    for answer in checkin_store.list_responses(session, consortium_id=consortium_id):
        if answer.responded_at >= start:
            answers[(names.get(rounds.get(answer.round_id, 0), NO_GROUP), week_of(answer.responded_at))] += 1
            if org := recorded_organisation(answer):
                organisations[org] += 1
    seen = sorted({w for _, w in positions} | {w for _, w in answers})
    weeks = [seen[0] + timedelta(weeks=i) for i in range((seen[-1] - seen[0]).days // 7 + 1)] if seen else []
    groups = sorted({g for g, _ in positions} | {g for g, _ in answers} | set(names.values()), key=str.casefold)
    members = members_by_group(session, consortium_id=consortium_id)
    by_position, by_answer = contributions(session, consortium_id=consortium_id, start=start, end=end)
    voices = sorted((Voice(group_id=gid, name=name, members=len(members.get(gid, [])),
                           positions=by_position.get(gid, 0), answers=by_answer.get(gid, 0))
                     for gid, name in names.items()), key=lambda v: v.name.casefold())
    return Participation(weeks=weeks, positions={g: [positions[(g, w)] for w in weeks] for g in groups},
                         answers={g: [answers[(g, w)] for w in weeks] for g in groups}, voices=voices,
                         least_heard=[v.name for v in least_heard([v for v in voices if v.members])],
                         by_organisation=dict(sorted(organisations.items())))
