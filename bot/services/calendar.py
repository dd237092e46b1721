"""Calendars: a member's or a group's commitment due dates, proposal closings and check-in rounds as
iCalendar, and each member's private feed token.

Every event has a stable UID (the record it comes from, and the consortium), so a subscribed
calendar updates an event when the record changes instead of adding another. DTSTAMP is when the
record last changed where Accord knows it, so the same records give the same file. Due dates are
all-day events (a date means the same day everywhere); closings and rounds are instants in UTC.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event
from sqlmodel import Session

from bot.services import NotFound
from bot.services.export import plain
from bot.services.groups import find_group
from bot.services.schedule import fire_times_between
from storage import calendar as store
from storage.groups import group_names, list_groups, user_group_ids
from storage.models import Commitment, StakeholderGroup

PRODID = "-//Accord//Consortium calendar//EN"
HORIZON = timedelta(days=56)  # scheduled check-ins shown ahead
PAST = timedelta(days=28)  # rounds held recently, still shown
CLOSING_LENGTH = timedelta(minutes=15)
ROUND_LENGTH = timedelta(minutes=30)
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")


@dataclass(frozen=True)
class CalendarEvent:
    """One event: ``start`` is a date (all day) or an aware UTC time."""

    uid: str
    summary: str
    start: date | datetime
    end: date | datetime
    stamp: datetime
    description: str | None = None
    url: str | None = None


def _short(text: str, limit: int = 120) -> str:
    line = " ".join((plain(text) or "").split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _uid(kind: str, key: object, consortium_id: str) -> str:
    return f"{kind}-{key}@{consortium_id.lower()}.accord"


def member_events(session: Session, *, consortium_id: str, user_ids: Sequence[str], now: datetime) -> list[
        CalendarEvent]:
    """The events of these members: their due dates, and their groups' proposal closings and check-ins."""
    group_ids = sorted({g for u in user_ids for g in user_group_ids(session, consortium_id=consortium_id, user_id=u)})
    commitments = store.dated_commitments(session, consortium_id=consortium_id, owner_ids=list(user_ids))
    return _events(session, consortium_id=consortium_id, commitments=commitments, group_ids=group_ids, now=now)


def group_events(session: Session, *, consortium_id: str, name: str, now: datetime) -> list[CalendarEvent]:
    """The events of a group: its commitments' due dates, the proposals it must answer, its check-ins."""
    group = find_group(session, consortium_id=consortium_id, name=name)
    assert group.id is not None
    commitments = store.dated_commitments(session, consortium_id=consortium_id, group_id=group.id)
    return _events(session, consortium_id=consortium_id, commitments=commitments, group_ids=[group.id], now=now)


def _events(session: Session, *, consortium_id: str, commitments: Sequence[Commitment], group_ids: Sequence[int],
            now: datetime) -> list[CalendarEvent]:
    names = group_names(session, consortium_id=consortium_id)
    events: list[CalendarEvent] = []
    for c in commitments:
        assert c.due_date is not None
        status = "" if c.status == "open" else f" ({c.status})"
        events.append(CalendarEvent(
            uid=_uid("commitment", c.id, consortium_id), summary=f"Due: {_short(c.text)}{status}",
            start=c.due_date, end=c.due_date + timedelta(days=1), stamp=c.updated_at,
            description=f"Commitment #{c.id}, owner {c.owner_id}", url=c.permalink))
    for p in store.open_proposals_requiring(session, consortium_id=consortium_id, group_ids=group_ids):
        events.append(CalendarEvent(
            uid=_uid("proposal-closes", p.id, consortium_id), summary=f"Proposal #{p.id} closes: {_short(p.title)}",
            start=p.closes_at, end=p.closes_at + CLOSING_LENGTH, stamp=p.created_at,
            description="Take your position in Slack before it closes."))
    groups = [g for g in list_groups(session, consortium_id=consortium_id) if g.id in set(group_ids)]
    for group, due in _rounds(session, consortium_id=consortium_id, groups=groups, now=now):
        events.append(CalendarEvent(
            uid=_uid("checkin", f"{group.id}-{due:%Y%m%dT%H%MZ}", consortium_id),
            summary=f"Check-in: {names.get(group.id or 0, 'group')}", start=due, end=due + ROUND_LENGTH,
            stamp=group.schedule_updated_at or group.created_at,
            description="Accord sends each member a direct message to answer."))
    return sorted(events, key=lambda e: (_instant(e.start), e.uid))


def _rounds(session: Session, *, consortium_id: str, groups: Sequence[StakeholderGroup],
            now: datetime) -> list[tuple[StakeholderGroup, datetime]]:
    """(group, due time) of the groups' recent rounds and their scheduled rounds ahead, once each."""
    by_id = {g.id: g for g in groups if g.id is not None}
    seen: dict[tuple[int, datetime], StakeholderGroup] = {}
    for r in store.rounds_since(session, consortium_id=consortium_id, group_ids=list(by_id), since=now - PAST):
        seen[(r.group_id, r.due_at)] = by_id[r.group_id]
    for g in groups:
        if g.id is not None and g.checkin_days and g.checkin_time:
            for due in fire_times_between(g.checkin_days, g.checkin_time, g.timezone, start=now, end=now + HORIZON):
                seen.setdefault((g.id, due), g)
    return [(g, due) for (_gid, due), g in sorted(seen.items(), key=lambda kv: (kv[0][1], kv[0][0]))]


def _instant(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day, tzinfo=UTC)


def render_ics(events: Sequence[CalendarEvent], *, name: str) -> bytes:
    """An iCalendar file (RFC 5545) of these events."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for e in events:
        event = Event()
        event.add("uid", e.uid)
        event.add("dtstamp", e.stamp)
        event.add("summary", e.summary)
        event.add("dtstart", e.start)
        event.add("dtend", e.end)
        if e.description:
            event.add("description", e.description)
        if e.url:
            event.add("url", e.url)
        cal.add_component(event)
    return cal.to_ical()


def member_calendar(session: Session, *, consortium_id: str, user_ids: Sequence[str], now: datetime) -> bytes:
    """The iCalendar file of these members."""
    who = ", ".join(user_ids)
    return render_ics(member_events(session, consortium_id=consortium_id, user_ids=user_ids, now=now),
                      name=f"Accord: {who}")


def group_calendar(session: Session, *, consortium_id: str, name: str, now: datetime) -> bytes:
    """The iCalendar file of a group (NotFound for an unknown group)."""
    events = group_events(session, consortium_id=consortium_id, name=name, now=now)
    return render_ics(events, name=f"Accord: {find_group(session, consortium_id=consortium_id, name=name).name}")


# --- feeds ------------------------------------------------------------------------------------

def new_token() -> str:
    """A feed token: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def feed_token(session: Session, *, consortium_id: str, user_id: str, now: datetime) -> str:
    """The member's feed token in this consortium, made on first use."""
    token = store.feed_token(session, consortium_id=consortium_id, user_id=user_id)
    if token is None:
        store.add_feed(session, consortium_id=consortium_id, user_id=user_id, token=new_token(), now=now)
        token = store.feed_token(session, consortium_id=consortium_id, user_id=user_id)
    assert token is not None
    return token


def rotate_feed_token(session: Session, *, consortium_id: str, user_id: str, now: datetime) -> str:
    """Give the member a new feed token; the old one stops working at once."""
    if not store.replace_feed_token(session, consortium_id=consortium_id, user_id=user_id, token=new_token(),
                                    now=now):
        return feed_token(session, consortium_id=consortium_id, user_id=user_id, now=now)
    token = store.feed_token(session, consortium_id=consortium_id, user_id=user_id)
    assert token is not None
    return token


def feed_calendar(session: Session, *, token: str, now: datetime) -> bytes:
    """The calendar of the member whose feed this token opens (NotFound for any other token)."""
    found = store.feed_by_token(session, token=token) if TOKEN_SHAPE.fullmatch(token) else None
    if found is None:
        raise NotFound("There is no calendar at this address.")
    consortium_id, user_id = found
    return render_ics(member_events(session, consortium_id=consortium_id, user_ids=[user_id], now=now),
                      name="Accord")

