"""Revision 0011 adds follow-through to commitments and keeps every existing one as it was."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from storage.db import alembic_config, make_engine, upgrade

WHEN = "2026-11-01 09:00:00+00:00"


def test_upgrade_keeps_existing_commitments_and_arms_none_of_them(blank_database_url: str) -> None:
    upgrade(blank_database_url, "0007_user_names")
    engine = make_engine(blank_database_url, single_use=True)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO consortium (id, name, timezone, created_at) VALUES ('T1', 'C', 'UTC', :w)"),
                         {"w": WHEN})
            conn.execute(text("INSERT INTO decision (id, consortium_id, team_id, text, status, channel_id, "
                              "recorded_by, source, created_at) VALUES (1, 'T1', 'T1', 'We agreed', 'active', 'C1', "
                              "'U1', 'command', :w)"), {"w": WHEN})
            conn.execute(text("INSERT INTO commitment (id, consortium_id, team_id, text, owner_id, due_date, status, "
                              "channel_id, source, created_by, created_at, updated_at) VALUES (1, 'T1', 'T1', "
                              "'Draft the annex', 'U1', '2026-11-20', 'open', 'C1', 'command', 'U1', :w, :w)"),
                         {"w": WHEN})
            conn.execute(text("INSERT INTO commitment_update (id, consortium_id, team_id, commitment_id, user_id, "
                              "old_status, new_status, source, created_at) VALUES (1, 'T1', 'T1', 1, 'U1', 'open', "
                              "'blocked', 'command', :w)"), {"w": WHEN})
        engine.dispose()
        upgrade(blank_database_url)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT text, owner_id, due_date, status, decision_id, due_at, follow_step, "
                                    "follow_at, follow_generation FROM commitment")).one()
            assert row[:4] == ("Draft the annex", "U1", row[2], "open")
            assert str(row[2]) == "2026-11-20"
            # Not armed yet: the scheduler arms it on its first tick (see bot.services.follow_through).
            assert tuple(row[4:]) == (None, None, 0, None, 0)
            assert conn.execute(text("SELECT count(*) FROM calendar_feed")).scalar_one() == 0
    finally:
        engine.dispose()


def test_downgrade_and_upgrade_again_keep_commitments_and_their_history(database_url: str) -> None:
    engine = make_engine(database_url, single_use=True)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO consortium (id, name, timezone, created_at) VALUES ('T1', 'C', 'UTC', :w)"),
                         {"w": WHEN})
            conn.execute(text("INSERT INTO commitment (id, consortium_id, team_id, text, owner_id, status, channel_id, "
                              "source, created_by, created_at, updated_at, follow_step, follow_generation) VALUES "
                              "(1, 'T1', 'T1', 'Draft', 'U1', 'open', 'C1', 'command', 'U1', :w, :w, 1, 2)"),
                         {"w": WHEN})
            conn.execute(text("INSERT INTO commitment_update (id, consortium_id, team_id, commitment_id, user_id, "
                              "old_status, new_status, source, created_at) VALUES (1, 'T1', 'T1', 1, 'U1', 'open', "
                              "'open', 'follow-through', :w)"), {"w": WHEN})
        engine.dispose()
        command.downgrade(alembic_config(database_url), "0010_review")  # to before this revision
        upgrade(database_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT text, follow_step, follow_generation FROM commitment")).one() == (
                "Draft", 0, 0)
            assert conn.execute(text("SELECT count(*) FROM commitment_update")).scalar_one() == 1
    finally:
        engine.dispose()
