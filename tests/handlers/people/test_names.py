"""Names kept by the bot: people whom records name are looked up once in the background, then exports and the
terminal's digest show their names."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.cli import main
from storage.db import session_scope
from storage.people import get_user_names
from tests.harness import START, Harness

LATER = START + timedelta(seconds=5)


def _export_decisions(database_url: str, monkeypatch: pytest.MonkeyPatch,
                      capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    capsys.readouterr()
    assert main(["export", "decisions"]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


def _lookups(accord: Harness, user: str) -> int:
    return len([c for c in accord.fake.calls_to("users.info", include_failed=True) if c.params.get("user") == user])


def _names(accord: Harness) -> dict[str, str]:
    with session_scope(accord.rt.engine) as session:
        return get_user_names(session, consortium_id="T1")


def test_a_recorder_and_an_owner_are_named_in_exports_and_the_digest_after_one_lookup(
        accord: Harness, database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    accord.fake.users["U1"] = {"profile": {"display_name": "Lena Fischer", "real_name": "Lena F."}}
    accord.fake.users["U2"] = {"profile": {"display_name": "", "real_name": "Marco Rossi"}}
    for text in ("Adopt the glossary", "Meet monthly", "Publish the minutes"):
        accord.command("/decision", text)
    accord.command("/commit", "Draft the annex <@U2|marco> by 2026-11-20")
    accord.settle()
    assert _lookups(accord, "U1") == 0  # nothing asked on the requests' way
    accord.tick(LATER)
    accord.tick(LATER + timedelta(minutes=2))
    accord.tick(LATER + timedelta(days=6))
    assert (_lookups(accord, "U1"), _lookups(accord, "U2")) == (1, 1)
    rows = _export_decisions(database_url, monkeypatch, capsys)
    assert [(r["recorded_by"], r["recorded_by_name"]) for r in rows] == [("U1", "Lena Fischer")] * 3
    assert main(["digest", "--channel", "C1"]) == 0
    digest = capsys.readouterr().out
    assert "@Marco Rossi" in digest and "U2" not in digest


def test_an_old_name_is_asked_again_after_a_week(accord: Harness) -> None:
    accord.command("/decision", "Adopt the glossary")
    accord.settle()
    accord.tick(LATER)
    accord.fake.users["U1"] = {"profile": {"display_name": "Lena (chair)"}}
    accord.tick(LATER + timedelta(days=7, minutes=1))
    assert _lookups(accord, "U1") == 2 and _names(accord)["U1"] == "Lena (chair)"


def test_a_member_slack_will_not_describe_stays_an_id_and_is_asked_again_a_day_later(
        accord: Harness, database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    accord.fake.unknown_users.add("U1")
    accord.command("/decision", "Adopt the glossary")
    accord.command("/commit", "Draft the annex <@U2|marco>")
    accord.settle()
    accord.tick(LATER)
    accord.tick(LATER + timedelta(hours=12))
    assert _lookups(accord, "U1") == 1 and _names(accord) == {"U2": "U2"}  # the others are named all the same
    [row] = _export_decisions(database_url, monkeypatch, capsys)
    assert (row["recorded_by"], row["recorded_by_name"]) == ("U1", None)
    accord.fake.unknown_users.discard("U1")
    accord.tick(LATER + timedelta(days=1, minutes=1))
    assert _lookups(accord, "U1") == 2 and _names(accord)["U1"] == "U1"


def test_a_refusing_workspace_rests_and_nothing_is_noted(accord: Harness) -> None:
    accord.command("/decision", "Adopt the glossary")
    accord.settle()
    accord.fake.fail_next("users.info", error="invalid_auth")
    accord.tick(LATER)
    assert _names(accord) == {} and _lookups(accord, "U1") == 1
    accord.tick(LATER + timedelta(minutes=5))  # the workspace rests
    assert _lookups(accord, "U1") == 1
    accord.tick(LATER + timedelta(minutes=16))
    assert _lookups(accord, "U1") == 2 and _names(accord) == {"U1": "U1"}
