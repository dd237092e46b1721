"""End to end: /digest, its preview and schedule, and digests posted exactly once through the outbox."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlmodel import col, select

from bot.inbox import new_token
from bot.outbox import MAX_ATTEMPTS
from bot.services.retries import backoff
from bot.slack import RETRIES
from handlers.digests.jobs import claim_due_digests, delivery_key, start_digest
from storage import outbox as outbox_store
from storage.models import AuditLog, DigestRun, DigestSchedule, OutboxMessage
from tests.factories import make_commitments, make_group, make_proposal_with_positions
from tests.fakeslack import Call, FakeSlack
from tests.harness import START, Harness, start_harness

DUE = timedelta(minutes=5, seconds=10)  # from START (Wednesday 09:00 UTC) past "wed 09:05"
FAILED_FOOTER = "could not be delivered this period (check the logs for `delivery_failed`)."


def _digests(accord: Harness, channel: str = "C1") -> list[Call]:
    return [c for c in accord.fake.calls_to("chat.postMessage")
            if c.params["channel"] == channel and (c.params.get("blocks") or [{}])[0].get("type") == "header"
            and "digest" in c.params["blocks"][0]["text"]["text"].lower()]


def _runs(accord: Harness) -> list[DigestRun]:
    with accord.rt.session() as session:
        return list(session.exec(select(DigestRun).order_by(col(DigestRun.id))))


def _delivery(accord: Harness, run: DigestRun) -> OutboxMessage:
    """The outbox row that posts ``run``."""
    assert run.id is not None
    with accord.rt.session() as session:
        [row] = session.exec(select(OutboxMessage).where(OutboxMessage.key == delivery_key(run.id)))
    assert row.kind == "digest.post"
    return row


def _run_audit(accord: Harness) -> list[str]:
    with accord.rt.session() as session:
        return [a.action for a in session.exec(select(AuditLog).where(AuditLog.entity == "digest_run")
                                               .order_by(col(AuditLog.id)))]


def _footer(call: Call) -> str:
    [footer] = [b for b in call.params["blocks"][-1:] if b["type"] == "context"]
    return " ".join(e["text"] for e in footer["elements"])


def _consortium(accord: Harness) -> dict[str, int]:
    with accord.rt.session() as session:
        groups: dict[str, Any] = {name: make_group(session, name=name, members=members).id
                  for name, members in (("Industry", ["U1", "U2"]), ("Academia", ["U3", "U4"]),
                                        ("Policy", ["U5"]))}
        make_proposal_with_positions(session, title="Adopt the data-sharing charter",
                                     group_ids=list(groups.values()),
                                     positions=[("U1", groups["Industry"], "agree")], created_at=START)
    return groups


def _fast_retries(accord: Harness) -> None:
    """Keep the client's retry count but not its multi-second backoff (the fake answers at once)."""
    for handler in accord.rt.client.retry_handlers or []:
        handler.interval_calculator = FixedValueRetryIntervalCalculator(0.01)


def test_building_a_digest_leaves_the_write_lock_free_for_acknowledgements(
        accord: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite, a digest is built in a read-only transaction: an acknowledgement's inbox insert
    (another connection taking the write lock) never waits for a build, however long it takes."""
    if accord.rt.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one write lock (this is the postgresql variant)")
    import sqlite3

    from handlers.digests import jobs
    real, seen = jobs.build_digest, []

    def build(session: Any, **kwargs: Any) -> Any:
        digest = real(session, **kwargs)  # read: the build's transaction is still open
        other = sqlite3.connect(str(accord.rt.engine.url.database), timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append("free")
        except sqlite3.OperationalError as err:
            seen.append(str(err))
        finally:
            other.close()
        return digest

    monkeypatch.setattr(jobs, "build_digest", build)
    accord.command("/decision", "We adopt the shared glossary", user="U1")
    accord.command("/digest", user="U2")
    assert seen == ["free"]
    assert len(_digests(accord)) == 1


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
    assert FAILED_FOOTER not in text  # nothing failed: no warning in the footer
    [run] = _runs(accord)
    assert (run.status, run.trigger, run.requested_by, run.message_ts) == ("posted", "command", "U2",
                                                                            digest.response["ts"])
    assert run.run_key.startswith("manual:")
    box = _delivery(accord, run)
    assert (box.state, box.attempts, box.result_ts) == ("sent", 0, digest.response["ts"])
    assert _run_audit(accord) == ["digest.request", "digest.post"]


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


def test_refused_scheduled_digest_is_retried_by_the_outbox_and_posted_once(accord: Harness) -> None:
    _fast_retries(accord)
    accord.command("/digest", "schedule wed 09:05 tz UTC")
    accord.fake.fail_next("chat.postMessage", status=500, count=RETRIES + 1)  # one whole attempt
    accord.clock.advance(DUE)
    accord.tick()
    assert _digests(accord) == []
    [run] = _runs(accord)
    assert run.status == "pending"
    box = _delivery(accord, run)
    assert (box.state, box.attempts, box.last_error) == ("pending", 1, "internal_error")
    assert box.next_attempt_at == accord.clock.now() + backoff(1)
    tried = len(accord.fake.calls_to("chat.postMessage", include_failed=True))
    accord.clock.advance(timedelta(seconds=5))  # not yet due again
    accord.tick()
    assert len(accord.fake.calls_to("chat.postMessage", include_failed=True)) == tried
    accord.clock.advance(timedelta(minutes=2))
    accord.tick()
    accord.clock.advance(timedelta(minutes=30))
    accord.tick()
    [digest] = _digests(accord)
    assert digest.ok
    [run] = _runs(accord)
    assert (run.status, run.message_ts) == ("posted", digest.response["ts"])
    assert (_delivery(accord, run).state, _delivery(accord, run).attempts) == ("sent", 1)
    assert _run_audit(accord) == ["digest.pending", "digest.post"]


def test_refusals_back_off_and_give_up_eventually(accord: Harness) -> None:
    accord.command("/digest", "schedule wed 09:05 tz UTC")
    accord.fake.fail_next("chat.postMessage", error="fatal_error", count=100)  # refused, not for good
    accord.clock.advance(DUE)
    accord.tick()
    [run] = _runs(accord)
    delays = []
    for _ in range(MAX_ATTEMPTS - 1):
        assert _runs(accord)[0].status == "pending"
        delays.append(_delivery(accord, run).next_attempt_at - accord.clock.now())
        accord.clock.advance(delays[-1])
        accord.tick()
    assert delays == [backoff(n) for n in range(1, MAX_ATTEMPTS)]
    [run] = _runs(accord)
    assert (run.status, run.last_error) == ("failed", "fatal_error")
    box = _delivery(accord, run)
    assert (box.state, box.attempts) == ("failed", MAX_ATTEMPTS)
    assert _run_audit(accord) == ["digest.pending", "digest.failed"]
    accord.clock.advance(timedelta(hours=2))
    accord.tick()
    assert len(accord.fake.calls_to("chat.postMessage", include_failed=True)) == MAX_ATTEMPTS + 1  # + the notice
    assert _digests(accord) == []


def test_digest_refused_for_good_fails_its_run_and_later_digests_count_it(accord: Harness) -> None:
    accord.command("/digest", "schedule wed 09:05 tz UTC")
    accord.fake.fail_next("chat.postMessage", error="not_in_channel")
    accord.clock.advance(DUE)
    accord.tick()
    [run] = _runs(accord)
    assert (run.status, run.last_error, run.message_ts) == ("failed", "not_in_channel", None)
    assert (_delivery(accord, run).state, _delivery(accord, run).attempts) == ("failed", 1)
    assert _run_audit(accord) == ["digest.pending", "digest.failed"]
    accord.clock.advance(timedelta(hours=2))
    accord.tick()  # not tried again
    assert _digests(accord) == []
    assert _runs(accord)[0].status == "failed"

    accord.command("/digest")  # the next digest of this workspace says so
    [digest] = _digests(accord)
    assert ":warning: 1 post " + FAILED_FOOTER in _footer(digest)
    assert _footer(digest).index(":warning:") < _footer(digest).index("App Home")
    accord.clock.advance(timedelta(hours=1))
    accord.command("/digest", channel="C2")  # another channel of the workspace: its period covers it too
    assert ":warning: 1 post " + FAILED_FOOTER in _footer(_digests(accord, "C2")[0])
    accord.clock.advance(timedelta(hours=1))
    accord.command("/digest")  # this period starts after the failure: nothing to report
    assert FAILED_FOOTER not in FakeSlack.all_text(_digests(accord)[-1])


@pytest.mark.parametrize("how", ["scheduled", "scheduled, leased", "manual"])
def test_a_run_claimed_by_a_process_that_died_before_posting_is_posted_once(accord: Harness, how: str) -> None:
    accord.command("/decision", "Recorded before the digest")
    if how != "manual":
        accord.command("/digest", "schedule wed 09:05 tz UTC")
    accord.clock.advance(DUE)
    # The dying process: its claim (run and outbox row) committed, then it died before Slack took it.
    if how == "manual":
        boxes = [start_digest(accord.rt, consortium_id="T1", channel_id="C1", requested_by="U1", trigger="command")[1]]
    else:
        boxes = claim_due_digests(accord.rt, accord.clock.now())
    if how.endswith("leased"):  # ... while it was sending: its lease must run out first
        now = accord.clock.now()
        with accord.rt.session() as session:
            leased = outbox_store.claim(session, now=now, token=new_token(),
                                        lease_until=now + accord.rt.outbox.lease, limit=1,
                                        ids=[b for b in boxes if b is not None])
        assert len(leased) == 1
    [run] = _runs(accord)
    assert run.status == "pending" and _delivery(accord, run).state == "pending"
    assert _digests(accord) == []
    if how.endswith("leased"):
        accord.tick()
        assert _digests(accord) == []  # still held by the dead sender
        accord.clock.advance(accord.rt.outbox.lease + timedelta(seconds=1))
    accord.tick()  # another process (or the restarted one) carries on
    accord.clock.advance(timedelta(minutes=10))
    accord.tick()
    [digest] = _digests(accord)
    assert "Recorded before the digest" in FakeSlack.all_text(digest)
    [run] = _runs(accord)
    assert (run.status, run.message_ts) == ("posted", digest.response["ts"])
    assert _delivery(accord, run).state == "sent"


def test_a_pending_run_claimed_before_the_outbox_is_enqueued_and_posted_once(accord: Harness) -> None:
    accord.command("/decision", "Recorded before the upgrade")
    with accord.rt.session() as session:  # left pending by the digest delivery of an older version
        session.add(DigestRun(consortium_id="T1", channel_id="C1", run_key=START.isoformat(), trigger="schedule",
                              period_start=START - timedelta(days=7), period_end=START + timedelta(minutes=1),
                              attempts=3, last_error="internal_error", next_attempt_at=START,
                              created_at=START))
    accord.clock.advance(timedelta(minutes=2))
    accord.tick()
    accord.tick()
    [digest] = _digests(accord)
    assert "Recorded before the upgrade" in FakeSlack.all_text(digest)
    [run] = _runs(accord)
    assert (run.status, run.message_ts) == ("posted", digest.response["ts"])
    with accord.rt.session() as session:
        assert len(list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest.post")))) == 1


def test_digest_command_refused_for_good_tells_the_user_and_fails_the_run(accord: Harness) -> None:
    accord.fake.fail_next("chat.postMessage", error="not_in_channel")
    text = accord.command("/digest").reply_text()
    assert "couldn't post the digest" in text and "/invite @Accord" in text and "again" in text
    [run] = _runs(accord)
    assert (run.status, run.last_error) == ("failed", "not_in_channel")
    accord.clock.advance(timedelta(hours=1))
    accord.tick()
    assert _digests(accord) == []


def test_digest_command_refused_for_now_says_it_is_retried_and_posts_once(accord: Harness) -> None:
    accord.fake.fail_next("chat.postMessage", error="fatal_error")
    text = accord.command("/digest").reply_text()
    assert "couldn't post the digest yet" in text and "`fatal_error`" in text and "try again" in text
    assert _runs(accord)[0].status == "pending"
    accord.clock.advance(backoff(1))
    accord.tick()
    accord.clock.advance(timedelta(minutes=10))
    accord.tick()
    [digest] = _digests(accord)
    [run] = _runs(accord)
    assert (run.status, run.message_ts) == ("posted", digest.response["ts"])


def test_schedule_notice_goes_through_the_outbox_once(accord: Harness) -> None:
    sent = accord.command("/digest", "schedule wed 09:05 tz UTC", user="U2")
    assert "will be posted" in sent.reply_text()
    [notice] = [c for c in accord.fake.calls_to("chat.postMessage") if ":calendar:" in FakeSlack.all_text(c)]
    assert notice.params["channel"] == "C1"
    assert FakeSlack.all_text(notice) == ":calendar: <@U2> scheduled this channel's digest: wed at 09:05 (UTC)."
    with accord.rt.session() as session:
        [row] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "message"))
    assert row.key.endswith(":digest-schedule") and (row.state, row.result_ts) == ("sent", notice.response["ts"])
    accord.clock.advance(timedelta(minutes=1))
    accord.tick()
    assert len([c for c in accord.fake.calls_to("chat.postMessage") if ":calendar:" in FakeSlack.all_text(c)]) == 1


def test_schedule_notice_refused_for_good_is_told_and_the_schedule_kept(accord: Harness) -> None:
    accord.fake.fail_next("chat.postMessage", error="not_in_channel")
    sent = accord.command("/digest", "schedule wed 09:05 tz UTC")
    replies = accord.fake.wait_for("response_url", count=2, where=lambda c: c.params.get("key") == sent.key)
    texts = [FakeSlack.all_text(r) for r in replies]
    assert "will be posted" in texts[0]
    assert "recorded, but I couldn't announce it" in texts[1] and "/invite @Accord" in texts[1]
    with accord.rt.session() as session:
        assert [s.channel_id for s in session.exec(select(DigestSchedule))] == ["C1"]
        [row] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "message"))
    assert (row.state, row.last_error) == ("failed", "not_in_channel")


def test_missed_digest_is_caught_up_once_within_grace(accord: Harness) -> None:
    accord.command("/digest", "schedule wed 09:05 tz UTC")
    accord.tick(START + timedelta(hours=3))  # Accord was down at 09:05; within the 6 h grace
    accord.tick(START + timedelta(hours=4))
    assert len(_digests(accord)) == 1
    accord.tick(START + timedelta(days=7, hours=7))  # next week's fell outside the grace: not posted
    assert len(_digests(accord)) == 1
