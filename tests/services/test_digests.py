"""The digest's content, its fixed query count, its period, and the life of digest runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config import Settings
from bot.services import digest_runs as runs
from bot.services import retries
from bot.services.digests import Voice, build_digest, least_heard, period_start
from storage.db import session_scope
from storage.models import (
    CheckinPrompt,
    CheckinResponse,
    CheckinRound,
    Decision,
    DigestRun,
    DigestSchedule,
    StakeholderGroup,
)
from tests.factories import make_commitments, make_group, make_proposal_with_positions

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _round(session: Session, *, group_id: int, asked: list[str], answered: list[str], failed: list[str] = (),
           opened: datetime = NOW - timedelta(days=1)) -> None:
    row = CheckinRound(team_id="T1", group_id=group_id, due_at=opened, opened_at=opened, remind_at=opened,
                       closes_at=opened + timedelta(days=2))
    session.add(row)
    session.flush()
    for user in [*asked, *failed]:
        session.add(CheckinPrompt(team_id="T1", round_id=row.id, user_id=user,
                                  status="failed" if user in failed else "sent"))
    for user in answered:
        session.add(CheckinResponse(team_id="T1", round_id=row.id, user_id=user, text="fine",
                                    responded_at=opened + timedelta(hours=1)))
    session.flush()


def _consortium(session: Session) -> dict[str, int]:
    groups = {name: make_group(session, name=name, members=members).id
              for name, members in (("Industry", ["U1", "U2"]), ("Academia", ["U3", "U4", "U5", "U6"]),
                                    ("Policy", ["U7"]))}
    for i in range(3):
        make_proposal_with_positions(session, title=f"Proposal {i}", group_ids=list(groups.values()),
                                     positions=[("U1", groups["Industry"], "agree"),
                                                ("U3", groups["Academia"], "disagree")],
                                     created_at=NOW - timedelta(days=1))
    _round(session, group_id=groups["Academia"], asked=["U3", "U4", "U5"], answered=["U3"], failed=["U6"])
    session.add(Decision(team_id="T1", text="Use the glossary", channel_id="C1", recorded_by="U1",
                         created_at=NOW - timedelta(days=2)))
    return groups  # type: ignore[return-value]


def _build(session: Session, channel: str = "C1") -> Any:
    return build_digest(session, team_id="T1", channel_id=channel, start=NOW - timedelta(days=7), end=NOW,
                        today=TODAY)


def test_building_a_digest_costs_a_fixed_number_of_queries(engine: Engine) -> None:
    with session_scope(engine) as session:
        groups = _consortium(session)
        make_commitments(session, owner_id="U1", group_id=groups["Industry"], count=10,
                         due_date=date(2026, 11, 1))
    with session_scope(engine) as session, counted(engine) as few:
        small = _build(session)
    with session_scope(engine) as session:
        make_commitments(session, owner_id="U3", group_id=groups["Academia"], count=95)
        make_commitments(session, owner_id="U2", group_id=groups["Industry"], count=95,
                         due_date=date(2026, 12, 1))
        for i in range(5):
            make_proposal_with_positions(session, title=f"More {i}", group_ids=[groups["Policy"]],
                                         positions=[("U7", groups["Policy"], "agree")])
    with session_scope(engine) as session, counted(engine) as many:
        large = _build(session)
    assert (small.open_total, large.open_total) == (10, 200)
    assert len(many) == len(few) <= 20, few


def test_commitments_by_group_overdue_first_and_cut(engine: Engine) -> None:
    with session_scope(engine) as session:
        groups = _consortium(session)
        make_commitments(session, owner_id="U1", group_id=groups["Industry"], count=12,
                         due_date=date(2026, 12, 9))
        [late] = make_commitments(session, owner_id="U2", group_id=groups["Industry"],
                                  due_date=date(2026, 11, 2), text="Late one")
        make_commitments(session, owner_id="U9", text="No group")
        digest = _build(session)
    industry, nobody = digest.commitments
    assert (industry.name, industry.total, industry.overdue) == ("Industry", 13, 1)
    assert industry.shown[0].id == late.id and len(industry.shown) == 8
    assert (nobody.name, nobody.total) == ("No group", 1)


def test_proposals_participation_and_balance(engine: Engine) -> None:
    with session_scope(engine) as session:
        groups = _consortium(session)
        digest = _build(session)
    status = digest.proposals[0]
    assert status.tally.silent_groups == (groups["Policy"],) and status.tally.outcome == "no_quorum"
    [academia] = digest.participation
    assert (academia.name, academia.rounds, academia.asked, academia.answered) == ("Academia", 1, 3, 1)
    assert digest.silent_checkin_groups == ["Industry", "Policy"]
    # Industry: 3 positions / 2 members; Academia: 3 positions + 1 answer / 4 members; Policy: nothing.
    assert [v.name for v in digest.least_heard] == ["Policy"]
    assert [v.name for v in digest.voices] == ["Policy", "Academia", "Industry"]


def test_home_channel_scope(engine: Engine) -> None:
    with session_scope(engine) as session:
        groups = _consortium(session)
        policy = session.get(StakeholderGroup, groups["Policy"])
        policy.channel_id = "CPOL"
        make_proposal_with_positions(session, title="Industry only", group_ids=[groups["Industry"]])
        make_commitments(session, owner_id="U7", group_id=groups["Policy"], text="Policy task")
        make_commitments(session, owner_id="U1", group_id=groups["Industry"], text="Industry task")
        digest = _build(session, channel="CPOL")
    assert digest.scope == [groups["Policy"]]
    assert [c.text for g in digest.commitments for c in g.shown] == ["Policy task"]
    assert [s.proposal.title for s in digest.proposals] == ["Proposal 0", "Proposal 1", "Proposal 2"]
    assert digest.decisions == [] and digest.participation == []


def test_least_heard_is_relative_to_size() -> None:
    def voice(name: str, members: int, positions: int, answers: int = 0) -> Voice:
        return Voice(group_id=hash(name), name=name, members=members, positions=positions, answers=answers)

    big, small = voice("Big", 10, 5), voice("Small", 2, 2)
    assert least_heard([big, small]) == [big]  # 0.5 per member against 1.0
    assert least_heard([voice("A", 2, 2), voice("B", 4, 4)]) == []  # equal
    assert least_heard([voice("A", 2, 0), voice("B", 4, 0)]) == []  # nobody heard: none stands out
    assert [v.name for v in least_heard([voice("A", 2, 0), voice("B", 4, 1), voice("C", 1, 0)])] == ["A", "C"]


def test_period_starts_at_the_last_posted_run(engine: Engine) -> None:
    with session_scope(engine) as session:
        make_group(session, name="G")
        assert period_start(session, team_id="T1", channel_id="C1", end=NOW) == NOW - timedelta(days=7)
        for key, end, status in (("a", NOW - timedelta(days=3), "posted"),
                                 ("b", NOW - timedelta(days=1), "pending")):
            session.add(DigestRun(team_id="T1", channel_id="C1", run_key=key, period_end=end, status=status,
                                  period_start=end - timedelta(days=7)))
        session.flush()
        assert period_start(session, team_id="T1", channel_id="C1", end=NOW) == NOW - timedelta(days=3)
        assert period_start(session, team_id="T1", channel_id="C2", end=NOW) == NOW - timedelta(days=7)


def test_claims_latest_due_time_once_and_skips_older_ones(engine: Engine) -> None:
    with session_scope(engine) as session:
        make_group(session, name="G")
        schedule = DigestSchedule(team_id="T1", channel_id="C1", days="mon,tue,wed,thu,fri,sat,sun",
                                  time="08:00", timezone="UTC", created_by="U1",
                                  updated_at=NOW - timedelta(days=10))
        session.add(schedule)
        session.flush()
        claimed = runs.claim_scheduled_runs(session, schedules=[schedule], now=NOW, grace=timedelta(days=3))
        again = runs.claim_scheduled_runs(session, schedules=[schedule], now=NOW, grace=timedelta(days=3))
        rows = list(session.exec(select(DigestRun).order_by(DigestRun.period_end)))
    assert [r.run_key for r in claimed] == [NOW.replace(hour=8).isoformat()] and again == []
    assert [r.status for r in rows] == ["skipped", "skipped", "pending"]


def test_schedule_change_does_not_fire_for_times_before_it(engine: Engine) -> None:
    with session_scope(engine) as session:
        make_group(session, name="G")
        row = runs.schedule_digest(session, settings=Settings(), team_id="T1", channel_id="C1", days=["wed"],
                                   at=NOW.time().replace(minute=0), timezone=None, actor_id="U1",
                                   now=NOW + timedelta(minutes=1))
        assert row.timezone == "UTC"
        claimed = runs.claim_scheduled_runs(session, schedules=[row], now=NOW + timedelta(minutes=2),
                                            grace=timedelta(hours=6))
    assert claimed == []


def test_refusals_back_off_and_give_up_eventually(engine: Engine) -> None:
    with session_scope(engine) as session:
        make_group(session, name="G")
        run = DigestRun(team_id="T1", channel_id="C1", run_key="k", period_start=NOW, period_end=NOW)
        session.add(run)
        session.flush()
        delays = [runs.record_refused(session, run=run, attempts=n, error="internal_error", now=NOW) - NOW
                  for n in (1, 2, 3, 10)]
        assert delays == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120),
                          retries.MAX_RETRY]
        assert runs.record_refused(session, run=run, attempts=runs.MAX_ATTEMPTS, error="x", now=NOW) is None
        session.refresh(run)
        assert (run.status, run.last_error) == ("failed", "x")
