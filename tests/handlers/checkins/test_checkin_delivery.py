"""Check-in scheduling and delivery: local minutes across DST, restarts, several processes, 500 members, faults."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlmodel import select, update

from bot.clock import FakeClock
from storage.models import AuditLog, OutboxMessage
from tests.fakeslack import FakeSlack
from tests.handlers.checkins.checkin_helpers import (
    prompt_calls,
    prompt_messages,
    prompts,
    prompts_per_user,
    rounds,
    seed_group,
)
from tests.harness import START, Harness, start_harness

FAC = "UFAC"


@contextmanager
def another_process(accord: Harness, database_url: str, at: datetime) -> Iterator[Harness]:
    """A second Accord on the same database (a restart, or a second process), with its own engine."""
    other = start_harness(accord.fake, database_url, clock=FakeClock(at))
    try:
        yield other
    finally:
        other.stop()


def test_new_york_checkin_fires_at_the_local_minute_across_the_dst_change(accord: Harness) -> None:
    accord.clock.set(datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    accord.command("/group", "create Policy tz America/New_York", user=FAC)
    accord.command("/group", "add Policy <@U1>", user=FAC)
    accord.command("/group", "schedule Policy daily 09:00", user=FAC)
    edt = datetime(2026, 10, 31, 13, 0, tzinfo=UTC)  # Saturday 09:00 EDT
    est = datetime(2026, 11, 1, 14, 0, tzinfo=UTC)  # Sunday 09:00 EST, after clocks went back
    for moment in (edt - timedelta(seconds=30), edt + timedelta(seconds=5), edt + timedelta(seconds=25),
                   est - timedelta(hours=1), est - timedelta(seconds=5), est + timedelta(seconds=20)):
        accord.tick(moment)
    assert [r.due_at for r in rounds(accord)] == [edt, est]
    assert [r.opened_at for r in rounds(accord)] == [edt + timedelta(seconds=5), est + timedelta(seconds=20)]
    assert prompts_per_user(accord.fake) == {"U1": 2}


def test_a_round_missed_while_down_opens_once_after_restarts(accord: Harness, database_url: str) -> None:
    due = START + timedelta(hours=1)
    seed_group(accord, name="Academia", members=["U1", "U2"], days="wed", at="10:00")
    seed_group(accord, name="Too late", members=["U3"], days="wed", at="02:00",
               updated=START - timedelta(days=1))  # missed by 7 h: beyond the 6 h grace
    seed_group(accord, name="Set after", members=["U4"], days="wed", at="09:30",
               updated=START + timedelta(minutes=45))  # its due time came before the schedule was set
    accord.stop()  # Accord is down from here until three hours after the due time
    with another_process(accord, database_url, due + timedelta(hours=3)) as restarted:
        restarted.tick()
        restarted.tick()
    with another_process(accord, database_url, due + timedelta(hours=3, minutes=5)) as again:
        again.tick()
        [round_] = rounds(again)
    assert round_.due_at == due and round_.opened_at == due + timedelta(hours=3)
    assert prompts_per_user(accord.fake) == {"U1": 1, "U2": 1}


def test_two_processes_ticking_together_open_one_round_and_send_one_prompt_each(
    accord: Harness, database_url: str
) -> None:
    members = [f"U{i:03d}" for i in range(40)]
    seed_group(accord, name="Industry", members=members, days="wed", at="09:01")
    due = START + timedelta(minutes=1, seconds=3)
    with another_process(accord, database_url, due) as second:
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def run(harness: Harness) -> None:
            try:
                barrier.wait(10)
                for _ in range(3):
                    harness.scheduler.run_due(due)
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(h,)) for h in (accord, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        second.settle()
    assert len(rounds(accord)) == 1
    assert prompts_per_user(accord.fake) == dict.fromkeys(members, 1)
    assert {p.status for p in prompts(accord)} == {"sent"}


def test_five_hundred_members_get_one_prompt_each_under_rate_limits_and_server_errors(accord: Harness) -> None:
    members = [f"U{i:04d}" for i in range(500)]
    seed_group(accord, name="Consortium", members=members)
    accord.fake.rate_limit("chat.postMessage", every=50, retry_after=0)
    accord.command("/checkin", "now Consortium", user=FAC)
    accord.fake.fail_next("chat.postMessage", status=500, count=2)
    for _ in range(5):  # a tick delivers for a limited time; what is left goes out on the next ticks
        accord.tick()
        if {p.status for p in prompts(accord)} == {"sent"}:
            break
    calls = accord.fake.calls_to("chat.postMessage", include_failed=True)
    assert sum(1 for c in calls if c.status == 429) >= 9 and sum(1 for c in calls if c.status == 500) == 2
    assert prompts_per_user(accord.fake) == dict.fromkeys(members, 1)
    stored = prompts(accord)
    assert len(stored) == 500 and {p.status for p in stored} == {"sent"}
    assert all(p.message_ts and p.dm_channel_id == "D" + p.user_id[1:] for p in stored)


def test_failed_delivery_is_retried_with_backoff_and_given_up_on_permanent_errors(accord: Harness) -> None:
    seed_group(accord, name="Policy", members=["U1", "U2"], channel="CPOL")
    accord.command("/checkin", "now Policy", user=FAC)
    accord.fake.fail_next("chat.postMessage", error="internal_error")
    accord.tick()
    failed = [p for p in prompts(accord) if p.status != "sent"]
    assert [p.status for p in failed] == ["pending"]
    row = prompt_messages(accord)[failed[0].user_id]
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "internal_error")
    assert row.next_attempt_at == START + timedelta(seconds=30)
    accord.tick(START + timedelta(seconds=20))  # not yet: backoff
    assert len(prompt_calls(accord.fake)) == 1
    accord.tick(START + timedelta(seconds=31))
    assert prompts_per_user(accord.fake) == {"U1": 1, "U2": 1}

    seed_group(accord, name="Bots", members=["U7", "U8"], channel="CBOT")
    accord.command("/checkin", "now Bots", user=FAC)
    accord.fake.fail_next("chat.postMessage", error="cannot_dm_bot")
    accord.tick(START + timedelta(minutes=1))
    [gone] = [p for p in prompts(accord) if p.status == "failed"]  # whichever was sent first (4 senders)
    assert gone.user_id in ("U7", "U8") and gone.last_error == "cannot_dm_bot"
    assert prompt_messages(accord)[gone.user_id].state == "failed"
    with accord.rt.session() as session:
        assert session.exec(select(AuditLog).where(AuditLog.action == "checkin.prompt_failed")).one()
    assert "1 prompt(s) could not be delivered" in accord.command("/group", "show Bots").reply_text()
    accord.tick(START + timedelta(days=3))
    summary = accord.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "CBOT"
                                   and bool(c.params.get("thread_ts")))
    assert f"could not be delivered: <@{gone.user_id}>" in FakeSlack.all_text(summary[0])


def test_gives_up_after_eight_attempts(accord: Harness) -> None:
    seed_group(accord, name="Policy", members=["U1"])
    accord.command("/checkin", "now Policy", user=FAC)
    accord.fake.fail_next("chat.postMessage", error="fatal_error", count=8)
    moment = START
    for _ in range(8):
        accord.tick(moment)
        moment += timedelta(hours=1)
    [prompt] = prompts(accord)
    assert prompt.status == "failed" and prompt_messages(accord)["U1"].attempts == 8
    accord.tick(moment + timedelta(hours=1))
    assert prompt_calls(accord.fake) == []


def test_an_expired_lease_is_claimed_again_but_a_live_one_is_not(accord: Harness) -> None:
    seed_group(accord, name="Policy", members=["U1", "U2"])
    accord.command("/checkin", "now Policy", user=FAC)
    rows = prompt_messages(accord)
    with accord.rt.session() as session:  # as if two processes had died, or were still sending
        session.exec(update(OutboxMessage).where(OutboxMessage.id == rows["U1"].id)  # type: ignore[call-overload]
                     .values(lease_token="dead", lease_until=START - timedelta(seconds=1)))
        session.exec(update(OutboxMessage).where(OutboxMessage.id == rows["U2"].id)  # type: ignore[call-overload]
                     .values(lease_token="alive", lease_until=START + timedelta(minutes=5)))
    accord.tick()
    assert prompts_per_user(accord.fake) == {"U1": 1}
    accord.tick(START + timedelta(minutes=6))
    assert prompts_per_user(accord.fake) == {"U1": 1, "U2": 1}
