"""End to end: `/decision review` sets or clears a decision's review day; on that day, at 09:00 in the
consortium's zone, its thread gets one reminder, across ticks, processes and restarts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.services.export import export_rows
from bot.services.reviews import claim_due_reviews, review_moment
from handlers.decisions.jobs import remind_due_reviews
from storage.db import session_scope
from storage.models import Decision
from storage.teams import ensure_team, list_audit
from tests.fakeslack import FakeSlack
from tests.harness import FACILITATOR, START, Harness

# START is Wed 25 Nov 2026 09:00 UTC; the harness's zone is UTC.


def _decisions(accord: Harness) -> list[dict[str, Any]]:
    with accord.rt.session() as session:
        return export_rows(session, kind="decisions", consortium_id="T1")


def _record(accord: Harness, text: str = "Meet monthly", *, user: str = "U1") -> int:
    accord.command("/decision", text, user=user)
    return int(_decisions(accord)[-1]["id"])


def _reminders(accord: Harness) -> list[Any]:
    return [c for c in accord.fake.calls_to("chat.postMessage") if "is due for review" in FakeSlack.all_text(c)]


def _thread(accord: Harness, decision_id: int) -> str:
    with accord.rt.session() as session:
        row = session.get(Decision, decision_id)
        assert row is not None and row.message_ts
        return row.message_ts


def test_review_date_is_set_shown_exported_and_cleared(accord: Harness) -> None:
    decision_id = _record(accord)
    sent = accord.command("/decision", f"review #{decision_id} 2027-03-01", user="U1")
    assert f"Decision #{decision_id} is due for review on Mon 1 Mar 2027" in sent.reply_text()
    assert _decisions(accord)[0]["review_on"] == "2027-03-01"
    listed = accord.command("/decision", "list").reply_text()
    assert "review Mon 1 Mar 2027" in listed
    accord.command("/decision", f"review {decision_id} tomorrow", user=FACILITATOR)
    assert _decisions(accord)[0]["review_on"] == "2026-11-26"
    cleared = accord.command("/decision", f"review {decision_id} off", user="U1")
    assert f"Decision #{decision_id} has no review date now." in cleared.reply_text()
    assert _decisions(accord)[0]["review_on"] is None
    with accord.rt.session() as session:
        lines = [(a.actor_id, a.entity_id, json.loads(a.detail or "{}"))
                 for a in list_audit(session, consortium_id="T1") if a.action == "decision.review"]
    assert [(actor, entity) for actor, entity, _ in lines] == [
        ("U1", str(decision_id)), (FACILITATOR, str(decision_id)), ("U1", str(decision_id))]
    assert [detail.get("review_on") for _, _, detail in lines] == ["2027-03-01", "2026-11-26", None]


def test_review_refusals_change_nothing(accord: Harness) -> None:
    decision_id = _record(accord)
    accord.command("/decision", f"review {decision_id} 2027-01-10", user="U1")
    revoked = _record(accord, "Old rule")
    accord.command("/decision", f"revoke {revoked}", user="U1")
    cases = [
        (f"review {decision_id} 2026-11-24", "U1", "2026-11-24 is in the past"),
        (f"review {decision_id} 2026-02-30", "U1", "is not a valid date"),
        (f"review {decision_id} someday soonish", "U1", "couldn't read the date"),
        (f"review {decision_id}", "U1", "Say when it is due for review"),
        ("review 999 2027-01-01", "U1", "There is no decision #999"),
        (f"review {decision_id} 2027-02-01", "U2", "Only the person who recorded"),
        (f"review {decision_id} off", "U2", "Only the person who recorded"),
        (f"review {revoked} 2027-02-01", "U1", f"Decision #{revoked} is revoked"),
        (f"review {decision_id} <!channel>", "U1", "couldn't read the date"),
    ]
    for text, user, expected in cases:
        assert expected in accord.command("/decision", text, user=user).reply_text(), text
    assert [d["review_on"] for d in _decisions(accord)] == ["2027-01-10", None]


def test_a_review_day_today_is_accepted(accord: Harness) -> None:
    decision_id = _record(accord)
    accord.command("/decision", f"review {decision_id} 2026-11-25")
    assert _decisions(accord)[0]["review_on"] == "2026-11-25"


def test_the_reminder_is_posted_once_in_the_thread_at_nine_on_the_review_day(accord: Harness) -> None:
    decision_id = _record(accord)
    accord.command("/decision", f"review {decision_id} 2026-11-27")
    accord.tick(datetime(2026, 11, 27, 8, 59, tzinfo=UTC))
    assert _reminders(accord) == []
    nine = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    accord.tick(nine)
    accord.tick(nine + timedelta(minutes=1))
    remind_due_reviews(accord.rt, nine + timedelta(hours=3))  # another process, or after a restart
    accord.rt.outbox.deliver_due(budget=5, now=nine + timedelta(hours=3))
    [reminder] = _reminders(accord)
    assert reminder.params["channel"] == "C1" and reminder.params["thread_ts"] == _thread(accord, decision_id)
    assert f"#{decision_id}" in FakeSlack.all_text(reminder)
    # A new review day gets its own reminder, once.
    accord.clock.set(nine + timedelta(hours=4))
    accord.command("/decision", f"review {decision_id} 2026-12-04")
    for day in (datetime(2026, 12, 4, 9, 0, tzinfo=UTC), datetime(2026, 12, 5, 9, 0, tzinfo=UTC)):
        accord.tick(day)
    assert len(_reminders(accord)) == 2


def test_a_decision_superseded_or_cleared_before_its_review_day_gets_no_reminder(accord: Harness) -> None:
    kept, cleared = _record(accord, "Rule A"), _record(accord, "Rule B")
    accord.command("/decision", f"review {kept} 2026-11-26")
    accord.command("/decision", f"review {cleared} 2026-11-26")
    accord.command("/decision", f"supersede {kept} Rule A, revised")
    accord.command("/decision", f"review {cleared} off")
    accord.tick(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    assert _reminders(accord) == []


def test_a_review_day_missed_while_down_is_reminded_when_back(accord: Harness) -> None:
    decision_id = _record(accord)
    accord.command("/decision", f"review {decision_id} 2026-11-26")
    accord.tick(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    [reminder] = _reminders(accord)
    assert f"#{decision_id}" in FakeSlack.all_text(reminder)


def test_the_reminder_waits_for_nine_in_the_consortium_zone(engine: Any) -> None:
    with session_scope(engine) as session:
        ensure_team(session, team_id="T1")
        session.add(Decision(consortium_id="T1", text="Rule", channel_id="C1", recorded_by="U1",
                             created_at=START, review_on=date(2026, 11, 27)))
    tokyo = review_moment(date(2026, 11, 27), "Asia/Tokyo")
    assert tokyo == datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        assert claim_due_reviews(session, now=tokyo - timedelta(seconds=1), timezone_of=lambda _: "Asia/Tokyo") == []
        assert [d.text for d in claim_due_reviews(session, now=tokyo, timezone_of=lambda _: "Asia/Tokyo")] == ["Rule"]
    with session_scope(engine) as session:  # claimed: never again
        assert claim_due_reviews(session, now=tokyo + timedelta(days=3), timezone_of=lambda _: "Asia/Tokyo") == []


def test_the_digest_lists_a_decision_from_its_review_day_until_it_is_superseded(accord: Harness) -> None:
    decision_id = _record(accord, "Meet monthly")
    accord.command("/decision", f"review {decision_id} 2026-11-26")
    assert "Due for review" not in accord.command("/digest", "preview").reply_text()
    accord.clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    due = accord.command("/digest", "preview").reply_text()
    assert "Due for review" in due and "Meet monthly" in due and "review due today" in due
    accord.command("/decision", f"supersede {decision_id} Meet weekly")
    after = accord.command("/digest", "preview").reply_text()
    assert "Due for review" not in after
    assert f"(superseded by #{decision_id + 1})" in after and f"supersedes #{decision_id}" in after
