"""Revision 0016 keeps one proxy in force per member and keeps every row (SQLite and PostgreSQL).

A database at 0009 where two `/proxy` commands at once left a member with two proxies in force:
after the upgrade the newest stands, the older one ended when the newest began, and no row is lost.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import make_engine, upgrade

WHEN, LATER, GONE = "2026-11-01 09:00:00+00:00", "2026-11-01 09:00:01+00:00", "2026-10-01 09:00:00+00:00"
ROWS = [
    "INSERT INTO consortium (id, name, timezone, created_at) VALUES ('T1', 'One', 'UTC', :w)",
    "INSERT INTO proxy (id, consortium_id, member_id, alternate_id, created_at, revoked_at) "
    "VALUES (1, 'T1', 'U1', 'UOLD', :g, :g)",
    "INSERT INTO proxy (id, consortium_id, member_id, alternate_id, created_at) VALUES (2, 'T1', 'U1', 'UA', :w)",
    "INSERT INTO proxy (id, consortium_id, member_id, alternate_id, created_at) VALUES (3, 'T1', 'U1', 'UB', :l)",
    "INSERT INTO proxy (id, consortium_id, member_id, alternate_id, created_at) VALUES (4, 'T1', 'U2', 'UA', :w)",
]


def test_upgrade_leaves_the_newest_proxy_in_force_and_keeps_every_row(blank_database_url: str) -> None:
    upgrade(blank_database_url, "0009_governance")
    engine = make_engine(blank_database_url, single_use=True)
    try:
        with engine.begin() as conn:
            for row in ROWS:
                conn.execute(text(row), {"w": WHEN, "l": LATER, "g": GONE})
        engine.dispose()
        upgrade(blank_database_url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, alternate_id, revoked_at IS NULL FROM proxy ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(1, "UOLD", False), (2, "UA", False), (3, "UB", True),
                                                (4, "UA", True)]
            ended = conn.execute(text("SELECT revoked_at FROM proxy WHERE id = 2")).scalar()
            assert str(ended).startswith("2026-11-01 09:00:01")  # when the newest began
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO proxy (consortium_id, member_id, alternate_id, created_at) "
                              "VALUES ('T1', 'U2', 'UC', :w)"), {"w": LATER})
    finally:
        engine.dispose()


def test_downgrade_keeps_the_proxies(blank_database_url: str) -> None:
    from alembic import command

    from storage.db import alembic_config

    upgrade(blank_database_url)
    engine = make_engine(blank_database_url, single_use=True)
    try:
        with engine.begin() as conn:
            for row in ROWS[:2]:
                conn.execute(text(row), {"w": WHEN, "g": GONE})
        engine.dispose()
        command.downgrade(alembic_config(blank_database_url), "0009_governance")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT alternate_id FROM proxy")).scalar() == "UOLD"
        engine.dispose()
        upgrade(blank_database_url)
    finally:
        engine.dispose()
