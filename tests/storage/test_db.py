"""Storage on SQLite and PostgreSQL: migrations match the models, claims decide races, times stay UTC."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from storage.db import claim, insert_unless_taken, session_scope
from storage.models import Decision, Facilitator, ProcessedEvent
from storage.teams import claim_event, ensure_team


def test_migrations_match_models(engine: Engine) -> None:
    slack_sdk_tables = {"slack_installations", "slack_bots", "slack_oauth_states"}
    with engine.connect() as conn:
        assert slack_sdk_tables <= set(inspect(conn).get_table_names())
        context = MigrationContext.configure(conn, opts={
            "include_object": lambda obj, name, type_, *_: not (type_ == "table" and name in slack_sdk_tables)})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_sqlite_pragmas(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite-only pragmas (this is the postgresql variant)")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL: what the README promises


def test_timestamps_round_trip_as_aware_utc(engine: Engine) -> None:
    kolkata = timezone(timedelta(hours=5, minutes=30))
    when = datetime(2026, 3, 8, 12, 0, tzinfo=kolkata)
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        session.add(Decision(consortium_id="T1", text="x", channel_id="C1", recorded_by="U1", created_at=when))
    with session_scope(engine) as session:
        row = session.exec(select(Decision)).one()
    assert row.created_at == when and row.created_at.tzinfo is not None
    assert row.created_at.utcoffset() == timedelta(0)
    with pytest.raises(Exception, match="timezone-aware"), session_scope(engine) as session:
        session.add(Decision(consortium_id="T1", text="y", channel_id="C1", recorded_by="U1",
                             created_at=datetime(2026, 1, 1)))


def test_event_claim_is_won_by_exactly_one_of_many_threads(engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def race() -> None:
        barrier.wait()
        with session_scope(engine) as session:
            wins.append(claim_event(session, team_id="T1", key="event:Ev1"))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]
    with session_scope(engine) as session:
        assert len(session.exec(select(ProcessedEvent)).all()) == 1


def test_claim_keeps_the_transaction_usable(engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        assert claim(session, ProcessedEvent(team_id="T1", key="k", created_at=datetime.now(UTC)))
        assert not claim(session, ProcessedEvent(team_id="T1", key="k", created_at=datetime.now(UTC)))
        session.add(Decision(consortium_id="T1", text="kept", channel_id="C1", recorded_by="U1"))
    with session_scope(engine) as session:
        assert [d.text for d in session.exec(select(Decision))] == ["kept"]


def test_claim_loses_only_to_its_own_unique_key(engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        assert claim(session, Facilitator(consortium_id="T1", user_id="U1", added_by="U0"))
        assert not claim(session, Facilitator(consortium_id="T1", user_id="U1", added_by="U9"))  # taken
        assert claim(session, Facilitator(consortium_id="T1", user_id="U2", added_by="U0"))
    with session_scope(engine) as session:
        assert sorted(f.user_id for f in session.exec(select(Facilitator))) == ["U1", "U2"]


@pytest.mark.parametrize("row", [
    pytest.param(lambda: Facilitator(consortium_id="TNOWHERE", user_id="U1", added_by="U0"), id="foreign-key"),
    pytest.param(lambda: Facilitator(consortium_id="T1", user_id=None, added_by="U0"),  # type: ignore[arg-type]
                 id="not-null"),
])
def test_claim_raises_integrity_errors_that_are_not_a_lost_race(engine: Engine, row: Any) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        claim(session, row())
    with session_scope(engine) as session:
        assert session.exec(select(Facilitator)).all() == []


def test_claim_raises_a_duplicate_of_another_table(engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        session.add(Facilitator(consortium_id="T1", user_id="U1", added_by="U0"))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(Facilitator(consortium_id="T1", user_id="U1", added_by="U0"))  # flushed with the claimed row
        claim(session, ProcessedEvent(team_id="T1", key="k"))
    with session_scope(engine) as session:
        assert session.exec(select(ProcessedEvent)).all() == []


def test_insert_unless_taken_returns_the_key_or_none_and_raises_other_integrity_errors(engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        first = insert_unless_taken(session, Facilitator, consortium_id="T1", user_id="U1", added_by="U0")
        assert isinstance(first, int)
        assert insert_unless_taken(session, Facilitator, consortium_id="T1", user_id="U1", added_by="U9") is None
        assert insert_unless_taken(session, ProcessedEvent, team_id="T1", key="k") == ("T1", "k")
        assert insert_unless_taken(session, ProcessedEvent, team_id="T1", key="k") is None
        session.add(Decision(consortium_id="T1", text="kept", channel_id="C1", recorded_by="U1"))  # still usable
    with session_scope(engine) as session:
        assert [(f.user_id, f.added_by) for f in session.exec(select(Facilitator))] == [("U1", "U0")]
        assert [d.text for d in session.exec(select(Decision))] == ["kept"]
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        insert_unless_taken(session, Facilitator, consortium_id="TNOWHERE", user_id="U1", added_by="U0")


def test_a_read_scope_reads_and_refuses_to_write(engine: Engine) -> None:
    from storage.db import ReadOnlyViolation, read_scope
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        session.add(Decision(consortium_id="T1", text="kept", channel_id="C1", recorded_by="U1",
                             created_at=datetime.now(UTC)))
    with read_scope(engine) as session:
        [read] = session.exec(select(Decision)).all()
    assert read.text == "kept"  # still loaded once the session is over
    with pytest.raises(ReadOnlyViolation), read_scope(engine) as session:
        session.add(Decision(consortium_id="T1", text="refused", channel_id="C1", recorded_by="U1",
                             created_at=datetime.now(UTC)))
        session.flush()
    with session_scope(engine) as session:
        assert [d.text for d in session.exec(select(Decision)).all()] == ["kept"]


def test_on_sqlite_a_read_scope_does_not_wait_for_a_write_in_progress(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one write lock (this is the postgresql variant)")
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
    writing, release = threading.Event(), threading.Event()

    def write() -> None:
        with session_scope(engine) as session:
            session.add(Decision(consortium_id="T1", text="in progress", channel_id="C1", recorded_by="U1",
                                 created_at=datetime.now(UTC)))
            session.flush()
            writing.set()
            release.wait(30)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert writing.wait(10)
        read: list[int] = []
        reader = threading.Thread(target=lambda: read.append(_count_decisions(engine)))
        reader.start()
        reader.join(10)
        assert read == [0]  # answered while the write was still open, from the snapshot before it
    finally:
        release.set()
        writer.join(10)
    assert _count_decisions(engine) == 1


def _count_decisions(engine: Engine) -> int:
    from storage.db import read_scope
    with read_scope(engine) as session:
        return len(session.exec(select(Decision)).all())


def _write_decisions(engine: Engine, *, threads: int, each: int) -> None:
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait(10)
            for i in range(each):
                with session_scope(engine) as session:
                    session.add(Decision(consortium_id="T1", text=f"{n}.{i}", channel_id="C1", recorded_by="U1",
                                         created_at=datetime.now(UTC)))
        except BaseException as err:  # noqa: BLE001 - reported below
            failures.append(err)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert not failures


def test_on_sqlite_threads_of_one_process_hand_the_write_lock_on_without_waiting_for_sqlite(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    """A thread queued for the write lock gets it once the holder's transaction has ended in SQLite,
    so it never finds SQLite's lock still held by its own process and waits out a poll."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one write lock (this is the postgresql variant)")
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
    with caplog.at_level("DEBUG", logger="accord.db"):
        _write_decisions(engine, threads=4, each=60)
    assert [r.getMessage() for r in caplog.records if "sqlite_write_lock_waited" in r.getMessage()] == []
    assert _count_decisions(engine) == 240


def test_on_sqlite_a_write_waits_for_another_process_and_says_so(
        engine: Engine, database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """Another process's write lock (here a connection of its own) is waited for, in short polls."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one write lock (this is the postgresql variant)")
    import sqlite3

    from sqlalchemy.engine import make_url
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
    other = sqlite3.connect(make_url(database_url).database or "", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(0.05, other.rollback)
    timer.start()
    try:
        with caplog.at_level("DEBUG", logger="accord.db"):
            _write_decisions(engine, threads=1, each=1)
    finally:
        timer.join()
        other.close()
    waited = [r.getMessage() for r in caplog.records if "sqlite_write_lock_waited" in r.getMessage()]
    assert len(waited) == 1 and _count_decisions(engine) == 1


def test_on_sqlite_a_commit_that_fails_is_raised_as_before_and_leaves_the_write_lock_free(engine: Engine) -> None:
    """The listener that ends SQLite's transaction before handing the lock on lets a failing commit
    (here a deferred foreign key) be raised by SQLAlchemy's own commit, as any database error is;
    the transaction is rolled back and the next write of another thread goes ahead at once."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one write lock (this is the postgresql variant)")
    from sqlalchemy.exc import IntegrityError as SQLAlchemyIntegrityError
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t_parent (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE t_child (id INTEGER PRIMARY KEY, parent_id INTEGER "
                          "REFERENCES t_parent (id) DEFERRABLE INITIALLY DEFERRED)"))
    with pytest.raises(SQLAlchemyIntegrityError, match="FOREIGN KEY"), engine.begin() as conn:
        conn.execute(text("INSERT INTO t_child (id, parent_id) VALUES (1, 99)"))  # fails only at COMMIT
    done = threading.Event()

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t_parent (id) VALUES (1)"))
        done.set()

    other = threading.Thread(target=write)
    other.start()
    other.join(5)
    assert done.is_set()  # not held up by a lock left behind (that wait would be 15 s)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t_child")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM t_parent")).scalar() == 1
