"""End to end: declared conflicts of interest — by command and by the button's form."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from handlers.shared import ids
from tests.handlers.proposals.proposal_helpers import (
    AUTHOR,
    audit,
    click,
    live_text,
    make_groups,
    positions_of,
    proposals,
    propose,
    take,
)
from tests.harness import START, Harness
from tests.payloads import plain_value


def test_a_conflict_by_command_withdraws_the_position_and_is_shown(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Award the contract to Acme")
    take(accord, pid, "UI1", "block", "Too expensive")
    take(accord, pid, "UA1", "agree")
    take(accord, pid, "UP1", "agree")
    assert "Blocked" in live_text(accord, pid)
    sent = accord.command("/propose", f"conflict #{pid} I advise Acme's board", user="UI1")
    assert "is recorded" in sent.reply_text() and "Your position (block) is withdrawn" in sent.reply_text()
    assert positions_of(accord, pid) == {"UA1": "agree", "UP1": "agree"}
    text = live_text(accord, pid)
    assert "*Conflicts declared*" in text and "<@UI1>: I advise Acme's board" in text
    assert "Too expensive" not in text and "*Not yet heard from:* *Industry*" in text
    refused = click(accord, "agree", pid, user="UI1")
    assert "declared a conflict of interest" in refused.reply_text()
    assert positions_of(accord, pid) == {"UA1": "agree", "UP1": "agree"}
    again = accord.command("/propose", f"conflict {pid} again", user="UI1").reply_text()
    assert "already declared a conflict" in again
    [entry] = audit(accord, "proposal.conflict")
    assert json.loads(entry.detail)["withdrawn"] == "block"


@pytest.mark.parametrize(("text", "error"), [
    ("conflict", "Say which one"),
    ("conflict 1", "Say what the conflict is"),
    ("conflict abc statement", "is not a record id"),
    ("conflict 99 I advise them", "There is no proposal #99"),
])
def test_bad_conflicts_are_refused_and_change_nothing(accord: Harness, text: str, error: str) -> None:
    make_groups(accord)
    propose(accord, "Award the contract")
    reply = accord.command("/propose", text, user="UI1").reply_text()
    assert error in reply
    assert audit(accord, "proposal.conflict") == []


def test_the_declare_a_conflict_button_opens_a_form_that_records_it(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Award the contract")
    take(accord, pid, "UA1", "agree")
    click(accord, "agree", pid, user="UA2")  # a member with no prior position can declare too
    accord.action(ids.DECLARE_CONFLICT, str(pid), user="UA1")
    [opened] = accord.fake.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == ids.CONFLICT_MODAL
    empty = accord.submit(ids.CONFLICT_MODAL, {ids.STATEMENT_BLOCK: {ids.STATEMENT_ACTION: plain_value("  ")}},
                          user="UA1", private_metadata=view["private_metadata"])
    assert empty.response.json()["errors"].keys() == {ids.STATEMENT_BLOCK}
    values = {ids.STATEMENT_BLOCK: {ids.STATEMENT_ACTION: plain_value("My lab <is> a bidder")}}
    for _ in range(2):  # delivered twice: recorded once
        accord.submit(ids.CONFLICT_MODAL, values, user="UA1", private_metadata=view["private_metadata"],
                      view_id="VC1")
    assert positions_of(accord, pid) == {"UA2": "agree"}
    assert "<@UA1>: My lab &lt;is&gt; a bidder" in live_text(accord, pid)
    [row] = proposals(accord)
    assert row["conflicts"] == [{"user_id": "UA1", "organisation": None, "statement": "My lab <is> a bidder",
                                 "declared_at": START.isoformat()}]
    assert len(audit(accord, "proposal.conflict")) == 1


def test_a_conflict_on_a_closed_proposal_is_refused(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Award the contract")
    accord.command("/propose", f"close {pid}", user=AUTHOR).reply_text()
    refused = accord.action(ids.DECLARE_CONFLICT, str(pid), user="UA1")
    assert "is closed" in refused.reply_text()
    assert accord.fake.calls_to("views.open") == []


def test_conflicts_export_names_nobody_on_an_anonymous_proposal(accord: Harness, database_url: str,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    make_groups(accord)
    pid = propose(accord, "Award the contract anonymous")
    accord.command("/propose", f"conflict {pid} I consult for a bidder", user="UP1").reply_text()
    assert "<@UP1>" not in live_text(accord, pid) and "a member: I consult for a bidder" in live_text(accord, pid)
    monkeypatch.setenv("DATABASE_URL", database_url)
    capsys.readouterr()
    assert main(["export", "proposals"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert [c["user_id"] for c in row["conflicts"]] == [None]
    assert main(["export", "proposals", "--with-names"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert [c["user_id"] for c in row["conflicts"]] == ["UP1"]
