"""Members' names as Slack last gave them: one row per member and workspace, refreshed in place, read by consortium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from storage.db import session_scope
from storage.models import Commitment, Decision
from storage.people import get_user_names, mark_unnamed, save_user_names
from storage.sweeps import list_unnamed_members
from storage.teams import ensure_team, link_workspace

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


def test_a_failed_lookup_reads_as_absent_and_keeps_a_name_known_before(engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        save_user_names(session, team_id="T1", names={"U1": "Lena"}, now=NOW)
        mark_unnamed(session, team_id="T1", user_ids=["U1", "U2"], now=NOW + timedelta(days=8))
    with session_scope(engine) as session:
        assert get_user_names(session, consortium_id="T1") == {"U1": "Lena"}


def test_the_sweep_finds_people_of_old_records_and_files_them_under_a_workspace_of_their_consortium(
        engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        link_workspace(session, workspace_id="T2", consortium_id="T1")
        ensure_team(session, team_id="T9")
        for team, who in (("T1", "U1"), ("T2", "U2"), ("TEXTERNAL", "U3"), (None, "U4"), ("T1", "U1")):
            session.add(Decision(consortium_id="T1", team_id=team, text="x", channel_id="C1", recorded_by=who))
        session.add(Commitment(consortium_id="T9", team_id="T9", text="y", owner_id="U5", channel_id="C9",
                               created_by="U5"))
        save_user_names(session, team_id="T2", names={"U4": "Known"}, now=NOW)
    since = {"named_since": NOW - timedelta(days=7), "tried_since": NOW - timedelta(days=1)}
    with session_scope(engine) as session:
        assert list_unnamed_members(session, **since) == [
            ("T1", "T1", "U1"), ("T1", "T2", "U2"), ("T1", "T1", "U3"), ("T9", "T9", "U5")]
        assert list_unnamed_members(session, **since, skip_workspaces={"T1"}, limit=1) == [("T1", "T2", "U2")]
        mark_unnamed(session, team_id="T1", user_ids=["U1"], now=NOW)
    later = {"named_since": NOW + timedelta(days=1), "tried_since": NOW + timedelta(days=1)}
    with session_scope(engine) as session:
        assert ("T1", "T1", "U1") not in list_unnamed_members(session, **since)
        assert ("T1", "T1", "U4") in list_unnamed_members(session, **later)  # an old name is asked again
