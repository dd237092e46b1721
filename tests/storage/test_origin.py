"""A channel belongs to the consortium that first records in it; a process remembers whose it is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from storage.db import session_scope
from storage.decisions import insert_decision
from storage.origin import ChannelTaken
from storage.teams import channel_consortium, ensure_team
from tests.statements import statements_run

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class _RolledBack(Exception):
    pass


def _values(consortium_id: str, channel_id: str, text: str) -> dict[str, object]:
    return {"consortium_id": consortium_id, "text": text, "status": "active", "channel_id": channel_id,
            "recorded_by": "U1", "source": "command", "created_at": NOW}


def _decide(engine: Engine, consortium_id: str, channel_id: str, text: str) -> None:
    with session_scope(engine) as session:
        insert_decision(session, **_values(consortium_id, channel_id, text))


def _teams(engine: Engine, *team_ids: str) -> None:
    with session_scope(engine) as session:
        for team_id in team_ids:
            ensure_team(session, team_id=team_id)


def test_a_channel_seen_to_be_the_consortiums_is_not_claimed_again(engine: Engine) -> None:
    _teams(engine, "T1")
    _decide(engine, "T1", "C9", "First")  # claims the channel
    _decide(engine, "T1", "C9", "Second")  # finds it the consortium's already
    with statements_run(engine) as statements:
        _decide(engine, "T1", "C9", "Third")
    assert [s for s in statements if "channel_home" in s] == []
    assert any(s.startswith("INSERT INTO decision") for s in statements)
    with session_scope(engine) as session:
        assert channel_consortium(session, channel_id="C9") == "T1"


def test_another_consortium_still_cannot_record_in_a_remembered_channel(engine: Engine) -> None:
    _teams(engine, "T1", "T2")
    _decide(engine, "T1", "C9", "First")
    _decide(engine, "T1", "C9", "Second")
    with pytest.raises(ChannelTaken):
        _decide(engine, "T2", "C9", "Not theirs")


def test_a_claim_that_was_rolled_back_is_not_remembered(engine: Engine) -> None:
    _teams(engine, "T1", "T2")
    with pytest.raises(_RolledBack), session_scope(engine) as session:
        insert_decision(session, **_values("T1", "C8", "Claims the channel"))
        insert_decision(session, **_values("T1", "C8", "Finds it claimed, by this very transaction"))
        raise _RolledBack
    _decide(engine, "T2", "C8", "The first record that stays")
    with pytest.raises(ChannelTaken):
        _decide(engine, "T1", "C8", "No longer the first")
    with session_scope(engine) as session:
        assert channel_consortium(session, channel_id="C8") == "T2"
