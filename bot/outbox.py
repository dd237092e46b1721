"""The one delivery mechanism: every message Accord must post goes out through the outbox.

A feature enqueues a row (``storage.outbox.enqueue``) in the transaction of the record it
announces, naming a *kind*. Each kind registers here how to build its Web API call at send time
(``render``) and what to record once Slack has taken it (``on_sent``) or refused it for good
(``on_failed``). :class:`Outbox` claims due rows by lease, calls Slack with no transaction open,
then marks each row sent on its lease token, in the same transaction as ``on_sent``.

Refused and failed sends are retried with one backoff policy (:func:`backoff`) up to
``MAX_ATTEMPTS``; errors retrying cannot cure fail at once. A permanent failure is logged at
ERROR and kept as a ``failed`` row that `/group show` and digests report.

What remains at least once: Slack has no idempotency key, so a process that dies after Slack
took a message and before the row is marked sent leaves the row leased; when the lease
expires another process sends it again. That window is one Web API call long.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlmodel import Session

from bot.inbox import new_token
from bot.services.retries import PERMANENT_ERRORS, backoff
from storage import outbox as store

if TYPE_CHECKING:
    from bot.runtime import Runtime

logger = logging.getLogger("accord.outbox")

MAX_ATTEMPTS = 8
SENDERS = 4
BATCH = 32
PER_SENDER = 2  # rows a sender claims at a time
IDLE_POLL = 0.05  # seconds between looks while rows are due but none could be claimed
HOLD_POLL = 0.05  # seconds between looks while the worker records a backlog first


@dataclass(frozen=True)
class SlackCall:
    """One Web API call to make: the WebClient method's name and its arguments.

    ``permalink`` asks for the message's permalink once it is posted; ``memo`` is handed to
    ``on_sent`` (what the renderer knew when it built the message). ``instead`` is the call to
    make when Slack refuses this one with an error in ``instead_on`` (a direct message Slack will
    not open, posted in a channel instead); ``on_sent`` then gets its answer, with the refusal
    under ``memo["instead_of"]``.
    """

    method: str
    args: dict[str, Any]
    permalink: bool = False
    memo: dict[str, Any] = field(default_factory=dict)
    instead: SlackCall | None = None
    instead_on: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Parent:
    """The message a row replies under, once it has been sent."""

    ts: str | None
    channel: str | None


@dataclass(frozen=True)
class Delivered:
    """What Slack answered for a sent message."""

    ts: str | None
    channel: str | None
    permalink: str | None = None
    memo: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None  # when it was sent (the moment delivered for)


Render = Callable[["Runtime", dict[str, Any], Parent | None], SlackCall | None]
OnSent = Callable[[Session, dict[str, Any], Delivered], None]
OnFailed = Callable[[Session, dict[str, Any], str], None]


@dataclass(frozen=True)
class Kind:
    """How one kind of message is built and what its delivery records."""

    render: Render
    on_sent: OnSent | None = None
    on_failed: OnFailed | None = None


KINDS: dict[str, Kind] = {}


def register_kind(name: str, render: Render, *, on_sent: OnSent | None = None,
                  on_failed: OnFailed | None = None) -> None:
    """Declare a kind of message (features do this when they are registered)."""
    KINDS[name] = Kind(render=render, on_sent=on_sent, on_failed=on_failed)


@dataclass(frozen=True)
class Result:
    """The outcome of one delivery attempt."""

    message_id: int
    kind: str
    ts: str | None = None
    channel: str | None = None
    error: str | None = None
    final: bool = False

    @property
    def sent(self) -> bool:
        return self.error is None


def _error_of(err: Exception) -> str:
    if isinstance(err, SlackApiError):
        return str(err.response.get("error") or f"http_{err.response.status_code}")
    return type(err).__name__


class Outbox:
    """Sends due outbox rows: on the caller's thread (:meth:`deliver`) or in a background loop."""

    def __init__(self, rt: Runtime, *, senders: int = SENDERS) -> None:
        self.rt = rt
        self.senders = senders
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._planned: datetime | None = None  # when the loop, waiting, looks again (None: it is not waiting)

    @property
    def lease(self) -> timedelta:
        """How long a sender holds a row: several times the work lease, above one send's retries."""
        return self.rt.settings.lease * 4

    # --- sending ------------------------------------------------------------------------------

    def deliver(self, ids: Sequence[int | None] | None = None, *, limit: int = BATCH,
                now: datetime | None = None) -> list[Result]:
        """Claim due rows (only ``ids`` when given) and send them on this thread, oldest first.

        ``now`` is the moment to deliver for (default: the runtime's clock).
        """
        wanted = None if ids is None else [i for i in ids if i is not None]
        if wanted == []:
            return []
        rows, parents, token = self._claim(wanted, limit, now)
        return [self._send(row, parents, token, now) for row in rows]

    def deliver_due(self, *, budget: float = 10.0, pool: ThreadPoolExecutor | None = None,
                    now: datetime | None = None) -> int:
        """Send what is due until nothing is or ``budget`` seconds have passed; how many were tried.

        Each sender claims a few rows at a time and sends them, so no sender waits for another's
        slowest post (the posts themselves are paced per workspace, see :mod:`bot.slack_http`).
        """
        deadline = time.monotonic() + budget
        own = pool is None
        pool = pool or ThreadPoolExecutor(max_workers=self.senders, thread_name_prefix="accord-send")
        try:
            return sum(pool.map(lambda _sender: self._send_until(deadline, now), range(self.senders)))
        finally:
            if own:
                pool.shutdown(wait=True)

    def _send_until(self, deadline: float, now: datetime | None) -> int:
        """One sender: claim a few due rows, send them, again, until none is due or ``deadline``."""
        tried = 0
        while time.monotonic() < deadline and not self.rt.record_first.holding():
            rows, parents, token = self._claim(None, PER_SENDER, now)
            if not rows:
                break
            for row in rows:
                self._send(row, parents, token, now)
            tried += len(rows)
        return tried

    def _claim(self, ids: Sequence[int] | None, limit: int,
               now: datetime | None) -> tuple[Sequence[Any], dict[int, Any], str]:
        token, now = new_token(), now or self.rt.clock.now()
        with self.rt.session() as session:
            rows = store.claim(session, now=now, token=token, lease_until=now + self.lease, limit=limit, ids=ids)
            parents = store.parent_results(session, ids=[r.after_id for r in rows if r.after_id])
        return rows, parents, token

    def _send(self, row: Any, parents: dict[int, Any], token: str, now: datetime | None = None) -> Result:
        ref = json.loads(row.ref or "{}")
        kind = KINDS.get(row.kind)
        parent = None
        if row.after_id is not None:
            ts, channel, state = parents.get(row.after_id, (None, None, "failed"))
            if state == "failed":
                return self._refused(row, token, ref, kind, "parent_failed", now)
            parent = Parent(ts=ts, channel=channel)
        if kind is None:
            return self._refused(row, token, ref, kind, f"unknown_kind:{row.kind}", now)
        try:
            call = kind.render(self.rt, ref, parent)
        except Exception:
            logger.exception("outbox_render_failed id=%s kind=%s", row.id, row.kind)
            return self._refused(row, token, ref, kind, "render_failed", now)
        delivered = Delivered(ts=None, channel=None)
        if call is not None:
            try:
                delivered = self._call(row.team_id, call)
            except (SlackApiError, SlackClientError, OSError) as err:
                return self._refused(row, token, ref, kind, _error_of(err), now)
        at = now or self.rt.clock.now()
        delivered = replace(delivered, at=at)
        with self.rt.session() as session:
            if store.mark_sent(session, message_id=row.id, token=token, generation=row.generation,
                               now=at, ts=delivered.ts, channel=delivered.channel):
                if kind.on_sent is not None:
                    kind.on_sent(session, ref, delivered)
            else:
                logger.warning("outbox_lease_lost id=%s kind=%s", row.id, row.kind)
        return Result(message_id=row.id, kind=row.kind, ts=delivered.ts, channel=delivered.channel)

    def _call(self, team_id: str, call: SlackCall) -> Delivered:
        client = self.rt.client_for(team_id, call.args.get("channel"))
        try:
            data = getattr(client, call.method)(**call.args).data
        except SlackApiError as err:
            if call.instead is None or _error_of(err) not in call.instead_on:
                raise
            logger.info("outbox_call_instead method=%s error=%s", call.method, _error_of(err))
            return self._call(team_id, replace(call.instead, memo={**call.instead.memo, "instead_of": _error_of(err)}))
        ts = data.get("ts") or (data.get("message") or {}).get("ts")
        channel = data.get("channel") or call.args.get("channel")
        link = None
        if call.permalink and ts and channel:
            try:
                link = client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
            except (SlackApiError, SlackClientError, OSError) as err:
                logger.warning("permalink_failed channel=%s error=%s", channel, _error_of(err))
        return Delivered(ts=ts, channel=channel, permalink=link, memo=call.memo)

    def _refused(self, row: Any, token: str, ref: dict[str, Any], kind: Kind | None, error: str,
                 now: datetime | None) -> Result:
        attempts = row.attempts + 1
        final = attempts >= MAX_ATTEMPTS or error in PERMANENT_ERRORS or error.startswith("unknown_kind")
        retry_at = None if final else (now or self.rt.clock.now()) + backoff(attempts)
        with self.rt.session() as session:
            if store.mark_unsent(session, message_id=row.id, token=token, attempts=attempts, error=error,
                                 retry_at=retry_at) and final and kind is not None and kind.on_failed:
                kind.on_failed(session, ref, error)
        if final:
            logger.error("delivery_failed id=%s kind=%s team=%s attempts=%s error=%s", row.id, row.kind,
                         row.team_id, attempts, error)
        else:
            logger.warning("delivery_refused id=%s kind=%s attempt=%s error=%s retry_at=%s", row.id, row.kind,
                           attempts, error, retry_at.isoformat() if retry_at else None)
        return Result(message_id=row.id, kind=row.kind, error=error, final=final)

    # --- the background loop ------------------------------------------------------------------

    def wake(self, at: datetime | None = None) -> None:
        """Something was enqueued: look again now (``at``: it falls due then; the loop is only woken when it
        would look later than that)."""
        planned = self._planned
        if at is None or planned is None or at < planned:
            self._wake.set()

    def start(self) -> None:
        """Send in the background until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="accord-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the background loop after the sends in flight."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        with ThreadPoolExecutor(max_workers=self.senders, thread_name_prefix="accord-send") as pool:
            while not self._stop.is_set():
                self._wake.clear()
                held = self.rt.record_first.holding()
                if held > 0:  # the worker records a backlog of requests first (bot.inbox.RecordFirst)
                    self._stop.wait(min(held, HOLD_POLL))
                    continue
                self._planned = None  # looking now: any wake counts until the next wait is planned
                wait = self._idle_wait()
                if wait > 0:  # nothing can be claimed before then: no sender claims (each claim writes)
                    self._planned = self.rt.clock.now() + timedelta(seconds=wait)
                    self._wake.wait(wait)
                    continue
                try:
                    tried = self.deliver_due(budget=5.0, pool=pool)
                except Exception:  # the database may be down for a while: keep looping
                    logger.exception("outbox_loop_failed")
                    self._wake.wait(1.0)
                    continue
                if not tried:  # due, yet nothing claimed (a reply waiting for its parent): look again soon
                    self._wake.wait(IDLE_POLL)

    def _idle_wait(self) -> float:
        """Seconds until a pending row may be claimed (0: now, or the database did not answer), at most 1."""
        try:
            with self.rt.reading() as session:
                due = store.next_due_at(session)
        except Exception:  # noqa: BLE001 - database down: the claim will say so, and wait
            return 0.0
        if due is None:
            return 1.0
        return max(0.0, min(1.0, (due - self.rt.clock.now()).total_seconds()))


def enqueue(session: Session, rt: Runtime, *, team_id: str, kind: str, key: str, ref: dict[str, Any],
            after_id: int | None = None) -> int | None:
    """Enqueue a message in the caller's transaction (see :func:`storage.outbox.enqueue`)."""
    if kind not in KINDS:
        raise KeyError(f"unknown outbox kind {kind!r}")
    return store.enqueue(session, team_id=team_id, kind=kind, key=key, ref=ref, now=rt.clock.now(),
                         after_id=after_id)
