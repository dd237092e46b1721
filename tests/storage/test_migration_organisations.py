"""Revision 0008 adds organisations and keeps every row it touches (SQLite and PostgreSQL).

A database at revision 0007 is filled through plain SQL with a membership, a position, a
commitment and a check-in answer, then upgraded to head: each row is kept, with no organisation
recorded (none was known then); organisations and members' organisations can be written, and
names are unique per consortium.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import make_engine, upgrade

WHEN = "2026-11-01 09:00:00+00:00"
ROWS = (
    "consortium (id, timezone, created_at) VALUES ('T1', 'UTC', :w)",
    "stakeholder_group (id, consortium_id, name, name_key, timezone, created_by, created_at) "
    "VALUES (1, 'T1', 'Policy', 'policy', 'UTC', 'U1', :w)",
    "group_membership (id, consortium_id, group_id, user_id, joined_at) VALUES (1, 'T1', 1, 'U1', :w)",
    "proposal (id, consortium_id, title, author_id, channel_id, status, closes_at, created_at, version) "
    "VALUES (1, 'T1', 'Adopt', 'U1', 'C1', 'open', :w, :w, 0)",
    "position (id, consortium_id, proposal_id, user_id, group_id, choice, created_at, updated_at) "
    "VALUES (1, 'T1', 1, 'U1', 1, 'agree', :w, :w)",
    "commitment (id, consortium_id, text, owner_id, group_id, status, channel_id, source, created_by, created_at, "
    "updated_at) VALUES (1, 'T1', 'Draft', 'U1', 1, 'open', 'C1', 'command', 'U1', :w, :w)",
    "checkin_round (id, consortium_id, group_id, due_at, trigger, opened_at, remind_at, closes_at, summary_attempts) "
    "VALUES (1, 'T1', 1, :w, 'schedule', :w, :w, :w, 0)",
    "checkin_response (id, consortium_id, round_id, user_id, text, source, responded_at) "
    "VALUES (1, 'T1', 1, 'U1', 'fine', 'modal', :w)",
)
SNAPSHOTS = {"group_membership": "user_id", "position": "choice", "commitment": "text", "checkin_response": "text"}


def test_upgrade_keeps_records_and_adds_organisations(blank_database_url: str) -> None:
    upgrade(blank_database_url, "0007_user_names")
    engine = make_engine(blank_database_url, single_use=True)
    try:
        with engine.begin() as conn:
            for values in ROWS:
                conn.execute(text(f"INSERT INTO {values}"), {"w": WHEN})
        engine.dispose()
        upgrade(blank_database_url)
        with engine.begin() as conn:
            for table, column in SNAPSHOTS.items():
                rows = conn.execute(text(f'SELECT id, {column}, organisation FROM "{table}"')).all()
                assert [tuple(r)[0::2] for r in rows] == [(1, None)], table
            assert conn.execute(text("SELECT text FROM commitment")).scalar() == "Draft"
            conn.execute(text("INSERT INTO organisation (id, consortium_id, name, name_key, created_at) "
                              "VALUES (1, 'T1', 'Univ Bonn', 'univ bonn', :w)"), {"w": WHEN})
            conn.execute(text("INSERT INTO member_organisation (consortium_id, user_id, organisation_id, set_by, "
                              "set_at) VALUES ('T1', 'U1', 1, 'UFAC', :w)"), {"w": WHEN})
        with pytest.raises(IntegrityError), engine.begin() as conn:  # one organisation of a name per consortium
            conn.execute(text("INSERT INTO organisation (id, consortium_id, name, name_key, created_at) "
                              "VALUES (2, 'T1', 'UNIV BONN', 'univ bonn', :w)"), {"w": WHEN})
        with pytest.raises(IntegrityError), engine.begin() as conn:  # one organisation per member
            conn.execute(text("INSERT INTO member_organisation (consortium_id, user_id, organisation_id, set_by, "
                              "set_at) VALUES ('T1', 'U1', 1, 'UFAC', :w)"), {"w": WHEN})
    finally:
        engine.dispose()
