"""Fixtures: a fresh database per test on SQLite (always) and PostgreSQL (with TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ProgrammingError

from bot.clock import FakeClock
from storage.db import make_engine, normalise_url, upgrade
from tests.fakeslack import FakeSlack
from tests.harness import CLIENT_ID, CLIENT_SECRET, START, Harness, start_harness


def _pg_schema_url(base: str, schema: str) -> str:
    url = make_url(normalise_url(base))
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@contextmanager
def _created(admin: Engine, create: str, drop: str) -> Iterator[None]:
    """Run ``create``, then ``drop`` once the block is over (both outside any transaction)."""
    with admin.connect() as conn:
        conn.execute(text(create))
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(drop))


@contextmanager
def _pg_schema(base: str) -> Iterator[str]:
    """A fresh, empty schema of ``base``'s database, dropped afterwards: its URL."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    try:
        with _created(admin, f'CREATE SCHEMA "{schema}"', f'DROP SCHEMA "{schema}" CASCADE'):
            yield _pg_schema_url(base, schema)
    finally:
        admin.dispose()


def _pg_base() -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL variant skipped (.ci/run sets it)")
    return base


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, not migrated: a SQLite file in a temp dir, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'accord.db'}"
        return
    with _pg_schema(_pg_base()) as url:
        yield url


class _MigratedOnce:
    """Databases migrated once per test session, copied for each test (a copy takes milliseconds,
    the migrations a few tenths of a second): a SQLite file, and a PostgreSQL template database."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sqlite: Path | None = None
        self._postgresql: str | None = None  # the template database's name
        self._admin: Engine | None = None
        self._can_create = True  # the role may create databases (else: a migrated schema per test)

    def sqlite(self, dest: Path) -> str:
        """A migrated SQLite file at ``dest``: its URL."""
        if self._sqlite is None:
            template = self.folder / "template.db"
            upgrade(f"sqlite:///{template}")
            self._sqlite = template
        with closing(sqlite3.connect(self._sqlite)) as source, closing(sqlite3.connect(dest)) as copy:
            source.backup(copy)  # the committed pages, whatever is still in the template's WAL
        return f"sqlite:///{dest}"

    @contextmanager
    def postgresql(self, base: str) -> Iterator[str]:
        """A migrated PostgreSQL database of its own, dropped afterwards: its URL. A role without
        ``CREATEDB`` gets a schema of its own, migrated (slower)."""
        admin = self._admin = self._admin or create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
        if self._postgresql is None and self._can_create:
            name = f"accord_template_{uuid.uuid4().hex[:12]}"
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            except ProgrammingError:
                self._can_create = False
            else:
                upgrade(_pg_database_url(base, name))  # its engine is disposed: nobody stays connected
                self._postgresql = name
        if self._postgresql is None:
            with _pg_schema(base) as url:
                upgrade(url)
                yield url
            return
        name = f"accord_test_{uuid.uuid4().hex[:12]}"
        with _created(admin, f'CREATE DATABASE "{name}" TEMPLATE "{self._postgresql}"',
                      f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'):
            yield _pg_database_url(base, name)

    def close(self) -> None:
        if self._admin is not None:
            if self._postgresql is not None:
                with self._admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{self._postgresql}" WITH (FORCE)'))
            self._admin.dispose()


def _pg_database_url(base: str, database: str) -> str:
    return make_url(normalise_url(base)).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _migrated_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_MigratedOnce]:
    templates = _MigratedOnce(tmp_path_factory.mktemp("templates"))
    try:
        yield templates
    finally:
        templates.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, _migrated_once: _MigratedOnce) -> Iterator[str]:
    """A migrated, empty database: a SQLite file in a temp dir, or a PostgreSQL database of its own
    (both copies of one migrated at the start of the session, so exactly what the migrations make)."""
    if request.param == "sqlite":
        yield _migrated_once.sqlite(tmp_path / "accord.db")
        return
    with _migrated_once.postgresql(_pg_base()) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def accord(fake_slack: FakeSlack, database_url: str, clock: FakeClock) -> Iterator[Harness]:
    """The real app behind the real server on loopback, with a fake Slack and a movable clock."""
    harness = start_harness(fake_slack, database_url, clock=clock)
    try:
        yield harness
    finally:
        harness.stop()


@pytest.fixture
def oauth(fake_slack: FakeSlack, database_url: str) -> Iterator[Harness]:
    """Accord under OAuth with no ACCORD_FACILITATORS: installations come through the install flow, and
    their installers are the only way to a facilitator."""
    fake_slack.oauth_clients[CLIENT_ID] = CLIENT_SECRET
    harness = start_harness(fake_slack, database_url, slack_bot_token=None, slack_client_id=CLIENT_ID,
                            slack_client_secret=CLIENT_SECRET, facilitators=frozenset())
    try:
        yield harness
    finally:
        harness.stop()
