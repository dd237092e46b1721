"""One proxy in force per member, even when two `/proxy` commands of one member run at once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.services.proxies import current_proxy, set_proxy
from storage.db import session_scope
from storage.models import Proxy
from storage.teams import ensure_team

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _blocked(engine: Engine, pid: int | None, done: threading.Event) -> bool:
    """Whether the other request is done or waits on a lock. SQLite runs one writing transaction at a
    time: the other request waits for the first to commit before it reads anything."""
    if done.is_set() or engine.dialect.name != "postgresql":
        return True
    if pid is None:
        return False
    with engine.connect() as conn:
        return conn.execute(text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
                            {"pid": pid}).scalar() is True


def test_two_proxies_set_at_once_leave_one_in_force(engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
    first = Session(engine, expire_on_commit=False)
    set_proxy(first, consortium_id="T1", member_id="U1", alternate_id="UA", now=NOW, today=NOW.date())
    # The first request has inserted its proxy, not committed. A second one for the same member now:
    pid: list[int | None] = [None]
    done, errors = threading.Event(), []

    def second() -> None:
        try:
            with session_scope(engine) as session:
                if engine.dialect.name == "postgresql":
                    pid[0] = session.execute(text("SELECT pg_backend_pid()")).scalar()
                set_proxy(session, consortium_id="T1", member_id="U1", alternate_id="UB", now=NOW,
                          today=NOW.date())
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)
        finally:
            done.set()

    thread = threading.Thread(target=second)
    thread.start()
    deadline = time.monotonic() + 10
    while not _blocked(engine, pid[0], done) and time.monotonic() < deadline:
        done.wait(0.05)
    first.commit()
    first.close()
    thread.join(15)
    assert not thread.is_alive() and errors == []
    with session_scope(engine) as session:
        in_force = list(session.exec(select(Proxy).where(col(Proxy.revoked_at).is_(None))))
        assert [p.alternate_id for p in in_force] == ["UB"]  # the later replaced the earlier
        assert len(list(session.exec(select(Proxy)))) == 2
        found = current_proxy(session, consortium_id="T1", member_id="U1", today=NOW.date())
        assert found is not None and found.alternate_id == "UB"
