"""Outbox rows by key, for listeners that pace or chain their own posts (a proposal's live message).

:mod:`bot.outbox` sends rows and re-arms them through its kinds; this module is what a listener
reads and writes of one row in its own transaction: where the row stands, making it due again,
and enqueuing a row when no clock is at hand (``on_failed``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage import outbox as store


def state_by_key(session: Session, *, key: str) -> Any:
    """Where the row enqueued under ``key`` stands: (id, state, sent_at, next_attempt_at), or None."""
    return store.state_by_key(session, key=key)


def rearm_at(session: Session, *, team_id: str, kind: str, key: str, ref: dict[str, Any], now: datetime,
             due: datetime) -> int:
    """Enqueue a live message due at ``due``, or make the row under ``key`` due again; its id."""
    return store.rearm_at(session, team_id=team_id, kind=kind, key=key, ref=ref, now=now, due=due)


def enqueue_at(session: Session, *, team_id: str, kind: str, key: str, ref: dict[str, Any],
               now: datetime) -> int | None:
    """Add a message to send, due at ``now``; its id, or None when ``key`` was enqueued already."""
    return store.enqueue(session, team_id=team_id, kind=kind, key=key, ref=ref, now=now)
