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
from bot.inbox import InboxLost, InboxWriter, current_ticket, wrote
from bot.outbox import Outbox
from bot.slack import make_client
from storage import inbox as inbox_store
from storage.db import read_scope, session_scope
from storage.teams import ensure_team


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
    installation_store: InstallationStore | None = None  # under OAuth: each team's bot token
    identity: BotIdentity | None = None  # one workspace: the bot's identity, learnt in the background
    works: bool = True  # this process works requests after their ack (False: `accord serve --no-worker`)
    schedule_changed: Signal = field(default_factory=lambda: Signal())  # the scheduler listens
    _known_teams: set[str] = field(default_factory=set)
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

    def client_for(self, team_id: str | None) -> WebClient:
        """The Web API client for a team (its installation's token under OAuth)."""
        if self.installation_store is None or team_id is None:
            return self.client
        bot = self.installation_store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None:
            return self.client
        return make_client(self.settings, token=bot.bot_token)

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
        pools = [self.listener_executor, self.work_executor]
        deadline = time.monotonic() + timeout
        # Listeners hand their work to the work pool before they finish: wait until both are idle.
        while not all(p.busy == 0 for p in pools):
            for pool in pools:
                if not pool.wait_idle(max(deadline - time.monotonic(), 0.0)):
                    return False
        return True

    def ensure_team(self, team_id: str) -> None:
        """Create the team row on first sight (cached per process)."""
        if team_id in self._known_teams:
            return
        with self.session() as session:
            ensure_team(session, team_id=team_id, timezone=self.settings.timezone)
        with self._lock:
            self._known_teams.add(team_id)
