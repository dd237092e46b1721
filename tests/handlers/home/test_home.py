"""End to end: the App Home tab and its Done / Blocked buttons."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from handlers.shared import ids
from storage.models import Commitment, CommitmentUpdate
from tests.factories import make_commitments, make_group, make_proposal_with_positions
from tests.fakeslack import Call, FakeSlack
from tests.harness import START, Harness
from tests.payloads import plain_value

HOME = {"id": "VHOME", "type": "home"}


def _open_home(accord: Harness, user: str = "U1") -> Call:
    before = len(accord.fake.calls_to("views.publish"))
    accord.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    return accord.fake.wait_for("views.publish", count=before + 1)[-1]


def _click(accord: Harness, action_id: str, commitment_id: int, user: str = "U1") -> None:
    accord.action(action_id, str(commitment_id), user=user, channel=None, view=HOME)


def _commitment(accord: Harness, commitment_id: int) -> tuple[Commitment, list[CommitmentUpdate]]:
    with accord.rt.session() as session:
        row = session.get(Commitment, commitment_id)
        query = select(CommitmentUpdate).where(CommitmentUpdate.commitment_id == commitment_id)
        updates = list(session.exec(query))
    assert row is not None
    return row, updates


def _setup(accord: Harness) -> int:
    with accord.rt.session() as session:
        industry = make_group(session, name="Industry", members=["U1", "U2"], channel_id="CIND",
                              timezone="Europe/Berlin")
        industry.checkin_days, industry.checkin_time = "mon", "09:00"
        session.add(industry)
        other = make_group(session, name="Academia", members=["U3"])
        make_proposal_with_positions(session, title="Adopt the charter", group_ids=[industry.id, other.id],
                                     positions=[("U2", industry.id, "agree")])
        make_proposal_with_positions(session, title="Already answered", group_ids=[industry.id],
                                     positions=[("U1", industry.id, "agree")])
        [row] = make_commitments(session, owner_id="U1", group_id=industry.id, text="Draft the annex",
                                 due_date=date(2026, 11, 20))
        make_commitments(session, owner_id="U2", group_id=industry.id, text="Someone else's task")
    assert row.id is not None
    return row.id


def test_home_shows_commitments_proposals_groups_and_next_checkin(accord: Harness) -> None:
    _setup(accord)
    publish = _open_home(accord)
    assert publish.params["user_id"] == "U1"
    view = publish.params["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    text = FakeSlack.all_text(publish)
    assert "Draft the annex" in text and "overdue" in text and "Someone else's task" not in text
    assert "was due Fri 20 Nov 2026" in text  # a calendar date, the same in every zone
    assert "Adopt the charter" in text and "Already answered" not in text
    assert "Industry" in text and "next check-in <!date^" in text and "Academia" not in text
    # The next check-in: Monday 30 Nov 2026, 09:00 in Berlin, which is 08:00 UTC.
    assert f"<!date^{int(START.replace(day=30, hour=8).timestamp())}^" in text
    buttons = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {b["action_id"] for b in buttons} == {ids.HOME_COMMITMENT_DONE, ids.HOME_COMMITMENT_BLOCKED,
                                                 ids.HOME_CALENDAR_NEW_LINK}
    assert "*Your calendar*" in text and "/calendar/" in text


def test_done_button_marks_done_once_and_republishes(accord: Harness) -> None:
    commitment_id = _setup(accord)
    _open_home(accord)
    _click(accord, ids.HOME_COMMITMENT_DONE, commitment_id)
    publishes = accord.fake.wait_for("views.publish", count=2)
    assert "Draft the annex" not in FakeSlack.all_text(publishes[-1])
    assert f"Commitment #{commitment_id} marked done" in FakeSlack.all_text(publishes[-1])
    row, updates = _commitment(accord, commitment_id)
    assert row.status == "done"
    assert [(u.old_status, u.new_status, u.source, u.user_id) for u in updates] == [
        ("open", "done", "home", "U1")]
    accord.fake.wait_for("chat.postMessage",
                         where=lambda c: f"#{commitment_id} marked done" in c.params["text"])

    _click(accord, ids.HOME_COMMITMENT_DONE, commitment_id)  # Slack delivering the click twice
    accord.fake.wait_for("views.publish", count=3)
    assert len(_commitment(accord, commitment_id)[1]) == 1


def test_blocked_button_asks_why_and_records_the_reason(accord: Harness) -> None:
    commitment_id = _setup(accord)
    _click(accord, ids.HOME_COMMITMENT_BLOCKED, commitment_id)
    [opened] = accord.fake.wait_for("views.open")
    modal = opened.params["view"]
    assert modal["callback_id"] == ids.HOME_BLOCK_MODAL and "Draft the annex" in FakeSlack.all_text(opened)
    assert _commitment(accord, commitment_id)[0].status == "open"  # nothing changes until submitted
    values = {ids.HOME_BLOCK_REASON_BLOCK: {ids.HOME_BLOCK_REASON_ACTION: plain_value("waiting for <legal>")}}
    accord.submit(ids.HOME_BLOCK_MODAL, values, private_metadata=modal["private_metadata"])
    row, updates = _commitment(accord, commitment_id)
    assert row.status == "blocked"
    assert [(u.new_status, u.note) for u in updates] == [("blocked", "waiting for &lt;legal&gt;")]
    publish = accord.fake.wait_for("views.publish")[-1]
    assert "blocked" in FakeSlack.all_text(publish)


def test_blocked_without_a_reason_says_from_app_home(accord: Harness) -> None:
    commitment_id = _setup(accord)
    accord.submit(ids.HOME_BLOCK_MODAL, {ids.HOME_BLOCK_REASON_BLOCK: {ids.HOME_BLOCK_REASON_ACTION: {}}},
                  private_metadata=str(commitment_id))
    row, updates = _commitment(accord, commitment_id)
    assert row.status == "blocked" and updates[0].note == "blocked from App Home"


def test_someone_elses_commitment_is_refused(accord: Harness) -> None:
    commitment_id = _setup(accord)
    _click(accord, ids.HOME_COMMITMENT_DONE, commitment_id, user="U3")
    publish = accord.fake.wait_for("views.publish")[-1]
    assert publish.params["user_id"] == "U3" and "Only the owner" in FakeSlack.all_text(publish)
    assert _commitment(accord, commitment_id)[0].status == "open"


def test_many_commitments_stay_within_the_home_limit(accord: Harness) -> None:
    with accord.rt.session() as session:
        make_commitments(session, owner_id="U1", count=80, due_date=START.date() + timedelta(days=3))
    publish = _open_home(accord)
    assert publish.ok and len(publish.params["view"]["blocks"]) <= 100
    assert "and 55 more" in FakeSlack.all_text(publish)


def test_proposals_await_neither_an_observer_nor_a_member_in_conflict(accord: Harness) -> None:
    _setup(accord)
    assert "is recorded" in accord.command("/propose", "conflict 1 I advise a bidder", user="U1").reply_text()
    text = FakeSlack.all_text(_open_home(accord, "U1"))
    assert "*Proposals awaiting your position* (0)" in text
    assert "Adopt the charter" not in text.split("*Your declared conflicts*")[0]  # listed as a conflict only
    with accord.rt.session() as session:
        watchers = make_group(session, name="Watchers", members=[])
    accord.command("/group", "observer add Watchers <@U9>", user="UFAC").reply_text()
    with accord.rt.session() as session:
        make_proposal_with_positions(session, title="Open to all", group_ids=[watchers.id or 0])
    assert "Open to all" not in FakeSlack.all_text(_open_home(accord, "U9"))
