"""Real `accord serve` processes sharing one database: each scheduled check-in round opens once.

Two processes start together on a database where a group's check-in fell due a few minutes ago
(while Accord was down, within the catch-up grace). Between them they must open that round once
and send one DM per member; after both stop, a restarted process must neither reopen it nor
send anything again.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.values import DAYS
from storage.db import make_engine, session_scope
from storage.models import CheckinPrompt, CheckinRound
from tests.factories import make_group
from tests.fakeslack import Call, FakeSlack
from tests.harness import serve_env
from tests.processes import Serve, serving, wait_until

ZONE = "Asia/Kolkata"
MEMBERS = tuple(f"UACAD{i}" for i in range(1, 7))
DM_LATENCY = 0.25  # seconds the fake Slack takes per chat.postMessage


def _wait_ticks(procs: list[Serve], *, more: int, timeout: float = 20) -> None:
    """Wait until every process has finished ``more`` further ticks.

    A tick logs its completion only after all its work is done (including any Slack call), so
    with ``more`` >= 2 each process has run at least one whole tick that began after this call.
    """
    marks = {p.name: p.ticks() for p in procs}
    for p in procs:
        assert p.proc.poll() is None, f"{p.name} exited:\n{p.output()}"
    wait_until(lambda: all(p.ticks() >= marks[p.name] + more for p in procs), timeout=timeout,
          what=f"{more} more scheduler ticks in each process",
          logs=lambda: "\n".join(f"--- {p.name}\n{p.output()[-3000:]}" for p in procs))


def _env(fake: FakeSlack, database_url: str) -> dict[str, str]:
    return serve_env(fake, database_url, LOG_LEVEL="DEBUG", ACCORD_SCHEDULER_INTERVAL="1",
                     ACCORD_CATCHUP_GRACE="6h")


def _slow_posts(monkeypatch: pytest.MonkeyPatch, fake: FakeSlack) -> None:
    """Make chat.postMessage take DM_LATENCY (concurrent calls overlap), as Slack over the network does.

    Delivering a round then takes the first process a moment, and the other one's ticks fall
    inside it, finding prompts claimed but not yet recorded as sent.
    """
    handle = fake._handle

    def slow(path: str, query: str, headers: object, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        if path.endswith("/chat.postMessage"):
            time.sleep(DM_LATENCY)
        return handle(path, query, headers, raw)

    monkeypatch.setattr(fake, "_handle", slow)


def _member_dm(call: Call) -> bool:
    return call.params.get("channel") in MEMBERS


def test_two_processes_open_a_missed_round_once_and_a_restart_does_not_repeat_it(
    tmp_path: Path, fake_slack: FakeSlack, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slow_posts(monkeypatch, fake_slack)
    # A weekly check-in whose local time in Kolkata was three minutes ago, scheduled an hour
    # ago: it fell due while no Accord was running, well within the 6 h catch-up grace.
    now = datetime.now(UTC)
    due_local = (now.astimezone(ZoneInfo(ZONE)) - timedelta(minutes=3)).replace(second=0, microsecond=0)
    due_at = due_local.astimezone(UTC)
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            group = make_group(session, name="Academia", members=MEMBERS, timezone=ZONE)
            # Stored as `/group schedule` stores it: cron day names joined by commas, local HH:MM.
            group.checkin_days = DAYS[due_local.weekday()]
            group.checkin_time = due_local.strftime("%H:%M")
            group.schedule_updated_at = now - timedelta(hours=1)
            session.add(group)
            session.flush()
            group_id = group.id

        def rounds() -> list[CheckinRound]:
            with session_scope(engine) as session:
                return list(session.exec(select(CheckinRound).where(CheckinRound.group_id == group_id)))

        def prompts() -> list[CheckinPrompt]:
            with session_scope(engine) as session:
                return list(session.exec(select(CheckinPrompt).order_by(col(CheckinPrompt.user_id))))

        env = _env(fake_slack, database_url)
        # Two processes on the one database, started together: their first ticks race.
        with serving([Serve("serve-a", tmp_path, env), Serve("serve-b", tmp_path, env)]) as pair:
            for p in pair:
                p.wait_healthy()
            fake_slack.wait_for("chat.postMessage", count=len(MEMBERS), where=_member_dm, timeout=30)
            wait_until(lambda: {p.status for p in prompts()} == {"sent"}, timeout=15,
                  what="every prompt recorded as sent",
                  logs=lambda: "\n".join(f"--- {p.name}\n{p.output()[-3000:]}" for p in pair))
            # Both processes keep ticking with the round's due time still inside the grace: any
            # second opening or second delivery would happen in these ticks.
            _wait_ticks(pair, more=3)

            opened = rounds()
            assert len(opened) == 1, [(r.id, r.due_at, r.trigger) for r in opened]
            round_ = opened[0]
            assert (round_.due_at, round_.trigger) == (due_at, "schedule")
            dms = fake_slack.calls_to("chat.postMessage", include_failed=True)
            assert all(c.ok for c in dms), [c.response for c in dms]
            assert sorted(c.params["channel"] for c in dms) == sorted(MEMBERS)  # one DM per member, nothing else
            sent = prompts()
            assert [(p.round_id, p.user_id, p.status) for p in sent] == [
                (round_.id, user, "sent") for user in sorted(MEMBERS)]
            assert {(p.user_id, p.message_ts) for p in sent} == {
                (c.params["channel"], c.response["ts"]) for c in dms}  # each prompt recorded the DM it sent
            for p in pair:
                assert p.stop() == 0, p.output()
                assert "scheduler_stopped" in p.output()
            openings = {p.name: p.output().count("checkin_round_opened") for p in pair}
            assert sorted(openings.values()) == [0, 1], openings  # one process opened it, the other did not

        # Accord comes back: one process on the same database, the round's due time still in the grace.
        with serving([Serve("serve-again", tmp_path, env)]) as [again]:
            again.wait_healthy()
            _wait_ticks([again], more=3)
            assert [r.id for r in rounds()] == [round_.id]
            assert fake_slack.calls_to("chat.postMessage", include_failed=True) == dms
            assert [p.status for p in prompts()] == ["sent"] * len(MEMBERS)
            assert again.stop() == 0, again.output()
            assert "checkin_round_opened" not in again.output()
    finally:
        engine.dispose()
