"""Leasing outbox and inbox rows: a claim takes at most its limit, and two claimers never share a row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from storage import inbox, outbox
from storage.db import session_scope
from storage.teams import ensure_team

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ROWS = 60


def test_an_outbox_claim_takes_at_most_its_limit(engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        outbox.enqueue_many(session, now=NOW, rows=[
            {"team_id": "T1", "kind": "k", "key": f"k{i}", "ref": {}} for i in range(ROWS)])
    taken: list[int] = []
    for n, limit in enumerate([2, 2, 5, 1]):
        with session_scope(engine) as session:
            rows = outbox.claim(session, now=NOW, token=f"t{n}", lease_until=NOW + timedelta(minutes=1), limit=limit)
        assert len(rows) == limit
        taken += [r.id for r in rows]
    assert len(set(taken)) == len(taken) == 10


def test_an_inbox_claim_takes_at_most_its_limit(engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
    with engine.begin() as conn:
        inbox.add_requests(conn, [{"team_id": "T1", "kind": "command", "key": f"cmd:{i}", "body": "{}",
                                   "token": "born", "now": NOW, "lease_until": NOW} for i in range(ROWS)])
    taken: list[int] = []
    for n, limit in enumerate([3, 3, 7]):
        with session_scope(engine) as session:
            rows = inbox.claim_stale(session, now=NOW + timedelta(seconds=1), token=f"t{n}",
                                     lease_until=NOW + timedelta(minutes=1), limit=limit)
        assert len(rows) == limit
        taken += [r.id for r in rows]
    assert len(set(taken)) == len(taken) == 13
