"""Members' names as Slack last gave them: one row per member and workspace, refreshed in place, read by consortium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from storage.db import session_scope
from storage.people import get_user_names, save_user_names
from storage.teams import ensure_team

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_names_are_saved_refreshed_and_kept_per_team(engine: Engine) -> None:
    with session_scope(engine) as session:
        for team in ("T1", "T2", "T3"):  # each workspace its own consortium
            ensure_team(session, team_id=team)
        save_user_names(session, team_id="T1", names={"U1": "Lena", "U2": "Marco"}, now=NOW)
        save_user_names(session, team_id="T2", names={"U1": "Someone else"}, now=NOW)
        save_user_names(session, team_id="T1", names={}, now=NOW)
    with session_scope(engine) as session:
        save_user_names(session, team_id="T1", names={"U1": "Lena Fischer"}, now=NOW + timedelta(days=1))
    with session_scope(engine) as session:
        assert get_user_names(session, consortium_id="T1") == {"U1": "Lena Fischer", "U2": "Marco"}
        assert get_user_names(session, consortium_id="T2") == {"U1": "Someone else"}
        assert get_user_names(session, consortium_id="T3") == {}
