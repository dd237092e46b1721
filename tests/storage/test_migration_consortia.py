"""Revision 0006 turns each workspace into one consortium and loses nothing (SQLite and PostgreSQL).

A database at revision 0005, as today's release leaves it, is filled through plain SQL with rows
of every table for two workspaces T1 and T2, then upgraded to head: every row is kept, under
consortium T1 or T2, with ``team_id`` saying the workspace it came from.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from storage.db import make_engine, upgrade

WHEN = "2026-11-01 09:00:00+00:00"
DOMAIN = (
    "facilitator", "stakeholder_group", "group_membership", "proposal", "proposal_group", "position",
    "decision", "commitment", "commitment_update", "checkin_round", "checkin_prompt", "checkin_response",
    "digest_schedule", "digest_run", "audit_log",
)
# One row per workspace of every table, in an order that satisfies the foreign keys; ``:n`` is the
# row id (1 for T1, 2 for T2) and ``:t`` the workspace.
ROWS = {
    "team": "(id, name, timezone, created_at) VALUES (:t, :name, 'Europe/Paris', :w)",
    "facilitator": "(id, team_id, user_id, added_by, created_at) VALUES (:n, :t, 'U1', 'U0', :w)",
    "stakeholder_group": "(id, team_id, name, name_key, timezone, created_by, created_at) "
                         "VALUES (:n, :t, 'Policy', 'policy', 'UTC', 'U1', :w)",
    "group_membership": "(id, team_id, group_id, user_id, joined_at) VALUES (:n, :t, :n, 'U1', :w)",
    "proposal": "(id, team_id, title, author_id, channel_id, status, closes_at, created_at, version) "
                "VALUES (:n, :t, 'Adopt', 'U1', 'C1', 'open', :w, :w, 0)",
    "proposal_group": "(id, team_id, proposal_id, group_id) VALUES (:n, :t, :n, :n)",
    "position": "(id, team_id, proposal_id, user_id, group_id, choice, created_at, updated_at) "
                "VALUES (:n, :t, :n, 'U1', :n, 'agree', :w, :w)",
    "decision": "(id, team_id, text, status, channel_id, recorded_by, source, created_at) "
                "VALUES (:n, :t, 'We agreed', 'active', 'C1', 'U1', 'command', :w)",
    "commitment": "(id, team_id, text, owner_id, group_id, status, channel_id, source, created_by, created_at, "
                  "updated_at) VALUES (:n, :t, 'Draft', 'U1', :n, 'open', 'C1', 'command', 'U1', :w, :w)",
    "checkin_round": "(id, team_id, group_id, due_at, trigger, opened_at, remind_at, closes_at, summary_attempts) "
                     "VALUES (:n, :t, :n, :w, 'schedule', :w, :w, :w, 0)",
    "commitment_update": "(id, team_id, commitment_id, user_id, old_status, new_status, source, checkin_round_id, "
                         "created_at) VALUES (:n, :t, :n, 'U1', 'open', 'done', 'command', :n, :w)",
    "checkin_prompt": "(id, team_id, round_id, user_id, status, attempts) VALUES (:n, :t, :n, 'U1', 'sent', 1)",
    "checkin_response": "(id, team_id, round_id, user_id, text, source, responded_at) "
                        "VALUES (:n, :t, :n, 'U1', 'fine', 'modal', :w)",
    "digest_schedule": "(id, team_id, channel_id, days, time, timezone, created_by, updated_at) "
                       "VALUES (:n, :t, 'C1', 'mon', '09:00', 'UTC', 'U1', :w)",
    "digest_run": "(id, team_id, channel_id, run_key, trigger, period_start, period_end, status, attempts, "
                  "created_at) VALUES (:n, :t, 'C1', 'k', 'schedule', :w, :w, 'posted', 1, :w)",
    "audit_log": "(id, team_id, actor_id, action, entity, entity_id, created_at) "
                 "VALUES (:n, :t, 'U1', 'decision.record', 'decision', '1', :w)",
    "processed_event": "(team_id, key, created_at) VALUES (:t, 'event:Ev1', :w)",
    "inbox": "(id, team_id, kind, key, body, state, attempts, received_at) "
             "VALUES (:n, :t, 'event', :t, '{}', 'done', 1, :w)",
    "outbox": "(id, team_id, kind, key, ref, state, generation, attempts, next_attempt_at, created_at) "
              "VALUES (:n, :t, 'message', :t, '{}', 'sent', 0, 1, :w, :w)",
}


def _fill(engine: Engine) -> None:
    with engine.begin() as conn:
        for n, team in ((1, "T1"), (2, "T2")):
            for table, values in ROWS.items():
                conn.execute(text(f'INSERT INTO "{table}" {values}'),
                             {"n": n, "t": team, "w": WHEN, "name": f"Workspace {team}"})


def test_upgrade_keeps_every_record_under_its_workspace_consortium(blank_database_url: str) -> None:
    upgrade(blank_database_url, "0005_digest_indexes")
    engine = make_engine(blank_database_url, single_use=True)
    try:
        _fill(engine)
        engine.dispose()
        upgrade(blank_database_url)
        with engine.connect() as conn:
            consortia = conn.execute(text("SELECT id, name, timezone FROM consortium ORDER BY id")).all()
            assert [tuple(r) for r in consortia] == [("T1", "Workspace T1", "Europe/Paris"),
                                                     ("T2", "Workspace T2", "Europe/Paris")]
            workspaces = conn.execute(text(
                "SELECT id, consortium_id, name, is_enterprise_install FROM workspace ORDER BY id")).all()
            assert [tuple(r) for r in workspaces] == [("T1", "T1", "Workspace T1", False),
                                                      ("T2", "T2", "Workspace T2", False)]
            for table in DOMAIN:
                rows = conn.execute(text(f'SELECT id, consortium_id, team_id FROM "{table}" ORDER BY id')).all()
                assert [tuple(r) for r in rows] == [(1, "T1", "T1"), (2, "T2", "T2")], table
            for table in ("inbox", "outbox"):
                rows = conn.execute(text(f'SELECT id, team_id FROM "{table}" ORDER BY id')).all()
                assert [tuple(r) for r in rows] == [(1, "T1"), (2, "T2")], table
            events = conn.execute(text("SELECT team_id, key FROM processed_event ORDER BY team_id")).all()
            assert [tuple(r) for r in events] == [("T1", "event:Ev1"), ("T2", "event:Ev1")]
            assert conn.execute(text("SELECT count(*) FROM channel_home")).scalar() == 0
        # The keys hold on the renamed column: one group of a name per consortium.
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO stakeholder_group (id, consortium_id, name, name_key, timezone, "
                              "created_by, created_at) VALUES (3, 'T1', 'Policy', 'policy', 'UTC', 'U1', :w)"),
                         {"w": WHEN})
    finally:
        engine.dispose()
