"""End to end: /digest, its preview and schedule, and scheduled digests posted exactly once."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlmodel import select

from storage.models import AuditLog, DigestRun, DigestSchedule
from tests.factories import make_commitments, make_group, make_proposal_with_positions
from tests.fakeslack import Call, FakeSlack
from tests.harness import START, Harness, start_harness


def _digests(accord: Harness, channel: str = "C1") -> list[Call]:
    return [c for c in accord.fake.calls_to("chat.postMessage")
            if c.params["channel"] == channel and (c.params.get("blocks") or [{}])[0].get("type") == "header"
            and "digest" in c.params["blocks"][0]["text"]["text"].lower()]


def _runs(accord: Harness) -> list[DigestRun]:
    with accord.rt.session() as session:
        return list(session.exec(select(DigestRun).order_by(DigestRun.id)))


def _consortium(accord: Harness) -> dict[str, int]:
    with accord.rt.session() as session:
        groups = {name: make_group(session, name=name, members=members).id
                  for name, members in (("Industry", ["U1", "U2"]), ("Academia", ["U3", "U4"]),
                                        ("Policy", ["U5"]))}
        make_proposal_with_positions(session, title="Adopt the data-sharing charter",
                                     group_ids=list(groups.values()),
                                     positions=[("U1", groups["Industry"], "agree")], created_at=START)
    return groups  # type: ignore[return-value]


def _fast_retries(accord: Harness) -> None:
    """Keep the client's retry count but not its multi-second backoff (the fake answers at once)."""
    for handler in accord.rt.client.retry_handlers or []:
        handler.interval_calculator = FixedValueRetryIntervalCalculator(0.01)


def test_digest_posts_one_message_with_everything(accord: Harness) -> None:
    _consortium(accord)
    accord.command("/decision", "We adopt the shared glossary", user="U1")
    accord.command("/decision", "Meetings move to Thursdays", user="U3")
    accord.command("/commit", "Draft the data annex by 2026-11-20", user="U1")
    accord.command("/commit", "Review the budget <@U3|cleo> by 2026-12-10", user="U2")
    before = len(accord.fake.calls_to("chat.postMessage"))

    accord.command("/digest", user="U2")

    posts = accord.fake.calls_to("chat.postMessage")
    assert len(posts) == before + 1
    digest = posts[-1]
    text = FakeSlack.all_text(digest)
    assert digest.params["channel"] == "C1"
    for expected in ("We adopt the shared glossary", "Meetings move to Thursdays", "Draft the data annex",
                     "Review the budget", "<@U3>", "Adopt the data-sharing charter",
                     "Not yet heard from: Academia, Policy", "overdue", "No quorum"):
        assert expected in text, expected
    assert text.index("Draft the data annex") < text.index("Review the budget") or "Academia" in text
    assert "<!date^" in text  # instants (closing times) in Slack's date formatting
    assert "was due Fri 20 Nov 2026" in text and "due Thu 10 Dec 2026" in text  # due dates as calendar dates
    [run] = _runs(accord)
    assert (run.status, run.trigger, run.requested_by, run.message_ts) == ("posted", "command", "U2",
                                                                            digest.response["ts"])
    assert run.run_key.startswith("manual:")
    with accord.rt.session() as session:
        actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.entity == "digest_run"))]
    assert actions == ["digest.request", "digest.post"]


def test_preview_is_ephemeral_and_not_recorded(accord: Harness) -> None:
    _consortium(accord)
    accord.command("/decision", "We adopt the shared glossary", user="U1")
    before = len(accord.fake.calls_to("chat.postMessage"))
    sent = accord.command("/digest", "preview", user="U1")
    text = sent.reply_text()
    assert "We adopt the shared glossary" in text and "Not yet heard from" in text
    assert sent.reply().params["response_type"] == "ephemeral"
    assert len(accord.fake.calls_to("chat.postMessage")) == before
    assert _runs(accord) == []


def test_period_starts_at_the_last_posted_digest(accord: Harness) -> None:
    accord.command("/decision", "First decision")
    accord.command("/digest")
    accord.clock.advance(timedelta(hours=1))
    accord.command("/decision", "Second decision")
    accord.command("/digest")
    first, second = _digests(accord)
    assert "First decision" in FakeSlack.all_text(first)
    assert "Second decision" in FakeSlack.all_text(second)
    assert "First decision" not in FakeSlack.all_text(second)
    runs = _runs(accord)
    assert runs[1].period_start == runs[0].period_end


def test_two_hundred_commitments_fit_and_say_how_many_more(accord: Harness) -> None:
    with accord.rt.session() as session:
        group = make_group(session, name="Industry", members=["U1"])
        make_commitments(session, owner_id="U1", group_id=group.id, count=200, due_date=date(2026, 11, 1),
                         text="A long commitment text that keeps going " * 5)
    accord.command("/digest")
    [digest] = _digests(accord)
    assert digest.ok
    blocks = digest.params["blocks"]
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    text = FakeSlack.all_text(digest)
    assert "and 192 more" in text and "/commit list all" in text
    assert "200 open, 200 overdue" in text


def test_group_home_channel_gets_that_groups_items(accord: Harness) -> None:
    with accord.rt.session() as session:
        industry = make_group(session, name="Industry", members=["U1"], channel_id="CIND")
        academia = make_group(session, name="Academia", members=["U3"])
        make_commitments(session, owner_id="U1", group_id=industry.id, text="Industry task")
        make_commitments(session, owner_id="U3", group_id=academia.id, text="Academia task")
    accord.command("/decision", "Industry-only decision", channel="CIND")
    accord.command("/decision", "Elsewhere decision", channel="C1")
    accord.command("/digest", channel="CIND")
    [digest] = _digests(accord, "CIND")
    text = FakeSlack.all_text(digest)
    assert "Digest: Industry" in text
    assert "Industry task" in text and "Industry-only decision" in text
    assert "Academia task" not in text and "Elsewhere decision" not in text


def test_mentions_in_user_text_never_ping(accord: Harness) -> None:
    accord.command("/decision", "Tell <!channel> and <!here> about it")
    accord.command("/digest")
    [digest] = _digests(accord)
    raw = str(digest.params["blocks"])
    assert "<!channel>" not in raw and "<!here>" not in raw


def test_schedule_uses_the_groups_zone_and_off_stops_it(accord: Harness) -> None:
    with accord.rt.session() as session:
        make_group(session, name="Academia", members=["U3"], channel_id="CACA", timezone="America/New_York")
    sent = accord.command("/digest", "schedule mon,thu 09:30", channel="CACA")
    assert "America/New_York" in sent.reply_text()
    sent = accord.command("/digest", "schedule fri 08:00 tz Europe/Berlin", channel="C1")
    assert "Europe/Berlin" in sent.reply_text()
    with accord.rt.session() as session:
        rows = {s.channel_id: (s.days, s.time, s.timezone) for s in session.exec(select(DigestSchedule))}
    assert rows == {"CACA": ("mon,thu", "09:30", "America/New_York"), "C1": ("fri", "08:00", "Europe/Berlin")}
    assert "stopped" in accord.command("/digest", "schedule off", channel="C1").reply_text()
    with accord.rt.session() as session:
        assert [s.channel_id for s in session.exec(select(DigestSchedule))] == ["CACA"]


@pytest.mark.parametrize("text", ["schedule", "schedule mon", "schedule someday 09:00", "schedule mon 25:00",
                                  "schedule mon 09:00 tz Mars/Olympus", "later"])
def test_invalid_input_shows_usage_and_changes_nothing(accord: Harness, text: str) -> None:
    reply = accord.command("/digest", text).reply_text()
    assert ":warning:" in reply and "/digest" in reply
    with accord.rt.session() as session:
        assert list(session.exec(select(DigestSchedule))) == []
    assert _runs(accord) == []


def test_scheduled_digest_exactly_once_with_two_runtimes(accord: Harness, database_url: str) -> None:
    accord.command("/decision", "Recorded before the digest")
    accord.command("/digest", "schedule wed 09:05 tz UTC")  # START is Wednesday 09:00 UTC
    other = start_harness(accord.fake, database_url, clock=accord.clock)
    try:
        due = START + timedelta(minutes=5, seconds=10)
        threads = [threading.Thread(target=h.tick, args=(due,)) for h in (accord, other) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        other.tick(due + timedelta(seconds=30))
        accord.tick(due + timedelta(minutes=1))
    finally:
        other.stop()
    [digest] = _digests(accord)
    assert "Recorded before the digest" in FakeSlack.all_text(digest)
    [run] = _runs(accord)
    due_key = (START + timedelta(minutes=5)).isoformat()
    assert (run.status, run.trigger, run.run_key) == ("posted", "schedule", due_key)


def test_refused_digest_is_retried_later_and_posted_once(accord: Harness) -> None:
    _fast_retries(accord)
    accord.command("/digest", "schedule wed 09:05 tz UTC")
    due = START + timedelta(minutes=5, seconds=10)
    accord.fake.fail_next("chat.postMessage", status=500, count=10)
    accord.tick(due)
    assert _digests(accord) == []
    [run] = _runs(accord)
    assert (run.status, run.attempts, run.last_error) == ("pending", 1, "internal_error")
    assert run.next_attempt_at is not None and run.next_attempt_at > due
    accord.tick(due + timedelta(seconds=5))  # not yet due again
    assert _runs(accord)[0].attempts == 1
    accord.tick(due + timedelta(minutes=2))
    accord.tick(due + timedelta(minutes=30))
    [digest] = _digests(accord)
    assert digest.ok
    [run] = _runs(accord)
    assert (run.status, run.attempts) == ("posted", 2)


def test_missed_digest_is_caught_up_once_within_grace(accord: Harness) -> None:
    accord.command("/digest", "schedule wed 09:05 tz UTC")
    accord.tick(START + timedelta(hours=3))  # Accord was down at 09:05; within the 6 h grace
    accord.tick(START + timedelta(hours=4))
    assert len(_digests(accord)) == 1
    accord.tick(START + timedelta(days=7, hours=7))  # next week's fell outside the grace: not posted
    assert len(_digests(accord)) == 1
