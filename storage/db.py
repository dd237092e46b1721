"""The engine (one per process), sessions, and schema migrations."""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import CTE, Select, Table, UniqueConstraint, bindparam, event, func, insert, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"
M = TypeVar("M")
logger = logging.getLogger("accord.db")

POOL_SIZE = 10
MAX_OVERFLOW = 5
UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE for a duplicate key
SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w.]+(?:, [\w.]+)*)$")


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


READ_ONLY = "accord_read_only"  # execution option of the engine that read_scope's sessions use
WRITE_LOCK_WAIT = 15.0  # seconds, as long as SQLite's own busy timeout
BUSY_TIMEOUT_MS = 15000
LOCK_POLL = 0.0005  # seconds between tries for a write lock another process holds


def _begin_immediate(dbapi_connection: Any) -> None:
    """``BEGIN IMMEDIATE``, waiting for another process's write lock in steps of half a millisecond.

    SQLite's busy handler sleeps 1, 2, 5, 10 … up to 100 ms between tries, so a process that only
    writes now and then (an acknowledging `accord serve`) loses the lock, for whole sleeps, to one
    that writes all the time (its worker). Trying again every half millisecond for as long as the
    busy timeout takes the lock in the first gap between the other's transactions.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=0")
        started = time.monotonic()
        deadline, tries = started + WRITE_LOCK_WAIT, 0
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                if tries:
                    logger.debug("sqlite_write_lock_waited tries=%s ms=%.1f", tries,
                                 1000 * (time.monotonic() - started))
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise
            tries += 1
            time.sleep(LOCK_POLL)
    finally:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()


def _serialise_sqlite_transactions(engine: Engine) -> None:
    """Take SQLite's write lock up front, one thread of this process at a time.

    SQLite's own transaction handling defers BEGIN; Accord emits ``BEGIN IMMEDIATE`` itself so that
    writes take the lock up front (no upgrade deadlocks). Threads of one process queue for it on a
    lock of their own instead of in SQLite's busy handler, which polls with sleeps of up to 100 ms;
    other processes still meet the busy handler. A read-only transaction (:func:`read_scope`) is a
    plain deferred ``BEGIN``: under WAL it reads a snapshot without the write lock, so reads never
    hold up another thread's or process's writes (an acknowledgement's inbox insert above all).

    SQLAlchemy tells of a commit or rollback before it runs it, so the listener ends SQLite's
    transaction itself and only then hands the lock on; the commit or rollback SQLAlchemy runs next
    finds nothing left to do. Handing the lock on first let the next thread find SQLite's write
    lock still held by this one and wait out :data:`LOCK_POLL` for it, at every turn.
    """
    lock = threading.RLock()
    held = "accord_sqlite_lock"

    def begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.connection.dbapi_connection.execute("BEGIN")
            return
        acquired = lock.acquire(timeout=WRITE_LOCK_WAIT)  # past the wait, SQLite's busy handler decides
        try:
            _begin_immediate(conn.connection.dbapi_connection)
        except BaseException:
            if acquired:
                lock.release()
            raise
        if acquired:
            conn.info[held] = conn.info.get(held, 0) + 1

    def ending(finish: str) -> Any:
        def end(conn: Any) -> None:
            if not conn.info.get(held):
                return
            conn.info[held] -= 1
            try:
                dbapi_connection = conn.connection.dbapi_connection
                if dbapi_connection is not None:
                    getattr(dbapi_connection, finish)()
            except Exception:  # noqa: BLE001, S110 - SQLAlchemy's own commit or rollback, next, raises it
                pass
            finally:
                lock.release()
        return end

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", ending("commit"))
    event.listen(engine, "rollback", ending("rollback"))


def make_engine(url: str, *, echo: bool = False, single_use: bool = False) -> Engine:
    """Create the process's engine: SQLite with WAL, busy timeout and foreign keys, or PostgreSQL.

    ``single_use`` gives an engine without a pool (migrations, one-off commands).
    """
    url = normalise_url(url)
    pooling: dict[str, Any] = (
        {"poolclass": NullPool} if single_use else {"pool_size": POOL_SIZE, "max_overflow": MAX_OVERFLOW}
    )
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 15}, **pooling
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        _serialise_sqlite_transactions(engine)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        return engine
    # No pre-ping round trip on every checkout: connections are recycled after 30 minutes, and one
    # that the server dropped fails its statement, is discarded by the pool, and the work is retried.
    return create_engine(url, echo=echo, pool_recycle=1800, **pooling)


def pool_capacity(engine: Engine) -> int:
    """How many connections the engine's pool hands out at most."""
    pool = engine.pool
    size = getattr(pool, "size", lambda: POOL_SIZE)()
    return int(size) + max(int(getattr(pool, "_max_overflow", MAX_OVERFLOW)), 0)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for one unit of work: committed on success, rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class ReadOnlyViolation(RuntimeError):
    """A statement that writes ran in a read-only session (a bug: nothing of it is kept)."""


def _refuse_writes(conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
    if conn.get_execution_options().get(READ_ONLY) and statement.lstrip()[:6].upper() in _WRITES:
        raise ReadOnlyViolation(f"read-only session cannot run: {statement[:60]}")


_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLAC"})


def read_only(engine: Engine) -> Engine:
    """The engine for read-only work: on SQLite its transactions do not take the write lock.

    A statement that writes is refused (:class:`ReadOnlyViolation`) before it reaches the database.
    """
    cached = engine.__dict__.get("_accord_read_only")
    if cached is None:
        if not event.contains(engine, "before_cursor_execute", _refuse_writes):
            event.listen(engine, "before_cursor_execute", _refuse_writes)
        cached = engine.execution_options(**{READ_ONLY: True})
        engine.__dict__["_accord_read_only"] = cached
    return cached


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A session that only reads: one consistent snapshot, ended when the session closes (nothing to
    commit); the objects read stay loaded.

    On SQLite it does not wait for, nor hold, the database's one write lock.
    """
    with Session(read_only(engine), expire_on_commit=False) as session:
        yield session


def claim(session: Session, row: Any) -> bool:
    """Insert ``row`` under a savepoint; False when one of its unique keys is already taken.

    This is how exactly-once is decided: the loser of a race does nothing. Any other integrity
    error (a missing foreign key, a NULL where none is allowed, a duplicate in another table) is
    a bug and is raised.
    """
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as err:
        if is_unique_violation(err, type(row).__table__):
            return False
        raise
    return True


def dialect_insert(bind: Session | Connection) -> Any:
    """The database's own INSERT construct (PostgreSQL's or SQLite's), which knows ``ON CONFLICT``."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert


def leasable(candidates: Select[Any]) -> CTE:
    """The rows a claim may lease: ``candidates`` locked, skipping rows another claimer holds, read once.

    The claim's UPDATE takes its ids from this CTE. Written as ``id IN (SELECT … LIMIT n FOR UPDATE
    SKIP LOCKED)`` instead, PostgreSQL may run the subquery again for every row it scans, and each
    run skips the rows the previous one locked, so one claim would take every due row whatever its
    limit. ``MATERIALIZED`` makes PostgreSQL run it once; SQLite has one writer and no row locks.
    """
    return (candidates.with_for_update(skip_locked=True).cte("candidates")
            .prefix_with("MATERIALIZED", dialect="postgresql"))


def insert_unless_taken(session: Session, model: type[Any], **values: Any) -> Any:
    """Insert one row in one statement unless one of its unique keys is taken (``ON CONFLICT DO NOTHING``).

    The new row's primary key (a single value, or a tuple for a composite key); None when the key
    was taken: the loser of a race does nothing, as with :func:`claim`, without a savepoint or an
    ORM flush. Other integrity errors (a missing foreign key, a NULL) are raised.
    """
    table = model.__table__
    keys = list(table.primary_key.columns)
    dialect = dialect_insert(session)
    statement = built(("unless_taken", dialect, table),
                      lambda: dialect(table).on_conflict_do_nothing().returning(*keys))
    row = session.execute(statement, values).first()
    if row is None:
        return None
    return row[0] if len(keys) == 1 else tuple(row)


def insert_row(session: Session, model: type[M], **values: Any) -> M:
    """Insert one row in one statement (``INSERT … RETURNING``); the row as stored, outside the session."""
    table = model.__table__  # type: ignore[attr-defined]
    row = session.execute(built(("row", table), lambda: insert(table).returning(*table.c)), values).one()
    return model(**row._mapping)


_BUILT: dict[Any, Any] = {}


def built(key: Any, build: Any) -> Any:
    """A statement built once per ``key`` and run with its values bound at each execution (an
    ``INSERT`` takes its columns from the values given, compiled once per set of columns), so a
    record's transaction spends no time building SQL while it holds SQLite's write lock."""
    statement = _BUILT.get(key)
    if statement is None:
        statement = _BUILT[key] = build()
    return statement


def run_built(session: Session, key: Any, build: Any, params: Mapping[str, Any]) -> Sequence[Any]:
    """Every row of the statement :func:`built` once per ``key``, run on the session's connection: Core
    rows fetched at once, no ORM objects and no ORM execution around them. The session's pending
    changes are flushed first, as its own queries would flush them (nothing to do, and next to no
    cost, when there are none)."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(built(key, build), params).all()


def fill_in(session: Session, model: type[Any], *, consortium_id: str, row_id: int, **values: Any) -> None:
    """Set those of ``values`` whose column is still NULL, in one conditional update of a consortium's row."""
    table = model.__table__
    names = tuple(sorted(values))

    def build() -> Any:
        return (update(table).where(table.c.id == bindparam("_row"), table.c.consortium_id == bindparam("_cid"))
                .values({name: func.coalesce(table.c[name], bindparam(f"_v_{name}", type_=table.c[name].type))
                         for name in names}))
    session.execute(built(("fill_in", table, names), build),
                    {"_row": row_id, "_cid": consortium_id, **{f"_v_{name}": values[name] for name in names}})


def _unique_keys(table: Table) -> dict[str, frozenset[str]]:
    """Constraint name → columns of every unique key of ``table`` (its primary key included)."""
    keys = {str(table.primary_key.name): frozenset(table.primary_key.columns.keys())}
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            keys[str(constraint.name)] = frozenset(constraint.columns.keys())
    for index in table.indexes:
        if index.unique:
            keys[str(index.name)] = frozenset(c.name for c in index.columns)
    return keys


def is_unique_violation(err: IntegrityError, table: Table) -> bool:
    """True when ``err`` is a duplicate of one of ``table``'s unique keys (PostgreSQL or SQLite)."""
    orig = err.orig
    keys = _unique_keys(table)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:  # psycopg
        if sqlstate != UNIQUE_VIOLATION:
            return False
        diag = getattr(orig, "diag", None)
        name, table_name = getattr(diag, "constraint_name", None), getattr(diag, "table_name", None)
        return name in keys if name else table_name == table.name
    found = SQLITE_UNIQUE.search(str(orig))
    if found is None:
        return False
    qualified = [c.partition(".") for c in found.group("columns").split(", ")]
    if {t for t, _, _ in qualified} != {table.name}:
        return False
    return frozenset(c for _, _, c in qualified) in keys.values()


def ping(engine: Engine) -> bool:
    """True while the database answers."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the migrations shipped inside the package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(url), revision)
