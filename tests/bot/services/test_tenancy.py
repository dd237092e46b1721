"""A request's consortium: by its channel, then its installation, then (DMs, App Home) the user's memberships."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.services import ServiceError
from bot.services.tenancy import Origin, resolve_consortium
from storage.db import session_scope
from storage.models import GroupMembership, StakeholderGroup, Workspace
from storage.origin import ChannelTaken, claim_for
from storage.teams import ensure_team, list_consortium_ids


def _resolve(engine: Engine, *, single_token: bool = False, **origin: object) -> str:
    with session_scope(engine) as session:
        return resolve_consortium(session, Origin(**origin), single_token=single_token)  # type: ignore[arg-type]


def test_a_channel_belongs_to_the_consortium_that_first_recorded_in_it(engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        ensure_team(session, team_id="T2")
        claim_for(session, consortium_id="T1", channel_id="C0SHARED")
    with pytest.raises(ChannelTaken), session_scope(engine) as session:
        claim_for(session, consortium_id="T2", channel_id="C0SHARED")
    assert _resolve(engine, team_id="T2", channel_id="C0SHARED") == "T1"  # a shared channel stays T1's
    assert _resolve(engine, team_id="T2", channel_id="C2") == "T2"  # elsewhere, T2's installation decides


def test_an_org_wide_install_is_found_by_its_enterprise_id(engine: Engine) -> None:
    for team in ("TA", "TB", None):
        assert _resolve(engine, team_id=team, enterprise_id="E1", is_enterprise_install=True, channel_id="C1") == "E1"
    with session_scope(engine) as session:
        assert [(w.id, w.consortium_id, w.is_enterprise_install) for w in session.exec(select(Workspace))] == [
            ("E1", "E1", True)]


def test_direct_messages_of_an_unknown_installation_follow_the_users_memberships(engine: Engine) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        group = StakeholderGroup(consortium_id="T1", name="Policy", name_key="policy", created_by="U0")
        session.add(group)
        session.flush()
        session.add(GroupMembership(consortium_id="T1", group_id=group.id or 0, user_id="UEXT"))
    assert _resolve(engine, team_id="T9", channel_id="D1", user_id="UEXT") == "T1"
    assert _resolve(engine, team_id="T9", channel_id=None, user_id="UEXT") == "T1"  # App Home


def test_with_a_single_token_every_workspace_belongs_to_the_one_consortium(engine: Engine) -> None:
    assert _resolve(engine, single_token=True, team_id="T1", channel_id="C1") == "T1"
    assert _resolve(engine, single_token=True, team_id="T2", channel_id="C2") == "T1"
    with session_scope(engine) as session:
        assert list_consortium_ids(session) == ["T1"]
        assert sorted((w.id, w.consortium_id) for w in session.exec(select(Workspace))) == [("T1", "T1"), ("T2", "T1")]


def test_under_oauth_an_unknown_installation_gets_a_consortium_of_its_own(engine: Engine) -> None:
    assert _resolve(engine, team_id="T1", channel_id="C1") == "T1"
    assert _resolve(engine, team_id="T2", channel_id="C2") == "T2"
    with session_scope(engine) as session:
        assert list_consortium_ids(session) == ["T1", "T2"]


def test_a_request_without_a_workspace_is_refused(engine: Engine) -> None:
    with pytest.raises(ServiceError):
        _resolve(engine, channel_id="C1")


def test_a_workspace_no_installation_linked_yet_cannot_be_joined_by_whoever_holds_a_code(engine: Engine) -> None:
    from datetime import UTC, datetime

    from bot.config import Settings
    from bot.services import Forbidden
    from bot.services.tenancy import create_invite, join_with_code

    settings, now = Settings(facilitators=frozenset({"UFAC"})), datetime(2026, 12, 1, tzinfo=UTC)
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        code, _ = create_invite(session, settings=settings, consortium_id="T1", user_id="UFAC", now=now)
    with session_scope(engine) as session, pytest.raises(Forbidden):
        join_with_code(session, settings=settings, code=code, origin=Origin(team_id="T9", user_id="USTRANGER"), now=now)
    with session_scope(engine) as session:
        assert session.get(Workspace, "T9") is None
