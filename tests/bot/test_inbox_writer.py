"""Requests stored together share one transaction; each waiter learns its own id, or the failure."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from bot.inbox import InboxWriter
from storage.db import make_engine
from storage.models import InboxRequest

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _request(key: str) -> dict[str, object]:
    return {"team_id": "T1", "kind": "command", "key": key, "body": "{}", "token": "tok", "now": NOW,
            "lease_until": NOW + timedelta(seconds=30)}


def _add_together(writer: InboxWriter, keys: list[str]) -> list[int | None]:
    results: list[int | None] = [None] * len(keys)
    start = threading.Barrier(len(keys))

    def add(i: int) -> None:
        start.wait()
        results[i] = writer.add(_request(keys[i]))

    threads = [threading.Thread(target=add, args=(i,)) for i in range(len(keys))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_a_burst_is_stored_in_fewer_commits_and_every_request_gets_its_id(engine: Engine) -> None:
    commits = []
    event.listen(engine, "commit", lambda _conn: commits.append(1))
    writer = InboxWriter(lambda: engine)
    ids = _add_together(writer, [f"cmd:{i}" for i in range(60)])
    assert None not in ids and len(set(ids)) == 60
    with engine.connect() as conn:
        stored = dict(conn.execute(select(InboxRequest.key, InboxRequest.id)).all())  # type: ignore[call-overload]
    assert {stored[f"cmd:{i}"] for i in range(60)} == set(ids)
    assert all(stored[f"cmd:{i}"] == ids[i] for i in range(60))
    assert len(commits) < 60


def test_the_same_key_arriving_twice_is_stored_once(engine: Engine) -> None:
    writer = InboxWriter(lambda: engine)
    ids = _add_together(writer, ["cmd:same"] * 8 + ["cmd:other"])
    assert sum(1 for i in ids[:8] if i is not None) == 1 and ids[8] is not None
    assert writer.add(_request("cmd:same")) is None
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(InboxRequest)).scalar() == 2


def test_every_waiter_hears_that_the_database_is_down() -> None:
    dead = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    writer = InboxWriter(lambda: dead)
    failures = []

    def add(key: str) -> None:
        try:
            writer.add(_request(key))
        except Exception as err:  # noqa: BLE001 - what the waiter is told
            failures.append(type(err).__name__)

    threads = [threading.Thread(target=add, args=(f"cmd:{i}",)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    dead.dispose()
    assert failures == ["OperationalError"] * 5
    with pytest.raises(Exception, match="Connection refused|connection failed"):
        writer.add(_request("cmd:again"))


def test_stopping_lets_what_was_handed_over_commit_and_ends_the_thread(engine: Engine) -> None:
    writer = InboxWriter(lambda: engine)
    assert writer.add(_request("cmd:before")) is not None
    writer.stop()
    assert not any(t.name == "accord-inbox-writer" and t.is_alive() for t in threading.enumerate()
                   if t is writer._thread)
    assert writer.add(_request("cmd:after")) is not None  # a later request starts it again
    writer.stop()
