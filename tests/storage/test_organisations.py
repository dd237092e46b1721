"""Organisations and members' organisations: names unique per consortium case-insensitively, one organisation
per member, a workspace's default never replacing one set, roles cleared when members move, names cached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from storage import organisations as store
from storage.db import session_scope
from storage.teams import ensure_team

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_names_are_unique_per_consortium_case_insensitively(engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        ensure_team(session, team_id="T2")
        made = store.add_organisation(session, consortium_id="T1", name="Univ  Bonn", now=NOW, created_by="UFAC")
        assert made is not None and made.name_key == "univ bonn"
        assert store.add_organisation(session, consortium_id="T1", name="UNIV BONN", now=NOW) is None
        assert store.add_organisation(session, consortium_id="T2", name="Univ Bonn", now=NOW) is not None
    with session_scope(engine) as session:
        found = store.get_organisation_by_name(session, consortium_id="T1", name="univ bonn")
        assert found is not None and found.id == made.id
        assert [o.name for o in store.list_organisations(session, consortium_id="T1")] == ["Univ  Bonn"]


def test_a_default_never_replaces_an_organisation_set_and_roles_end_when_members_move(engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        bonn = store.add_organisation(session, consortium_id="T1", name="Univ Bonn", now=NOW)
        acme = store.add_organisation(session, consortium_id="T1", name="ACME", now=NOW, team_id="T2")
        assert bonn is not None and bonn.id and acme is not None and acme.id
        store.set_member_organisation(session, consortium_id="T1", user_id="U1", organisation_id=bonn.id,
                                      set_by="UFAC", now=NOW)
        assert not store.set_default_organisation(session, consortium_id="T1", user_id="U1",
                                                  organisation_id=acme.id, now=NOW)
        assert store.set_default_organisation(session, consortium_id="T1", user_id="U2", organisation_id=acme.id,
                                              now=NOW)
        store.set_role(session, consortium_id="T1", organisation_id=bonn.id, role="representative_user_id",
                       user_id="U1")
        store.set_member_organisation(session, consortium_id="T1", user_id="U1", organisation_id=acme.id,
                                      set_by="UFAC", now=NOW)
        store.clear_roles_of(session, consortium_id="T1", user_ids=["U1"], keep_organisation_id=acme.id)
    with session_scope(engine) as session:
        assert store.organisation_names(session, consortium_id="T1") == {"U1": "ACME", "U2": "ACME"}
        assert store.organisation_ids(session, consortium_id="T1") == {"U1": (acme.id, "UFAC"), "U2": (acme.id, None)}
        again = store.get_organisation(session, consortium_id="T1", organisation_id=bonn.id)
        assert again is not None and again.representative_user_id is None
        assert store.get_organisation(session, consortium_id="T2", organisation_id=bonn.id) is None


def test_workspace_names_are_saved_and_refreshed(engine: Engine) -> None:
    with session_scope(engine) as session:
        store.save_workspace_name(session, team_id="T2", name="ACME", now=NOW)
    with session_scope(engine) as session:
        store.save_workspace_name(session, team_id="T2", name="ACME Corp", now=NOW + timedelta(days=2))
    with session_scope(engine) as session:
        cached = store.get_workspace_name(session, team_id="T2")
        assert cached is not None and (cached.name, cached.updated_at) == ("ACME Corp", NOW + timedelta(days=2))
        assert store.get_workspace_name(session, team_id="T3") is None
