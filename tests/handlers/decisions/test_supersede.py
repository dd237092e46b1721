"""End to end: `/decision supersede` and a consensus naming `supersedes #<id>` mark the old decision
superseded, linked both ways, once, with a note in the old decision's thread."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot.services.export import export_rows
from storage.models import AuditLog, Decision
from tests import payloads
from tests.fakeslack import FakeSlack
from tests.handlers.proposals.proposal_helpers import flush, make_groups, message_ts, propose, take
from tests.handlers.test_simultaneous_changes import send_together
from tests.harness import FACILITATOR, Harness


def _decisions(accord: Harness) -> list[dict[str, Any]]:
    with accord.rt.session() as session:
        return export_rows(session, kind="decisions", consortium_id="T1")


def _record(accord: Harness, text: str, *, user: str = "U1", channel: str = "C1") -> dict[str, Any]:
    accord.command("/decision", text, user=user, channel=channel)
    return _decisions(accord)[-1]


def _thread_notes(accord: Harness, ts: str) -> list[str]:
    return [FakeSlack.all_text(c) for c in accord.fake.calls_to("chat.postMessage")
            if c.params.get("thread_ts") == ts and "superseded by" in FakeSlack.all_text(c)]


def test_supersede_records_announces_and_links_both_ways(accord: Harness) -> None:
    old = _record(accord, "Meet monthly")
    old_message_ts = _message_ts(accord, old["id"])
    sent = accord.command("/decision", f"supersede #{old['id']} Meet every two weeks", user="U1", channel="C2")
    assert "supersedes decision" in sent.reply_text()
    old_row, new_row = _decisions(accord)
    assert (old_row["status"], old_row["superseded_by"], old_row["supersedes"]) == ("superseded", new_row["id"], None)
    assert (new_row["status"], new_row["supersedes"], new_row["superseded_by"]) == ("active", old["id"], None)
    assert (new_row["text"], new_row["channel_id"], new_row["recorded_by"]) == ("Meet every two weeks", "C2", "U1")
    assert {"review_on", "supersedes", "superseded_by"} <= set(new_row)
    [announcement] = [c for c in accord.fake.calls_to("chat.postMessage") if c.params["channel"] == "C2"]
    text = FakeSlack.all_text(announcement)
    assert f"#{new_row['id']}" in text and "Meet every two weeks" in text
    assert f"Supersedes decision <{old['permalink']}|#{old['id']}>" in text
    [note] = _thread_notes(accord, old_message_ts)
    assert f"Decision #{old['id']} is superseded by decision <{new_row['permalink']}|#{new_row['id']}>" in note
    with accord.rt.session() as session:
        actions = list(session.exec(select(AuditLog.action).where(AuditLog.entity_id == str(old["id"]))))
    assert "decision.supersede" in actions


def test_supersede_refusals_change_nothing(accord: Harness) -> None:
    first = _record(accord, "Meet monthly")
    revoked = _record(accord, "Use the old template")
    accord.command("/decision", f"revoke {revoked['id']}", user="U1")
    posts = len(accord.fake.calls_to("chat.postMessage"))
    cases = [
        ("supersede 999 New text", "U1", "There is no decision #999"),
        (f"supersede {first['id']} New text", "U2", "Only the person who recorded"),
        (f"supersede {revoked['id']} New text", "U1", f"Decision #{revoked['id']} is already revoked"),
        (f"supersede {first['id']}", "U1", "Say what the new decision is"),
        ("supersede abc New text", "U1", "is not a record id"),
        (f"supersede {first['id']} " + "x" * 20_001, "U1", "too long"),
    ]
    for text, user, expected in cases:
        assert expected in accord.command("/decision", text, user=user).reply_text(), text
    assert [(d["status"], d["superseded_by"]) for d in _decisions(accord)] == [("active", None), ("revoked", None)]
    assert len(accord.fake.calls_to("chat.postMessage")) == posts


def test_a_facilitator_supersedes_and_a_superseded_decision_cannot_be_superseded_again(accord: Harness) -> None:
    old = _record(accord, "Meet monthly", user="U1")
    accord.command("/decision", f"supersede {old['id']} Meet weekly", user=FACILITATOR)
    again = accord.command("/decision", f"supersede {old['id']} Meet daily", user=FACILITATOR)
    assert f"Decision #{old['id']} is already superseded" in again.reply_text()
    revoke = accord.command("/decision", f"revoke {old['id']}", user=FACILITATOR)
    assert "already superseded" in revoke.reply_text()
    assert [(d["text"], d["status"]) for d in _decisions(accord)] == [("Meet monthly", "superseded"),
                                                                        ("Meet weekly", "active")]


def test_a_replayed_supersede_records_once(accord: Harness) -> None:
    old = _record(accord, "Meet monthly")
    body, ctype = payloads.slash_command("/decision", f"supersede {old['id']} Meet weekly",
                                         response_url=accord.fake.response_url("again"))
    assert [accord.post(body, ctype).status_code for _ in range(3)] == [200] * 3
    accord.settle()
    assert [d["text"] for d in _decisions(accord)] == ["Meet monthly", "Meet weekly"]
    assert len([c for c in accord.fake.calls_to("chat.postMessage") if "Meet weekly" in FakeSlack.all_text(c)]) == 1


def test_simultaneous_supersedes_record_one_new_decision(accord: Harness) -> None:
    old = _record(accord, "Meet monthly")
    requests = [payloads.slash_command("/decision", f"supersede {old['id']} Option {n}",
                                       response_url=accord.fake.response_url(f"sup{n}")) for n in range(6)]
    assert send_together(accord.url, requests) == [200] * 6
    accord.settle(60)
    rows = _decisions(accord)
    assert len(rows) == 2 and rows[0]["status"] == "superseded" and rows[0]["superseded_by"] == rows[1]["id"]
    answers = [FakeSlack.all_text(c) for c in accord.fake.wait_for(
        "response_url", count=6, where=lambda c: str(c.params["key"]).startswith("sup"), timeout=30)]
    assert sum("already superseded" in a for a in answers) == 5
    assert len(_thread_notes(accord, _message_ts(accord, old["id"]))) == 1


def _message_ts(accord: Harness, decision_id: int) -> str:
    with accord.rt.session() as session:
        row = session.get(Decision, decision_id)
        assert row is not None and row.message_ts
        return row.message_ts


def _consensus(accord: Harness, title: str) -> int:
    make_groups(accord, {"Industry": ["UI1"], "Academia": ["UA1"]})
    proposal_id = propose(accord, title)
    take(accord, proposal_id, "UI1", "agree")
    take(accord, proposal_id, "UA1", "agree")
    accord.command("/propose", f"close {proposal_id}", user="UAUTH")
    flush(accord)
    return proposal_id


def test_a_consensus_naming_supersedes_marks_the_old_decision(accord: Harness) -> None:
    old = _record(accord, "Publish under CC-BY")
    old_ts = _message_ts(accord, old["id"])
    proposal_id = _consensus(accord, f"Publish under CC-BY-SA (supersedes #{old['id']})")
    old_row, new_row = _decisions(accord)
    assert new_row["proposal_id"] == proposal_id
    assert (old_row["status"], old_row["superseded_by"]) == ("superseded", new_row["id"])
    assert new_row["supersedes"] == old["id"]
    [note] = _thread_notes(accord, old_ts)
    assert f"Decision #{old['id']} is superseded by decision" in note and f"#{new_row['id']}" in note
    assert message_ts(accord, proposal_id)


def test_a_consensus_naming_an_unknown_or_revoked_decision_supersedes_nothing(accord: Harness) -> None:
    old = _record(accord, "Publish under CC-BY")
    accord.command("/decision", f"revoke {old['id']}", user="U1")
    _consensus(accord, f"Publish under CC0 (supersedes #{old['id']}, supersedes #999)")
    old_row, new_row = _decisions(accord)
    assert (old_row["status"], old_row["superseded_by"]) == ("revoked", None)
    assert (new_row["status"], new_row["supersedes"]) == ("active", None)
