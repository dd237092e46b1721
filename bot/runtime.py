"""What every listener and job needs: settings, the engine, the clock and Slack clients."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import Clock, local_today
from bot.config import Settings
from bot.executors import ListenerExecutor
from bot.identity import BotIdentity
from bot.inbox import InboxLost, InboxWriter, RecordFirst, current_ticket, wrote
from bot.outbox import Outbox
from bot.services.tenancy import Origin, installations_of, resolve_consortium
from bot.slack import make_client
from storage import inbox as inbox_store
from storage.db import read_scope, session_scope
from storage.origin import remembered_owner

SEND_THREADS = 8  # announcements posted at once (each waits for Slack and the workspace's pace of posts)


class Signal:
    """Callbacks run when something happened (a schedule changed); whoever cares connects to it."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[], object]] = []
        self._lock = threading.Lock()

    def connect(self, callback: Callable[[], object]) -> None:
        with self._lock:
            self._callbacks.append(callback)

    def disconnect(self, callback: Callable[[], object]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

    def fire(self) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()


@dataclass
class Runtime:
    """The process's shared services, built once by the app factory."""

    settings: Settings
    engine: Engine
    clock: Clock
    client: WebClient
    listener_executor: ListenerExecutor
    work_executor: ListenerExecutor
    # Announcements of new records are posted here, so a work thread is free again once the record is
    # committed, not once Slack (and the pace of posts to its workspace) has taken the message.
    send_executor: ListenerExecutor = field(default_factory=lambda: ListenerExecutor(SEND_THREADS,
                                                                                     name="accord-announce"))
    installation_store: InstallationStore | None = None  # under OAuth: each team's bot token
    identity: BotIdentity | None = None  # one workspace: the bot's identity, learnt in the background
    works: bool = True  # this process works requests after their ack (False: `accord serve --no-worker`)
    schedule_changed: Signal = field(default_factory=lambda: Signal())  # the scheduler listens
    # While the inbox poller has a backlog, new records' announcements wait for it to be recorded.
    record_first: RecordFirst = field(default_factory=RecordFirst)
    _clients: dict[str, WebClient] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    outbox: Outbox = field(init=False)
    inbox: InboxWriter = field(init=False)

    def __post_init__(self) -> None:
        self.outbox = Outbox(self)
        self.inbox = InboxWriter(lambda: self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed on success. Keep Slack calls outside it.

        Inside the work of an inbox row, the first transaction that writes also marks the row
        done (see :mod:`bot.inbox`), so the record and "this request is handled" commit together.
        """
        ticket = current_ticket()
        with session_scope(self.engine) as session:
            yield session
            if ticket is not None and not ticket.finished and wrote(session):
                if not inbox_store.finish(session, request_id=ticket.request_id, token=ticket.token,
                                          now=self.clock.now()):
                    raise InboxLost(f"inbox row {ticket.request_id} is held by another worker")
                session.info["accord_finishes"] = ticket
        finished = session.info.get("accord_finishes")
        if finished is not None:
            finished.finished = True

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A unit of work that only reads (rendering a message, a look at the backlog).

        On SQLite it neither waits for nor holds the database's write lock, which the requests'
        acknowledgements and the work need; a statement that writes is refused.
        """
        with read_scope(self.engine) as session:
            yield session

    def client_for(self, team_id: str | None, channel: str | None = None) -> WebClient:
        """The Web API client for a workspace or a consortium: under OAuth, the token of the installation
        of the workspace ``channel`` was first recorded from, else of that workspace (an Enterprise Grid
        org's org-wide one included), else of the first of the consortium's installations that has
        one; otherwise the bot token."""
        if self.installation_store is None or team_id is None:
            return self.client
        with read_scope(self.engine) as session:
            candidates = installations_of(session, team_id, channel)
        for workspace_id, org_wide in candidates:
            bot = self.installation_store.find_bot(enterprise_id=workspace_id if org_wide else None,
                                                   team_id=None if org_wide else workspace_id,
                                                   is_enterprise_install=org_wide)
            if bot is not None and bot.bot_token:
                return self._client_with(bot.bot_token)
        return self.client

    def _client_with(self, token: str) -> WebClient:
        """One client (and its connection pool) per token."""
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = self._clients[token] = make_client(self.settings, token=token)
            return client

    def timezone(self, team_id: str | None = None) -> str:
        """The team's default zone (``ACCORD_TIMEZONE``)."""
        return self.settings.timezone

    def today(self, team_id: str | None = None) -> date:
        """Today in the team's zone."""
        return local_today(self.clock, self.timezone(team_id))

    def wake_scheduler(self) -> None:
        """A schedule changed: let the scheduler look again within seconds."""
        self.schedule_changed.fire()

    def drain(self, timeout: float = 20.0) -> bool:
        """Wait for listeners still working after their ack (clean shutdown, tests)."""
        pools = [self.listener_executor, self.work_executor, self.send_executor]
        deadline = time.monotonic() + timeout
        # Listeners hand their work to the work pool, and work its announcements to the send pool,
        # before they finish: wait until all three are idle.
        while not all(p.busy == 0 for p in pools):
            for pool in pools:
                if not pool.wait_idle(max(deadline - time.monotonic(), 0.0)):
                    return False
        return True

    def consortium_of(self, origin: Origin) -> str:
        """The consortium a request belongs to (see :mod:`bot.services.tenancy`).

        Its own short transaction, outside the request's work: linking an installation seen for the
        first time must not count as the request's record (see :meth:`session`). A channel's owner
        never changes once it has one, so it is remembered; an installation's link is read each time
        (``/accord join`` moves it).
        """
        channel = origin.channel_id
        owner = remembered_owner(self.engine, channel) if channel else None  # storage remembers it once read
        if owner is not None:
            return owner
        with session_scope(self.engine) as session:
            return resolve_consortium(session, origin, single_token=not self.settings.oauth,
                                      timezone=self.settings.timezone)
