"""Revision 0010 adds a decision's review date and supersession links and keeps every decision."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import make_engine, upgrade

WHEN = "2026-11-01 09:00:00+00:00"


def test_upgrade_keeps_decisions_and_adds_review_and_supersession(blank_database_url: str) -> None:
    upgrade(blank_database_url, "0007_user_names")
    engine = make_engine(blank_database_url, single_use=True)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO consortium (id, name, timezone, created_at) VALUES ('T1', 'C', 'UTC', :w)"),
                         {"w": WHEN})
            for n, status in ((1, "active"), (2, "revoked")):
                conn.execute(text("INSERT INTO decision (id, consortium_id, team_id, text, status, channel_id, "
                                  "recorded_by, source, created_at) VALUES (:n, 'T1', 'T1', :t, :s, 'C1', 'U1', "
                                  "'command', :w)"), {"n": n, "t": f"We agreed {n}", "s": status, "w": WHEN})
        engine.dispose()
        upgrade(blank_database_url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, text, status, review_on, supersedes, superseded_by, "
                                     "review_reminded_on FROM decision ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, "We agreed 1", "active", None, None, None, None),
                                            (2, "We agreed 2", "revoked", None, None, None, None)]
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO decision (id, consortium_id, text, status, channel_id, recorded_by, "
                              "source, created_at, supersedes) VALUES (3, 'T1', 'New', 'active', 'C1', 'U1', "
                              "'command', :w, 1)"), {"w": WHEN})
        # A decision is superseded once: a second decision cannot supersede the same one.
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO decision (id, consortium_id, text, status, channel_id, recorded_by, "
                              "source, created_at, supersedes) VALUES (4, 'T1', 'Other', 'active', 'C1', 'U1', "
                              "'command', :w, 1)"), {"w": WHEN})
    finally:
        engine.dispose()
