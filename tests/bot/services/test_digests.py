"""The digest's content, its fixed query count, its period, its count of failed posts, and the life of digest runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.services import digest_runs as runs
from bot.services.digests import Voice, build_digest, least_heard, period_start
from storage import outbox as outbox_store
from storage.db import session_scope
from storage.models import (
    AuditLog,
    CheckinPrompt,
    CheckinResponse,
    CheckinRound,
    Decision,
    DigestRun,
    DigestSchedule,
    OutboxMessage,
    Position,
    StakeholderGroup,
)
from storage.teams import ensure_team
from tests.factories import make_commitments, make_group, make_proposal_with_positions
from tests.statements import statements_run

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def _round(session: Session, *, group_id: int, asked: list[str], answered: list[str], failed: Sequence[str] = (),
           opened: datetime = NOW - timedelta(days=1)) -> None:
    row = CheckinRound(consortium_id="T1", group_id=group_id, due_at=opened, opened_at=opened, remind_at=opened,
                       closes_at=opened + timedelta(days=2))
    session.add(row)
    session.flush()
    assert row.id is not None
    for user in [*asked, *failed]:
        session.add(CheckinPrompt(consortium_id="T1", round_id=row.id, user_id=user,
                                  status="failed" if user in failed else "sent"))
    for user in answered:
        session.add(CheckinResponse(consortium_id="T1", round_id=row.id, user_id=user, text="fine",
                                    responded_at=opened + timedelta(hours=1)))
    session.flush()


def _consortium(session: Session) -> dict[str, int]:
    groups: dict[str, Any] = {name: make_group(session, name=name, members=members).id
              for name, members in (("Industry", ["U1", "U2"]), ("Academia", ["U3", "U4", "U5", "U6"]),
                                    ("Policy", ["U7"]))}
    for i in range(3):
        make_proposal_with_positions(session, title=f"Proposal {i}", group_ids=list(groups.values()),
                                     positions=[("U1", groups["Industry"], "agree"),
                                                ("U3", groups["Academia"], "disagree")],
                                     created_at=NOW - timedelta(days=1))
    _round(session, group_id=groups["Academia"], asked=["U3", "U4", "U5"], answered=["U3"], failed=["U6"])
    session.add(Decision(consortium_id="T1", text="Use the glossary", channel_id="C1", recorded_by="U1",
                         created_at=NOW - timedelta(days=2)))
    return groups


def _build(session: Session, channel: str = "C1") -> Any:
    return build_digest(session, consortium_id="T1", channel_id=channel, start=NOW - timedelta(days=7), end=NOW,
                        today=TODAY)


def test_building_a_digest_costs_a_fixed_number_of_queries(engine: Engine) -> None:
    with session_scope(engine) as session:
        groups = _consortium(session)
        make_commitments(session, owner_id="U1", group_id=groups["Industry"], count=10,
                         due_date=date(2026, 11, 1))
    with session_scope(engine) as session, statements_run(engine) as few:
        small = _build(session)
    with session_scope(engine) as session:
        make_commitments(session, owner_id="U3", group_id=groups["Academia"], count=95)
        make_commitments(session, owner_id="U2", group_id=groups["Industry"], count=95,
                         due_date=date(2026, 12, 1))
        for i in range(5):
            make_proposal_with_positions(session, title=f"More {i}", group_ids=[groups["Policy"]],
                                         positions=[("U7", groups["Policy"], "agree")])
    with session_scope(engine) as session, statements_run(engine) as many:
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


def test_dated_commitments_come_before_undated_ones_in_each_group(engine: Engine) -> None:
    with session_scope(engine) as session:
        groups = _consortium(session)
        undated = make_commitments(session, owner_id="U1", group_id=groups["Industry"], count=6)
        dated = make_commitments(session, owner_id="U2", group_id=groups["Industry"], count=5,
                                 due_date=date(2026, 12, 20))
        digest = _build(session)
    [industry] = digest.commitments
    assert [c.id for c in industry.shown] == [c.id for c in dated] + [c.id for c in undated[:3]]


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
        assert policy is not None
        policy.channel_id = "CPOL"
        make_proposal_with_positions(session, title="Industry only", group_ids=[groups["Industry"]])
        make_commitments(session, owner_id="U7", group_id=groups["Policy"], text="Policy task")
        make_commitments(session, owner_id="U1", group_id=groups["Industry"], text="Industry task")
        digest = _build(session, channel="CPOL")
    assert digest.scope == [groups["Policy"]]
    assert [c.text for g in digest.commitments for c in g.shown] == ["Policy task"]
    assert [s.proposal.title for s in digest.proposals] == ["Proposal 0", "Proposal 1", "Proposal 2"]
    assert digest.decisions == [] and digest.participation == []


def _due(session: Session, text: str, review_on: date, *, status: str = "active", channel: str = "C1",
         created_at: datetime = NOW - timedelta(days=30)) -> None:
    session.add(Decision(consortium_id="T1", text=text, channel_id=channel, recorded_by="U1", created_at=created_at,
                         review_on=review_on, status=status))
    session.flush()


def test_decisions_due_for_review_today_or_past_active_only_in_a_fixed_number_of_queries(engine: Engine) -> None:
    with session_scope(engine) as session:
        _consortium(session)
        _due(session, "Due today", TODAY)
        _due(session, "Overdue", TODAY - timedelta(days=40))
        _due(session, "Tomorrow", TODAY + timedelta(days=1))
        _due(session, "Superseded", TODAY, status="superseded")
        _due(session, "Revoked", TODAY, status="revoked")
        ensure_team(session, team_id="T2")
        session.add(Decision(consortium_id="T2", text="Other consortium", channel_id="C1", recorded_by="U1",
                             created_at=NOW, review_on=TODAY))
    with session_scope(engine) as session, statements_run(engine) as few:
        digest = _build(session)
    assert [d.text for d in digest.due_for_review] == ["Overdue", "Due today"]
    assert digest.due_for_review_total == 2
    with session_scope(engine) as session:
        for i in range(40):
            _due(session, f"More {i}", TODAY - timedelta(days=1))
    with session_scope(engine) as session, statements_run(engine) as many:
        digest = _build(session)
    assert digest.due_for_review_total == 42 and len(digest.due_for_review) == 15
    assert len(many) == len(few)


def test_decisions_being_carried_out_are_found_through_the_index_of_open_commitments_by_decision(
        engine: Engine) -> None:
    """The digest's "being carried out" list reads the few open commitments that name a decision from an
    index, not every open commitment (at 100,000 of them that read took most of a digest's time)."""
    with session_scope(engine) as session:
        groups = _consortium(session)
        make_commitments(session, owner_id="U1", group_id=groups["Industry"], count=20)
        decision = Decision(consortium_id="T1", text="Adopt", channel_id="C1", recorded_by="U1", created_at=NOW)
        session.add(decision)
        session.flush()
        [linked] = make_commitments(session, owner_id="U3", group_id=groups["Academia"], text="Carry it out")
        linked.decision_id = decision.id
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with session_scope(engine) as session:
            digest = _build(session)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert [p.decision.text for p in digest.carried_out] == ["Adopt"] and digest.carried_out_total == 1
    [(statement, parameters)] = [(s, p) for s, p in captured if "commitment.decision_id IS NOT NULL" in s]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("SET enable_seqscan = off")  # a table this small would otherwise be read whole
            cursor.execute("EXPLAIN " + statement, parameters)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    finally:
        raw.rollback()
        raw.close()
    assert "ix_commitment_open_decision" in plan, plan


def test_a_home_channel_digest_lists_reviews_of_its_channel(engine: Engine) -> None:
    with session_scope(engine) as session:
        groups = _consortium(session)
        policy = session.get(StakeholderGroup, groups["Policy"])
        assert policy is not None
        policy.channel_id = "CPOL"
        _due(session, "Policy rule", TODAY, channel="CPOL")
        _due(session, "Elsewhere", TODAY, channel="C9")
        digest = _build(session, channel="CPOL")
    assert [d.text for d in digest.due_for_review] == ["Policy rule"]


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
        assert period_start(session, consortium_id="T1", channel_id="C1", end=NOW) == NOW - timedelta(days=7)
        for key, end, status in (("a", NOW - timedelta(days=3), "posted"),
                                 ("b", NOW - timedelta(days=1), "pending")):
            session.add(DigestRun(consortium_id="T1", channel_id="C1", run_key=key, period_end=end, status=status,
                                  period_start=end - timedelta(days=7)))
        session.flush()
        assert period_start(session, consortium_id="T1", channel_id="C1", end=NOW) == NOW - timedelta(days=3)
        assert period_start(session, consortium_id="T1", channel_id="C2", end=NOW) == NOW - timedelta(days=7)


def test_claims_latest_due_time_once_and_skips_older_ones(engine: Engine) -> None:
    with session_scope(engine) as session:
        make_group(session, name="G")
        schedule = DigestSchedule(consortium_id="T1", channel_id="C1", days="mon,tue,wed,thu,fri,sat,sun",
                                  time="08:00", timezone="UTC", created_by="U1",
                                  updated_at=NOW - timedelta(days=10))
        session.add(schedule)
        session.flush()
        claimed = runs.claim_scheduled_runs(session, schedules=[schedule], now=NOW, grace=timedelta(days=3))
        again = runs.claim_scheduled_runs(session, schedules=[schedule], now=NOW, grace=timedelta(days=3))
        rows = list(session.exec(select(DigestRun).order_by(col(DigestRun.period_end))))
    assert [r.run_key for r in claimed] == [NOW.replace(hour=8).isoformat()] and again == []
    assert [r.status for r in rows] == ["skipped", "skipped", "pending"]


def test_schedule_change_does_not_fire_for_times_before_it(engine: Engine) -> None:
    with session_scope(engine) as session:
        make_group(session, name="G")
        row = runs.schedule_digest(session, settings=Settings(), consortium_id="T1", channel_id="C1", days=["wed"],
                                   at=NOW.time().replace(minute=0), timezone=None, actor_id="U1",
                                   now=NOW + timedelta(minutes=1))
        assert row.timezone == "UTC"
        claimed = runs.claim_scheduled_runs(session, schedules=[row], now=NOW + timedelta(minutes=2),
                                            grace=timedelta(hours=6))
    assert claimed == []


def test_a_run_is_marked_posted_or_failed_once(engine: Engine) -> None:
    """The outbox's on_sent / on_failed: each marks a pending run once, with its audit line."""
    with session_scope(engine) as session:
        make_group(session, name="G")
        posted = DigestRun(consortium_id="T1", channel_id="C1", run_key="a", period_start=NOW, period_end=NOW,
                           requested_by="U1")
        failed = DigestRun(consortium_id="T1", channel_id="C1", run_key="b", period_start=NOW, period_end=NOW)
        session.add_all([posted, failed])
        session.flush()
        assert posted.id is not None and failed.id is not None
        start = NOW - timedelta(days=2)
        assert runs.record_posted(session, consortium_id="T1", run_id=posted.id, start=start, message_ts="1.2", now=NOW)
        assert not runs.record_posted(session, consortium_id="T1", run_id=posted.id, start=start, message_ts="3.4",
                                      now=NOW)
        assert not runs.record_failed(session, consortium_id="T1", run_id=posted.id, error="x")
        assert not runs.record_failed(session, consortium_id="T2", run_id=failed.id, error="x")  # another team's
        assert runs.record_failed(session, consortium_id="T1", run_id=failed.id, error="not_in_channel")
        assert not runs.record_posted(session, consortium_id="T1", run_id=failed.id, start=start, message_ts="5.6",
                                      now=NOW)
        session.expire_all()
        assert (posted.status, posted.message_ts, posted.period_start, posted.posted_at) == ("posted", "1.2", start,
                                                                                             NOW)
        assert (failed.status, failed.last_error, failed.message_ts) == ("failed", "not_in_channel", None)
        audit = [(a.action, a.entity_id, a.actor_id) for a in session.exec(select(AuditLog).order_by(col(AuditLog.id)))
                 if a.entity == "digest_run"]
    assert audit == [("digest.post", str(posted.id), "U1"), ("digest.failed", str(failed.id), None)]


def _outbox_row(session: Session, *, key: str, created_at: datetime, state: str = "failed",
                consortium_id: str = "T1") -> None:
    session.add(OutboxMessage(team_id=consortium_id, kind="message", key=key, state=state, created_at=created_at,
                              next_attempt_at=created_at))
    session.flush()


def test_failed_posts_are_counted_within_the_period_for_the_team(engine: Engine) -> None:
    start, end = NOW - timedelta(days=7), NOW
    with session_scope(engine) as session:
        groups = _consortium(session)
        assert _build(session).undelivered == 0
        _outbox_row(session, key="at-start", created_at=start)  # before the period: (start, end]
        _outbox_row(session, key="inside", created_at=start + timedelta(seconds=1))
        _outbox_row(session, key="at-end", created_at=end)
        _outbox_row(session, key="after", created_at=end + timedelta(seconds=1))
        _outbox_row(session, key="sent", created_at=NOW - timedelta(days=1), state="sent")
        _outbox_row(session, key="pending", created_at=NOW - timedelta(days=1), state="pending")
        _outbox_row(session, key="other-team", created_at=NOW - timedelta(days=1), consortium_id="T2")
        assert outbox_store.count_failed_between(session, team_id="T1", start=start, end=end) == 2
        assert outbox_store.count_failed_between(session, team_id="T2", start=start, end=end) == 1
        assert _build(session).undelivered == 2
        policy = session.get(StakeholderGroup, groups["Policy"])
        assert policy is not None
        policy.channel_id = "CPOL"
        session.flush()
        assert _build(session, channel="CPOL").undelivered == 2  # every post of the workspace, in any channel


def test_a_digest_built_again_for_another_consortium_shows_that_consortiums_commitments(engine: Engine) -> None:
    """The commitments' statement is built once per number of groups and reused with other values bound."""
    with session_scope(engine) as session:
        for team in ("T1", "T2"):
            group = make_group(session, consortium_id=team, name=f"Group of {team}", members=[f"U{team}"])
            make_commitments(session, consortium_id=team, owner_id=f"U{team}", group_id=group.id,
                             text=f"Task of {team}", due_date=date(2026, 12, 1))
            make_commitments(session, consortium_id=team, owner_id=f"U{team}", text=f"Loose end of {team}")
    for team in ("T1", "T2", "T1"):
        with session_scope(engine) as session:
            digest = build_digest(session, consortium_id=team, channel_id="C1", start=NOW - timedelta(days=7),
                                  end=NOW, today=TODAY)
        assert [[c.text for c in g.shown] for g in digest.commitments] == [[f"Task of {team}"],
                                                                           [f"Loose end of {team}"]]


def test_an_open_proposal_counted_per_organisation_is_counted_so_in_the_digest(engine: Engine) -> None:
    with session_scope(engine) as session:
        group = make_group(session, name="Industry", members=["U1", "U2", "U3"])
        assert group.id is not None
        proposal = make_proposal_with_positions(session, title="Adopt the template", group_ids=[group.id],
                                                positions=[("U1", group.id, "agree"), ("U2", group.id, "disagree"),
                                                           ("U3", group.id, "disagree")])
        proposal.counting = "organisation"
        for position in session.exec(select(Position)):
            position.organisation = "Northwind"  # one organisation: its first to take a position counts for it
            session.add(position)
        session.add(proposal)
    with session_scope(engine) as session:
        digest = build_digest(session, consortium_id="T1", channel_id="C1", start=NOW - timedelta(days=7), end=NOW,
                              today=TODAY)
    [status] = digest.proposals
    assert (status.tally.overall["agree"], status.tally.overall["disagree"]) == (1, 0)
    assert status.tally.outcome == "consensus"
