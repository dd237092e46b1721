"""Follow-through: one reminder before the due date in the owner's zone, then escalations, each once."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.clock import FakeClock
from handlers.shared import ids
from storage.commitments import list_updates
from storage.models import Commitment
from storage.teams import add_facilitator, ensure_team
from tests.factories import make_group
from tests.fakeslack import FakeSlack
from tests.harness import FACILITATOR, START, Harness, start_harness

DUE = date(2026, 11, 28)
# 09:00 of the due date in Kolkata (UTC+05:30) is 03:30 UTC; the reminder one day before.
DUE_AT = datetime(2026, 11, 28, 3, 30, tzinfo=UTC)


def _commit(accord: Harness, text: str, *, user: str = "U1") -> int:
    accord.command("/commit", text, user=user)
    announcement = accord.fake.calls_to("chat.postMessage")[-1]
    match = re.search(r"Commitment #(\d+)", FakeSlack.all_text(announcement))
    assert match and announcement.params["channel"] == "C1"
    return int(match.group(1))


def _dms(accord: Harness, user: str) -> list[Any]:
    return [c for c in accord.fake.calls_to("chat.postMessage") if c.params.get("channel") == user]


def _reminders(accord: Harness, user: str = "U1") -> list[Any]:
    return [d for d in _dms(accord, user) if d.params["text"].startswith("Reminder:")]


def _history(accord: Harness, commitment_id: int) -> list[str]:
    with accord.rt.session() as session:
        return [u.note or "" for u in list_updates(session, consortium_id="T1", commitment_id=commitment_id)]


def _kolkata_owner(accord: Harness, user: str = "U1") -> None:
    with accord.rt.session() as session:
        make_group(session, name="Academia", members=[user], timezone="Asia/Kolkata")


def _buttons(call: Any) -> list[str]:
    return [e["action_id"] for b in call.params.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def test_one_reminder_before_nine_on_the_due_date_in_the_owners_zone(accord: Harness) -> None:
    _kolkata_owner(accord)
    cid = _commit(accord, "Draft the annex by 2026-11-28")
    accord.tick(DUE_AT - timedelta(days=1, minutes=1))
    assert _dms(accord, "U1") == []
    accord.tick(DUE_AT - timedelta(days=1) + timedelta(minutes=1))
    [dm] = _dms(accord, "U1")
    assert f"#{cid}" in FakeSlack.all_text(dm) and "Sat 28 Nov 2026" in FakeSlack.all_text(dm)
    assert _buttons(dm) == [ids.COMMITMENT_DONE, ids.COMMITMENT_BLOCKED, ids.COMMITMENT_NEW_DATE]
    accord.tick(DUE_AT - timedelta(hours=2))
    accord.tick(DUE_AT + timedelta(hours=1))
    assert len(_dms(accord, "U1")) == 1
    assert [n for n in _history(accord, cid) if n.startswith("Reminder sent")] == [
        "Reminder sent to <@U1> before the due date"]


def test_a_commitment_recorded_after_its_reminder_moment_is_reminded_at_once(accord: Harness) -> None:
    cid = _commit(accord, "Send the minutes by 2026-11-25")  # today, 09:00 UTC: the reminder moment has passed
    accord.tick(START + timedelta(seconds=5))
    [dm] = _dms(accord, "U1")
    assert f"#{cid}" in FakeSlack.all_text(dm)


def test_escalation_skips_the_missing_focal_point_then_tells_each_facilitator_once(accord: Harness) -> None:
    with accord.rt.session() as session:
        ensure_team(session, team_id="T1")
        add_facilitator(session, consortium_id="T1", user_id="UFAC2", added_by=FACILITATOR)
    _kolkata_owner(accord)
    cid = _commit(accord, "Draft the annex by 2026-11-28")
    accord.tick(DUE_AT - timedelta(hours=1))
    accord.tick(DUE_AT + timedelta(days=3) - timedelta(minutes=1))
    assert not any(n.startswith("Escalation") for n in _history(accord, cid))
    accord.tick(DUE_AT + timedelta(days=3, minutes=1))
    assert "Escalation to the organisation's focal point skipped: the owner's organisation has none" in _history(
        accord, cid)
    assert _dms(accord, FACILITATOR) == []
    accord.tick(DUE_AT + timedelta(days=6) - timedelta(minutes=1))
    assert _dms(accord, FACILITATOR) == []
    accord.tick(DUE_AT + timedelta(days=6, minutes=1))
    accord.tick(DUE_AT + timedelta(days=9))
    [to_fac] = _dms(accord, FACILITATOR)
    [to_fac2] = _dms(accord, "UFAC2")
    assert "6 days past its due date" in FakeSlack.all_text(to_fac) and "<@U1>" in FakeSlack.all_text(to_fac2)
    assert _history(accord, cid).count("Escalated to the facilitators") == 1
    assert len(_dms(accord, "U1")) == 1  # the owner's one reminder


def test_a_done_commitment_is_not_chased(accord: Harness) -> None:
    cid = _commit(accord, "Book the room by 2026-11-28")
    accord.command("/commit", f"done {cid}")
    accord.tick(datetime(2026, 12, 20, tzinfo=UTC))
    assert _dms(accord, "U1") == [] and _dms(accord, FACILITATOR) == []
    assert not any("Reminder" in n or "Escalat" in n for n in _history(accord, cid))


def test_done_from_the_reminder_marks_it_done_and_stops_the_escalation(accord: Harness) -> None:
    cid = _commit(accord, "Circulate the draft by 2026-11-26")
    accord.tick(START + timedelta(minutes=1))
    [dm] = _dms(accord, "U1")
    sent = accord.action(ids.COMMITMENT_DONE, str(cid), user="U1", channel="DU1")
    assert f"Commitment #{cid} marked done" in sent.reply_text()
    again = accord.action(ids.COMMITMENT_DONE, str(cid), user="U1", channel="DU1")
    assert "already done" in again.reply_text()
    stranger = accord.action(ids.COMMITMENT_DONE, str(cid), user="U9", channel="DU9")
    assert "Only the owner" in stranger.reply_text()
    accord.tick(datetime(2026, 12, 20, tzinfo=UTC))
    assert _dms(accord, FACILITATOR) == []
    with accord.rt.session() as session:
        assert session.get(Commitment, cid).status == "done"  # type: ignore[union-attr]


def test_blocked_from_the_reminder_asks_why_and_records_it(accord: Harness) -> None:
    cid = _commit(accord, "Circulate the draft by 2026-11-26")
    accord.tick(START + timedelta(minutes=1))
    accord.action(ids.COMMITMENT_BLOCKED, str(cid), user="U1", channel="DU1")
    [opened] = accord.fake.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == ids.COMMITMENT_BLOCK_MODAL
    accord.submit(ids.COMMITMENT_BLOCK_MODAL, {ids.COMMITMENT_REASON_BLOCK: {ids.COMMITMENT_REASON_ACTION: {
        "type": "plain_text_input", "value": "waiting for <legal>"}}}, user="U1", private_metadata=str(cid))
    with accord.rt.session() as session:
        assert session.get(Commitment, cid).status == "blocked"  # type: ignore[union-attr]
    assert "waiting for &lt;legal&gt;" in _history(accord, cid)


def _new_date(accord: Harness, cid: int, when: str, *, user: str = "U1", view_id: str | None = None) -> None:
    accord.submit(ids.COMMITMENT_DUE_MODAL, {ids.DUE_BLOCK: {ids.DUE_ACTION: {"type": "datepicker",
                                                                           "selected_date": when}}},
                  user=user, private_metadata=str(cid), view_id=view_id)


def test_a_new_date_rearms_the_reminder_for_that_date(accord: Harness) -> None:
    cid = _commit(accord, "Circulate the draft by 2026-11-26")
    accord.tick(START + timedelta(minutes=1))
    assert len(_dms(accord, "U1")) == 1
    accord.action(ids.COMMITMENT_NEW_DATE, str(cid), user="U1", channel="DU1")
    [opened] = accord.fake.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == ids.COMMITMENT_DUE_MODAL
    for _ in range(2):  # Slack delivering the submission twice moves it once
        _new_date(accord, cid, "2026-12-10", view_id="VDUE1")
    assert [n for n in _history(accord, cid) if n.startswith("Due date")] == [
        "Due date moved from 2026-11-26 to 2026-12-10"]
    assert len([d for d in _dms(accord, "U1") if "is now due" in FakeSlack.all_text(d)]) == 1
    assert "is now due Thu 10 Dec 2026" in FakeSlack.all_text(_dms(accord, "U1")[-1])
    accord.tick(datetime(2026, 12, 9, 8, 59, tzinfo=UTC))  # the old date's escalations are gone…
    assert len(_reminders(accord)) == 1 and _dms(accord, FACILITATOR) == []
    accord.tick(datetime(2026, 12, 9, 9, 1, tzinfo=UTC))  # …and the new date has its reminder
    reminders = _reminders(accord)
    assert len(reminders) == 2 and "Thu 10 Dec 2026" in FakeSlack.all_text(reminders[-1])
    _new_date(accord, cid, "not a date")
    with accord.rt.session() as session:
        assert session.get(Commitment, cid).due_date == date(2026, 12, 10)  # type: ignore[union-attr]


def test_only_the_owner_or_a_facilitator_moves_the_date(accord: Harness) -> None:
    cid = _commit(accord, "Circulate the draft by 2026-11-26")
    _new_date(accord, cid, "2026-12-10", user="U9")
    assert "Only the owner" in FakeSlack.all_text(_dms(accord, "U9")[-1])
    with accord.rt.session() as session:
        assert session.get(Commitment, cid).due_date == date(2026, 11, 26)  # type: ignore[union-attr]


def test_each_step_is_taken_once_by_two_processes_and_after_a_restart(accord: Harness, fake_slack: FakeSlack,
                                                                       database_url: str) -> None:
    cids = [_commit(accord, f"Task {i} by 2026-11-26") for i in range(3)]
    other = start_harness(fake_slack, database_url, clock=FakeClock(START))
    try:
        when = START + timedelta(minutes=1)
        ticks = [threading.Thread(target=h.tick, args=(when,)) for h in (accord, other)]
        for t in ticks:  # both processes look at the same moment together…
            t.start()
        for t in ticks:
            t.join(60)
        for minute in range(2, 4):  # …and in turn
            when = START + timedelta(minutes=minute)
            other.tick(when)
            accord.tick(when)
        for when in (datetime(2026, 11, 29, 9, 1, tzinfo=UTC), datetime(2026, 12, 2, 9, 1, tzinfo=UTC)):
            accord.tick(when)
            other.tick(when)
    finally:
        other.stop()
    restarted = start_harness(fake_slack, database_url, clock=FakeClock(datetime(2026, 12, 3, tzinfo=UTC)))
    try:
        restarted.tick(datetime(2026, 12, 3, tzinfo=UTC))
    finally:
        restarted.stop()
    assert len(_dms(accord, "U1")) == 3
    assert len(_dms(accord, FACILITATOR)) == 3
    for cid in cids:
        notes = _history(accord, cid)
        assert [n.split(" ")[0] for n in notes] == ["Reminder", "Escalation", "Escalated"]
    with accord.rt.session() as session:
        rows = session.exec(select(Commitment)).all()
        assert {(r.follow_step, r.follow_at) for r in rows} == {(3, None)}


def test_the_focal_point_of_the_owners_organisation_gets_one_message(accord: Harness) -> None:
    accord.command("/org", "set Univ Bonn <@U1> <@UFOCAL>", user=FACILITATOR)
    assert "focal point" in accord.command("/org", "focal Univ Bonn <@UFOCAL>", user=FACILITATOR).reply_text()
    cid = _commit(accord, "Draft the annex by 2026-11-26")
    for when in (START + timedelta(minutes=1), datetime(2026, 11, 29, 9, 1, tzinfo=UTC),
                 datetime(2026, 11, 30, tzinfo=UTC)):
        accord.tick(when)
    [to_focal] = _dms(accord, "UFOCAL")
    text = FakeSlack.all_text(to_focal)
    assert f"#{cid}" in text and "3 days past its due date" in text and "focal point" in text
    assert "Escalated to <@UFOCAL>, focal point of the owner's organisation" in _history(accord, cid)
    assert _dms(accord, FACILITATOR) == []  # not yet: twice the delay
