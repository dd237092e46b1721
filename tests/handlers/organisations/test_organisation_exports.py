"""Every export record about a person carries their organisation as it was recorded; `accord export groups`."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from tests.handlers.checkins.checkin_helpers import open_modal, prompt_id_of, submit_checkin
from tests.handlers.proposals.proposal_helpers import CLICK, propose
from tests.harness import Harness

FAC = "UFAC"


def _export(kind: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["export", kind, "--format", "json"]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


def test_exports_carry_the_organisation_of_each_person(
    accord: Harness, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    accord.command("/group", "create Academia sector academia", user=FAC)
    accord.command("/group", "create Policy", user=FAC)
    accord.command("/org", "set Univ. Bonn &amp; Partners <@U1>", user=FAC)
    accord.command("/group", "add Academia <@U1> <@U2>", user=FAC)
    accord.command("/group", "add Policy <@U1>", user=FAC)
    accord.command("/commit", "Draft the annex", user="U1")
    proposal_id = propose(accord, "Adopt the charter")
    accord.action(CLICK["agree"], str(proposal_id), user="U1")
    accord.action(CLICK["abstain"], str(proposal_id), user="U2")
    accord.command("/checkin", "now Academia", user=FAC)
    accord.tick()  # the prompts go out
    [prompt] = accord.fake.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == "U1")
    view = open_modal(accord, user="U1", prompt_id=prompt_id_of(prompt))
    submit_checkin(accord, view, user="U1", progress="Survey fielded")
    accord.command("/org", "set WHO <@U1>", user=FAC)  # later: the records keep what was true then

    monkeypatch.setenv("DATABASE_URL", database_url)
    [commitment] = _export("commitments", capsys)
    assert (commitment["owner_id"], commitment["organisation"]) == ("U1", "Univ. Bonn & Partners")
    [proposal] = _export("proposals", capsys)
    assert [(p["user_id"], p["organisation"]) for p in proposal["positions"]] == [  # type: ignore[attr-defined]
        ("U1", "Univ. Bonn & Partners"), ("U2", None)]
    [round_] = _export("checkins", capsys)
    assert [(r["user_id"], r["organisation"]) for r in round_["responses"]] == [  # type: ignore[attr-defined]
        ("U1", "Univ. Bonn & Partners")]
    groups = {g["name"]: g for g in _export("groups", capsys)}
    assert set(groups) == {"Academia", "Policy"}
    assert groups["Academia"]["sector"] == "academia" and groups["Academia"]["team_id"] == "T1"
    assert groups["Academia"]["members"] == [
        {"user_id": "U1", "organisation": "Univ. Bonn & Partners", "primary": True, "observer": False},
        {"user_id": "U2", "organisation": None, "primary": True, "observer": False}]
    assert groups["Policy"]["members"] == [
        {"user_id": "U1", "organisation": "Univ. Bonn & Partners", "primary": False, "observer": False}]
    capsys.readouterr()
    assert main(["export", "groups", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "id,consortium_id,team_id,name,sector,channel_id,timezone,members"
