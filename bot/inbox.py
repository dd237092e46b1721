"""The work of one inbox row: which row a thread is working, and marking it done with the record.

A listener's work runs with its :class:`Ticket` current (a context variable, set by the thread
that runs it). :meth:`bot.runtime.Runtime.session` marks the row done in the first transaction
of that work that writes anything — the transaction of the record it makes — on the ticket's
lease token; if another worker holds the row by then, that transaction rolls back instead
(:class:`InboxLost`), so a request is recorded once however many workers pick it up.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlmodel import Session as RecordSession

from storage import inbox as store

logger = logging.getLogger("accord.inbox")

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
    leased_until: datetime | None = None  # the lease this worker set when it stored or claimed the row

    def held(self, now: datetime, lease: timedelta) -> bool:
        """Whether the lease this worker set is certain to last at least half a lease more.

        No other worker can take a row before its lease expires, so a row stored or claimed a
        moment ago is worked at once, without renewing its lease first (one transaction less).
        """
        return self.leased_until is not None and self.leased_until - now >= lease / 2


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


class InboxWriter:
    """Stores requests arriving together in one transaction: one commit for a burst, not one each.

    :meth:`add` hands a request to the writer's thread and waits until the transaction holding it
    has committed (or failed); the thread takes every request waiting at that moment, up to
    ``max_batch``, inserts them in one statement and commits once. A lone request waits for one
    insert and commit, as it would on its own; under load, acks share commits instead of queueing
    for connections and WAL flushes one by one.
    """

    def __init__(self, engine: Callable[[], Engine], *, max_batch: int = 64, timeout: float = 10.0,
                 after_commit: Callable[[], None] | None = None) -> None:
        self.engine = engine  # the engine to write with, asked for each transaction
        self.max_batch = max_batch
        self.timeout = timeout
        self.after_commit = after_commit  # told after each commit that stored something (wakes a worker)
        self._queue: queue.SimpleQueue[tuple[dict[str, Any], Future[int | None]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def add(self, request: dict[str, Any]) -> int | None:
        """Store a request (the arguments of :func:`storage.inbox.add_request`); its id, None if a duplicate.

        Raises what the database raised when the transaction failed.
        """
        done: Future[int | None] = Future()
        self._ensure_started()
        self._queue.put((request, done))
        return done.result(timeout=self.timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Let the requests handed over so far commit, then end the writer's thread."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout)

    def _ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="accord-inbox-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            waiting = [(r, f) for r, f in batch if f.set_running_or_notify_cancel()]
            if not waiting:
                continue
            try:
                with self.engine().begin() as conn:
                    ids = store.add_requests(conn, [r for r, _ in waiting])
            except BaseException as err:  # noqa: BLE001 - every waiter hears of the failure
                for _, done in waiting:
                    done.set_exception(err)
                continue
            for (_, done), request_id in zip(waiting, ids, strict=True):
                done.set_result(request_id)
            if self.after_commit is not None and any(i is not None for i in ids):
                self.after_commit()


class AckYield:
    """When a worker that hears every acknowledgement should hold back new work, so acks come first.

    `accord serve`'s child worker is told of each inbox commit. While they keep coming (less than
    ``quiet`` seconds apart) a burst of requests is being acknowledged, and work started now would
    take the interpreter, the cores and, on SQLite, the write lock from the acknowledgements still
    to come. The work is waiting in the inbox anyway: it is claimed once the burst pauses, or once
    the worker has held back for ``longest`` seconds since its backlog was last empty, whichever
    comes first. Under traffic that never pauses the worker therefore works as it would without
    holding back, after at most ``longest`` seconds; a lone request waits ``quiet`` seconds at most.
    """

    def __init__(self, *, quiet: float = 0.1, longest: float = 3.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.quiet, self.longest, self.clock = quiet, longest, clock
        self._heard: float | None = None  # when the last acknowledgement was heard of
        self._since: float | None = None  # when this busy spell began holding back
        self._lock = threading.Lock()

    def heard(self) -> None:
        """An acknowledged request was stored just now."""
        with self._lock:
            self._heard = self.clock()

    def idle(self) -> None:
        """The worker found nothing left to claim: the next burst may be held back again."""
        with self._lock:
            self._since = None

    def wait(self) -> float:
        """Seconds to hold back before claiming more work now (0: claim)."""
        with self._lock:
            now = self.clock()
            if self._heard is None or now - self._heard >= self.quiet:
                return 0.0
            if self._since is None:
                self._since = now
            left = self._since + self.longest - now
            if left <= 0:
                return 0.0
            return min(self._heard + self.quiet - now, left)


class RecordFirst:
    """While a worker has more stored requests than its pool takes, announcing waits for recording.

    Every announcement costs a worker more than the record it announces (rendering it, two Web
    API calls, marking the outbox row sent: on SQLite one more turn at the write lock), and Slack
    paces posts anyway. So while the inbox poller keeps finding a full batch of requests (or its
    pool is full), new records' announcements are kept back (:meth:`defer`) and the outbox loop
    sends nothing (:meth:`holding`): the burst is recorded, durably, at the database's pace first.
    The announcements are sent as soon as the poller finds nothing left to claim
    (:meth:`drained`), or once it has kept them back for ``longest`` seconds in one busy spell,
    after which it keeps back nothing until the backlog has drained. Their outbox rows are
    committed with the records: if the process dies first, the next outbox loop sends them.
    """

    def __init__(self, *, longest: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.longest, self.clock = longest, clock
        self._since: float | None = None  # when this busy spell began keeping announcements back
        self._spent = False  # this busy spell kept them back ``longest`` seconds already
        self._kept: list[Callable[[], object]] = []
        self._lock = threading.Lock()

    def busy(self) -> None:
        """More requests wait than the worker's pool takes now."""
        with self._lock:
            if self._since is None and not self._spent:
                self._since = self.clock()

    def drained(self) -> None:
        """The poller claimed every request there was (or the worker stops): announce what was kept back."""
        with self._lock:
            since = self._since
            self._since, self._spent = None, False
            kept, self._kept = self._kept, []
        self._release(kept, since, why="recorded")

    def holding(self) -> float:
        """Seconds announcing may still wait for recording (0: announce now)."""
        kept: list[Callable[[], object]] = []
        with self._lock:
            since = self._since
            if since is None:
                return 0.0
            left = since + self.longest - self.clock()
            if left <= 0:
                self._since, self._spent = None, True
                kept, self._kept = self._kept, []
        if left <= 0:
            self._release(kept, since, why="longest_hold")
        return max(left, 0.0)

    def _release(self, kept: list[Callable[[], object]], since: float | None, *, why: str) -> None:
        if kept:
            held = self.clock() - since if since is not None else 0.0
            logger.info("announcements_released count=%s held_s=%.1f reason=%s", len(kept), held, why)
        for send in kept:
            try:
                send()
            except Exception:  # noqa: BLE001 - its outbox row stays due: the outbox loop sends it
                logger.exception("announcement_release_failed")

    def defer(self, send: Callable[[], object]) -> bool:
        """Keep ``send`` until recording is done, if it is not; whether it was kept (else: send it now)."""
        if not self.holding():
            return False
        with self._lock:
            if self._since is None:  # released in the meantime
                return False
            self._kept.append(send)
            return True


# --- the rows, for the listeners' side (handlers.shared.inbox) --------------------------------------

def start(session: RecordSession, *, ticket: Ticket, lease_until: datetime) -> bool:
    """Begin working a row on its ticket's lease; False when another worker holds it now."""
    return store.start(session, request_id=ticket.request_id, token=ticket.token, lease_until=lease_until)


def finish(session: RecordSession, *, ticket: Ticket, now: datetime) -> bool:
    """Mark a row done (its work wrote nothing, or is over)."""
    return store.finish(session, request_id=ticket.request_id, token=ticket.token, now=now)


def release(session: RecordSession, *, ticket: Ticket, error: str, retry_at: datetime | None) -> bool:
    """Give a failed row back: tried again from ``retry_at``, or marked failed when that is None."""
    return store.release(session, request_id=ticket.request_id, token=ticket.token, error=error, retry_at=retry_at)


def claim_stale(session: RecordSession, *, now: datetime, token: str, lease_until: datetime, limit: int,
                kinds: Sequence[str] | None = None) -> list[Any]:
    """Take over up to ``limit`` rows whose lease expired (or that are free for any worker), only of
    ``kinds`` when given."""
    return list(store.claim_stale(session, now=now, token=token, lease_until=lease_until, limit=limit, kinds=kinds))


def backlog(session: RecordSession) -> tuple[int, datetime | None]:
    """How many stored requests wait to be worked, and when the oldest arrived."""
    return store.backlog(session)


def prune(engine: Engine, *, before: datetime) -> int:
    """Delete the rows finished before ``before``; how many."""
    return store.prune(engine, before=before)
