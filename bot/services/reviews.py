"""Decisions due for review: the day's reminder, claimed once per decision and review day.

A decision's review reminder is due at 09:00 of its review day in its consortium's zone (at once
when that moment has passed, e.g. after Accord was down). The claim is a conditional update of
``review_reminded_on`` made in the transaction that enqueues the reminder, so several processes
and restarts remind once; a review day set again later gets its own reminder.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from storage import decisions as store
from storage import sweeps
from storage.models import Decision

REVIEW_TIME = time(9, 0)


def review_moment(review_on: date, timezone: str) -> datetime:
    """When the reminder of a review day is due: 09:00 that day in ``timezone``."""
    return datetime.combine(review_on, REVIEW_TIME, tzinfo=ZoneInfo(timezone))


def claim_due_reviews(session: Session, *, now: datetime, timezone_of: Callable[[str], str],
                      limit: int = 100) -> list[Decision]:
    """Claim the review reminders now due in every consortium (``timezone_of`` gives each one's zone);
    the decisions this caller won, to remind of in the same transaction."""
    until = now.date() + timedelta(days=1)  # the latest "today" of any zone
    won: list[Decision] = []
    for decision in sweeps.list_review_candidates(session, until=until, limit=limit):
        if decision.review_on is None or decision.id is None:
            continue
        if review_moment(decision.review_on, timezone_of(decision.consortium_id)) > now:
            continue
        if store.claim_review_reminder(session, consortium_id=decision.consortium_id, decision_id=decision.id,
                                       review_on=decision.review_on):
            won.append(decision)
    return won
