"""The work of one inbox row: which row a thread is working, and marking it done with the record.

A listener's work runs with its :class:`Ticket` current (a context variable, set by the thread
that runs it). :meth:`bot.runtime.Runtime.session` marks the row done in the first transaction
of that work that writes anything — the transaction of the record it makes — on the ticket's
lease token; if another worker holds the row by then, that transaction rolls back instead
(:class:`InboxLost`), so a request is recorded once however many workers pick it up.
"""

from __future__ import annotations

import contextvars
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

LEASE = timedelta(seconds=30)
MAX_ATTEMPTS = 5
WROTE = "accord_wrote"


class InboxLost(Exception):
    """Another worker finished (or took over) this row: this worker's transaction is rolled back."""


@dataclass
class Ticket:
    """One inbox row as held by one worker."""

    request_id: int
    token: str
    attempts: int = 1
    finished: bool = field(default=False)


def new_token() -> str:
    """A lease token: who holds a row."""
    return secrets.token_hex(8)


_current: contextvars.ContextVar[Ticket | None] = contextvars.ContextVar("accord_inbox_ticket", default=None)


def current_ticket() -> Ticket | None:
    """The inbox row this thread is working, if any."""
    return _current.get()


@contextmanager
def working(ticket: Ticket | None) -> Iterator[None]:
    """Make ``ticket`` current for the code in the block."""
    reset = _current.set(ticket)
    try:
        yield
    finally:
        _current.reset(reset)


def wrote(session: Session) -> bool:
    """Whether this session has written anything (ORM flush or a Core insert/update/delete)."""
    return bool(session.info.get(WROTE))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True
