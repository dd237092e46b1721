"""Fixtures: a fresh database per test on SQLite (always) and PostgreSQL (with TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from bot.clock import FakeClock
from storage.db import make_engine, normalise_url, upgrade
from tests.fakeslack import FakeSlack
from tests.harness import CLIENT_ID, CLIENT_SECRET, START, Harness, start_harness


def _pg_schema_url(base: str, schema: str) -> str:
    url = make_url(normalise_url(base))
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, not migrated: a SQLite file in a temp dir, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'accord.db'}"
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL variant skipped (.ci/run sets it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(base, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database_url(blank_database_url: str) -> str:
    """A migrated, empty database (SQLite and PostgreSQL, as :func:`blank_database_url`)."""
    upgrade(blank_database_url)
    return blank_database_url


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
