"""Two real `accord serve` processes on one PostgreSQL database, hit by simultaneous requests.

Twenty Done clicks on one commitment, twenty `/commit done` of another and twenty
`/decision revoke` of one decision arrive at once, spread over both processes: each record
changes once, with one history row, and is announced once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from storage.db import make_engine, session_scope
from storage.models import AuditLog, Commitment, CommitmentUpdate, Decision
from storage.teams import ensure_team
from tests.factories import make_commitments
from tests.fakeslack import FakeSlack
from tests.handlers.test_simultaneous_changes import BURST, commands, home_done_clicks, posts_containing, send_together
from tests.harness import FACILITATOR, serve_env
from tests.processes import Serve


def test_two_processes_change_each_record_once(tmp_path: Path, fake_slack: FakeSlack, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("two processes racing on one database: the PostgreSQL case")
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            ensure_team(session, team_id="T1")
            clicked, commanded = make_commitments(session, owner_id="U1", count=2, text="Draft the annex")
            decision = Decision(consortium_id="T1", text="Meet monthly", channel_id="C1", recorded_by="U1",
                                created_at=datetime.now(UTC))
            session.add(decision)
            session.flush()
            ids = (clicked.id, commanded.id, decision.id)
        clicked_id, commanded_id, decision_id = ids
        assert clicked_id and commanded_id and decision_id
        env = serve_env(fake_slack, database_url)
        pair = [Serve("serve-a", tmp_path, env), Serve("serve-b", tmp_path, env)]
        try:
            for p in pair:
                p.wait_healthy()
            bursts = [
                home_done_clicks(clicked_id, user="U1"),
                commands(fake_slack, "/commit", f"done {commanded_id}", user="U1", prefix="done"),
                commands(fake_slack, "/decision", f"revoke {decision_id}", user=FACILITATOR, prefix="revoke"),
            ]
            requests = [r for burst in bursts for r in burst]
            halves = [requests[0::2], requests[1::2]]  # every other request to the other process
            with ThreadPoolExecutor(2) as pool:
                statuses = list(pool.map(send_together, [p.url for p in pair], halves))
            assert statuses == [[200] * len(h) for h in halves]
            # Every request answers after its posts: once all have answered, every post was made.
            fake_slack.wait_for("views.publish", count=BURST, timeout=60)
            fake_slack.wait_for("response_url", count=2 * BURST, timeout=60)
            for p in pair:
                assert p.stop() == 0, p.output()
        finally:
            for p in pair:
                if p.proc.poll() is None:
                    p.proc.kill()
                    p.proc.wait()
        with session_scope(engine) as session:
            for commitment_id in (clicked_id, commanded_id):
                row = session.get(Commitment, commitment_id)
                assert row is not None and row.status == "done"
                updates = session.exec(select(CommitmentUpdate).where(CommitmentUpdate.commitment_id == commitment_id))
                assert [(u.old_status, u.new_status) for u in updates] == [("open", "done")]
            revoked = session.get(Decision, decision_id)
            assert revoked is not None and revoked.status == "revoked"
            audit = sorted(session.exec(select(AuditLog.action)))
        assert audit == ["commitment.done", "commitment.done", "decision.revoke"]
        for text in (f"Commitment #{clicked_id} marked done", f"Commitment #{commanded_id} marked done",
                     f"Decision #{decision_id} was revoked"):
            assert len(posts_containing(fake_slack, text)) == 1, text
    finally:
        engine.dispose()
