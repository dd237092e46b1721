"""The inbox at the door: a request that may change the record is stored before it is acknowledged.

:func:`store_before_ack` is a Bolt middleware. It runs after Bolt has verified the request and
before any listener (so before every ack, the automatic one of events included): it inserts the
request's body under its natural delivery key and only then lets the listener run. A key already
stored is a retry or a replay: answered 200 and not worked again. When the insert fails (the
database is down) the sender is told: an ephemeral error for a command, errors in the modal for a
submission, a non-2xx for events (Slack sends them again) and for clicks.

:func:`work_from_inbox` runs a listener's work under the row's lease, and :func:`recover` takes
over rows whose lease expired (their process died, or their work failed) by dispatching the
stored body through the app again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse

from bot import inbox as store
from bot.inbox import MAX_ATTEMPTS, AckYield, InboxLost, Ticket, new_token, working
from bot.outbox import backoff
from bot.runtime import Runtime
from handlers.shared.context import RUNTIME_KEY
from storage.types import DatabaseError

logger = logging.getLogger("accord.inbox")

TICKET_KEY = "accord_inbox_ticket"
IGNORED_SUBTYPES = frozenset({"message_changed", "message_deleted", "bot_message", "channel_join",
                              "channel_leave", "message_replied", "channel_topic", "channel_purpose"})
UNAVAILABLE = ("Accord could not save this request just now, so nothing was recorded. "
               "Please try again in a minute.")
RECOVER_BATCH = 100
BACKLOG_LARGE = 1000  # waiting requests that make the backlog worth a WARNING
BACKLOG_OLD = timedelta(seconds=60)  # or a request waiting this long
BUSY_POLL = 0.005  # seconds between looks while the work pool is full
WORKABLE_UNKNOWN = ("command", "action", "view", "shortcut")  # kinds worked before the bot knows itself


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:24]


def delivery_key(body: dict[str, Any]) -> tuple[str, str] | None:
    """(kind, natural delivery key) of a request that may change the record; None for the others."""
    trigger = body.get("trigger_id")
    if "command" in body:
        return "command", f"cmd:{trigger or _digest(body)}"
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict):
            return None
        etype = event.get("type")
        if etype in ("message", "app_mention"):
            if event.get("subtype") in IGNORED_SUBTYPES or event.get("bot_id") or event.get("bot_profile"):
                return None
            if event.get("channel") and event.get("ts"):
                return "event", f"ev:{etype}:{event['channel']}:{event['ts']}"
        if etype == "app_home_opened":
            return None  # re-renders a view; changes no record
        return "event", f"ev:{body.get('event_id') or _digest(body)}"
    if kind == "block_actions":
        return "action", f"act:{trigger or _digest(body)}"
    if kind == "view_submission":
        view = body.get("view")
        if not isinstance(view, dict):
            return None
        state = view.get("state") if isinstance(view.get("state"), dict) else {}
        return "view", f"view:{view.get('id')}:{view.get('hash')}:{_digest(state)}"
    if kind in ("shortcut", "message_action"):
        return "shortcut", f"sc:{trigger or _digest(body)}"
    return None


def _team_of(body: dict[str, Any], context: BoltContext) -> str:
    return str(context.team_id or context.enterprise_id or "")


def _unavailable(kind: str, body: dict[str, Any]) -> BoltResponse:
    """How a request that could not be stored is answered, so the sender sees it failed."""
    if kind == "command":
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": f":warning: {UNAVAILABLE}"})
    if kind == "view":
        blocks = (body.get("view") or {}).get("blocks") or []
        inputs = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("type") == "input"
                  and b.get("block_id")]
        if inputs:
            return BoltResponse(status=200, body={"response_action": "errors", "errors": {inputs[0]: UNAVAILABLE}})
    return BoltResponse(status=503, body="")


def store_before_ack(req: BoltRequest, resp: BoltResponse, next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002
    """Bolt middleware: insert the request into the inbox, then let its listener run."""
    context = req.context
    if context.get(TICKET_KEY) is not None:
        next()  # a stored request worked again: it is in the inbox already
        return None
    body = req.body if isinstance(req.body, dict) else {}
    found = delivery_key(body)
    rt = context.get(RUNTIME_KEY)
    if found is None or not isinstance(rt, Runtime):
        next()
        return None
    kind, key = found
    token, now = new_token(), rt.clock.now()
    # Born leased to this process when it works the request itself; otherwise free for any worker
    # at once. A modal submission is always worked where it arrives: its answer is its ack.
    lease_until = now + rt.settings.lease if rt.works or kind == "view" else now
    try:
        request_id = rt.inbox.add({"team_id": _team_of(body, context), "kind": kind, "key": key,
                                   "body": json.dumps(body, separators=(",", ":")), "token": token, "now": now,
                                   "lease_until": lease_until})
    except (DatabaseError, OSError, TimeoutError) as err:
        logger.error("inbox_unavailable kind=%s error=%s", kind, type(err).__name__)
        return _unavailable(kind, body)
    if request_id is None:
        logger.info("inbox_duplicate kind=%s key=%s", kind, key)
        return BoltResponse(status=200, body="")
    context[TICKET_KEY] = Ticket(request_id=request_id, token=token, leased_until=lease_until)
    next()
    return None


def ticket_of(context: BoltContext | None) -> Ticket | None:
    """The inbox row a listener call works, if it came through the inbox."""
    ticket = context.get(TICKET_KEY) if context is not None else None
    return ticket if isinstance(ticket, Ticket) else None


def work_from_inbox(rt: Runtime, ticket: Ticket | None, work: Callable[[], None], *,
                    on_error: Callable[[Exception], None]) -> None:
    """Run ``work`` for an inbox row under its lease, and finish the row exactly once.

    The row is marked done in the first transaction of ``work`` that writes, or after ``work``
    when it wrote nothing. A failure leaves it to be tried again after a backoff (a few times,
    then it is marked failed and logged at ERROR). The lease is renewed first unless this worker
    stored or claimed the row so recently that it surely still holds it.
    """
    if ticket is None:
        try:
            work()
        except Exception as err:
            on_error(err)
        return
    now = rt.clock.now()
    if not ticket.held(now, rt.settings.lease):
        with rt.session() as session:
            if not store.start(session, ticket=ticket, lease_until=now + rt.settings.lease):
                logger.info("inbox_taken_over id=%s", ticket.request_id)
                return
    try:
        with working(ticket):
            work()
    except InboxLost:
        logger.info("inbox_finished_elsewhere id=%s", ticket.request_id)
        return
    except Exception as err:
        on_error(err)
        if not ticket.finished:
            _release(rt, ticket, err)
        return
    if not ticket.finished:
        with rt.session() as session:
            store.finish(session, ticket=ticket, now=rt.clock.now())


def _release(rt: Runtime, ticket: Ticket, err: Exception) -> None:
    final = ticket.attempts >= MAX_ATTEMPTS
    retry_at = None if final else rt.clock.now() + backoff(ticket.attempts)
    try:
        with rt.session() as session:
            store.release(session, ticket=ticket, error=repr(err), retry_at=retry_at)
    except DatabaseError:
        logger.warning("inbox_release_failed id=%s (the lease expires instead)", ticket.request_id)
    if final:
        logger.error("inbox_failed id=%s attempts=%s error=%r", ticket.request_id, ticket.attempts, err)


def knows_itself(rt: Runtime) -> bool:
    """Whether the bot knows who it is in Slack (always under OAuth); asks Slack again, at most once a
    second, when it does not."""
    identity = rt.identity
    return identity is None or identity.ask_again()


def recover(rt: Runtime, app: App, *, limit: int = RECOVER_BATCH, full: Callable[[], None] | None = None) -> int:
    """Work again the rows whose lease expired, by dispatching their stored bodies; how many.

    ``full`` is called when ``limit`` rows were claimed (more may be waiting), before the first of
    them is dispatched. Whether a message mentions Accord depends on the bot's user id: until
    ``auth.test`` has answered, events wait in the inbox (a message read without it could not be
    read again), while commands, clicks and forms, which do not depend on it, are worked.
    """
    token, now = new_token(), rt.clock.now()
    kinds = None if knows_itself(rt) else WORKABLE_UNKNOWN
    with rt.session() as session:
        rows = store.claim_stale(session, now=now, token=token, lease_until=now + rt.settings.lease, limit=limit,
                                 kinds=kinds)
    if full is not None and len(rows) >= limit:
        full()
    for row in rows:
        ticket = Ticket(request_id=row.id, token=token, attempts=row.attempts, leased_until=now + rt.settings.lease)
        if row.attempts > MAX_ATTEMPTS:
            _release(rt, ticket, RuntimeError("gave up after repeated failures"))
            continue
        logger.info("inbox_recovering id=%s kind=%s attempt=%s", row.id, row.kind, row.attempts)
        try:
            body = json.loads(row.body)
            app.dispatch(BoltRequest(body=body, mode="socket_mode", context={TICKET_KEY: ticket}))
        except Exception as err:  # one broken row must not hold up the others
            logger.exception("inbox_recover_failed id=%s", row.id)
            _release(rt, ticket, err)
    return len(rows)


class InboxPoller:
    """A worker's loop: work stored requests as soon as their lease allows, as many as the pool takes.

    Requests acknowledged by `accord serve --no-worker` are stored free for any worker; requests
    whose process died are free once their lease expires. The poller claims them in batches no
    larger than the work pool can start soon, and looks again at once while it finds some. A
    worker told of each acknowledgement (`accord serve`'s child, through :meth:`heard_ack`) holds
    back while a burst of them is under way (:class:`bot.inbox.AckYield`).
    """

    def __init__(self, rt: Runtime, app: App, *, idle: float = 0.2, acks: AckYield | None = None) -> None:
        self.rt, self.app, self.idle = rt, app, idle
        self.acks = acks if acks is not None else AckYield()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """A request was stored: look now rather than at the next poll."""
        self._wake.set()

    def heard_ack(self) -> None:
        """A request was stored and acknowledged by the process this worker serves: look soon, but
        let the acknowledgements of a burst come first (:class:`bot.inbox.AckYield`)."""
        self.acks.heard()
        self._wake.set()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="accord-inbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.rt.record_first.drained()  # nothing more is claimed: announce what was kept back

    def _room(self) -> int:
        pool = self.rt.work_executor
        if pool is None:
            return RECOVER_BATCH
        threads = getattr(pool, "_max_workers", 4)
        return max(0, min(RECOVER_BATCH, threads * 2 - pool.busy))

    def _loop(self) -> None:
        while not self._stop.is_set():
            room, found = self._room(), 0
            if not room:  # the pool is full: look again when some of it is done, whatever wakes us
                self.rt.record_first.busy()
                self._stop.wait(BUSY_POLL)
                continue
            hold = self.acks.wait()
            if hold > 0:  # acknowledgements are streaming in: they come first
                self._stop.wait(hold)
                continue
            try:
                # A full batch: more may be waiting, recorded before anything is announced. Said before
                # the batch is dispatched, or its first records could be announced before it is said.
                found = recover(self.rt, self.app, limit=room, full=self.rt.record_first.busy)
            except Exception:  # the database may be down for a while: keep polling
                logger.exception("inbox_poll_failed")
            if not found:
                self.rt.record_first.drained()
                self.acks.idle()
                self._wake.wait(self.idle)
                self._wake.clear()


def prune(rt: Runtime) -> int:
    """Delete finished rows older than ``ACCORD_INBOX_RETENTION``."""
    removed = store.prune(rt.engine, before=rt.clock.now() - rt.settings.inbox_retention)
    if removed:
        logger.info("inbox_pruned rows=%s", removed)
    return removed


class BacklogReport:
    """Logs the inbox backlog while requests wait: at WARNING when it is large or old, once it clears at INFO.

    At most one line per ``every`` seconds, so a long backlog is visible without flooding the log.
    """

    def __init__(self, *, large: int = BACKLOG_LARGE, old: timedelta = BACKLOG_OLD, every: float = 30.0) -> None:
        self.large, self.old, self.every = large, old, every
        self._last: float | None = None
        self._warned = False

    def __call__(self, rt: Runtime) -> tuple[int, datetime | None]:
        """Look at the backlog now; (waiting requests, arrival of the oldest)."""
        with rt.reading() as session:
            count, oldest = store.backlog(session)
        age = (rt.clock.now() - oldest) if oldest is not None else timedelta(0)
        now = time.monotonic()
        if count >= self.large or age >= self.old:
            if self._last is None or now - self._last >= self.every:
                self._last, self._warned = now, True
                logger.warning("inbox_backlog pending=%s oldest_age_s=%.0f", count, age.total_seconds())
        elif self._warned and count == 0:
            self._last, self._warned = None, False
            logger.info("inbox_backlog_cleared")
        return count, oldest
