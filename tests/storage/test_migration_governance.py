"""Revision 0009 adds governance to proposals and keeps every existing row (SQLite and PostgreSQL).

A database at 0007 holds a proposal, a membership and a position; after the upgrade they are all
there, the proposal counts per member with no cap, open and named, and the member is no observer.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from storage.db import make_engine, upgrade

WHEN = "2026-11-01 09:00:00+00:00"
ROWS = [
    "INSERT INTO consortium (id, name, timezone, created_at) VALUES ('T1', 'One', 'UTC', :w)",
    "INSERT INTO stakeholder_group (id, consortium_id, team_id, name, name_key, timezone, created_by, created_at) "
    "VALUES (1, 'T1', 'T1', 'Policy', 'policy', 'UTC', 'U1', :w)",
    "INSERT INTO group_membership (id, consortium_id, team_id, group_id, user_id, joined_at) "
    "VALUES (1, 'T1', 'T1', 1, 'U1', :w)",
    "INSERT INTO proposal (id, consortium_id, team_id, title, author_id, channel_id, status, closes_at, created_at, "
    "version) VALUES (1, 'T1', 'T1', 'Adopt', 'U1', 'C1', 'open', :w, :w, 3)",
    "INSERT INTO position (id, consortium_id, team_id, proposal_id, user_id, group_id, choice, created_at, "
    "updated_at) VALUES (1, 'T1', 'T1', 1, 'U1', 1, 'agree', :w, :w)",
]


def _upgraded_from_0007(url: str) -> Engine:
    """The rows above written at 0007, then the database upgraded to the newest revision."""
    upgrade(url, "0007_user_names")
    engine = make_engine(url, single_use=True)
    with engine.begin() as conn:
        for row in ROWS:
            conn.execute(text(row), {"w": WHEN})
    engine.dispose()
    upgrade(url)
    return engine


def test_upgrade_keeps_proposals_members_and_positions(blank_database_url: str) -> None:
    engine = _upgraded_from_0007(blank_database_url)
    try:
        with engine.connect() as conn:
            proposal = conn.execute(text(
                "SELECT title, version, counting, cap, hidden, anonymous FROM proposal")).one()
            assert tuple(proposal) == ("Adopt", 3, "member", None, False, False)
            assert tuple(conn.execute(text("SELECT user_id, observer FROM group_membership")).one()) == ("U1", False)
            assert tuple(conn.execute(text("SELECT user_id, choice, proxy_by FROM position")).one()) == (
                "U1", "agree", None)
            assert conn.execute(text("SELECT count(*) FROM proxy")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM proposal_conflict")).scalar() == 0
    finally:
        engine.dispose()


def test_downgrade_keeps_proposals_and_positions(blank_database_url: str) -> None:
    from alembic import command

    from storage.db import alembic_config

    engine = _upgraded_from_0007(blank_database_url)
    try:
        command.downgrade(alembic_config(blank_database_url), "0011_follow_through")  # to before this revision
        with engine.connect() as conn:
            assert tuple(conn.execute(text("SELECT title, version FROM proposal")).one()) == ("Adopt", 3)
            assert tuple(conn.execute(text("SELECT user_id, choice FROM position")).one()) == ("U1", "agree")
        engine.dispose()
        upgrade(blank_database_url)
    finally:
        engine.dispose()
