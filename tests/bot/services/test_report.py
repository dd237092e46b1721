"""The transparency report's data: decisions with their proposal's outcome by group, dissent and
revocations, commitments' progress, participation by week and the audit trail; the public edition
names no one."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from bot.services.participation import recorded_organisation, week_of
from bot.services.people import People
from bot.services.report import build_report
from storage.db import session_scope
from storage.models import Position
from tests.factories import T0, make_report_record

NOW = T0 + timedelta(days=10)


def test_full_report_names_people_and_keeps_the_history(engine: Engine) -> None:
    with session_scope(engine) as session:
        ids = make_report_record(session)
    with session_scope(engine) as session:
        report = build_report(session, consortium_id="T1", now=NOW)
    kept, revoked = report.decisions
    assert (kept.id, kept.recorded_by, kept.rationale) == (ids["decision"], "Fay Facilitator", "Agreed by @Ann Example")
    assert kept.proposal is not None and kept.proposal.outcome == "consensus"
    assert kept.proposal.by_group == {'Civil <b>"society"</b>': {"agree": 1, "abstain": 0, "disagree": 0, "block": 0},
                                      "Industry": {"agree": 1, "abstain": 0, "disagree": 1, "block": 0}}
    [dissent] = kept.proposal.dissent
    assert (dissent.choice, dissent.group, dissent.who, dissent.reason) == (
        "disagree", "Industry", "Bob Sample", "Too costly for <@UCAT>'s members")
    assert revoked.text == '<script>alert("x")</script> & "quotes"'
    assert (revoked.status, revoked.revoked_by, revoked.revoke_reason) == ("revoked", "Fay Facilitator",
                                                                           "Recorded by mistake")
    blocked = next(p for p in report.proposals if p.id == ids["blocked"])
    assert [(d.choice, d.reason) for d in blocked.dissent] == [("block", "Breaks the funding rules")]
    assert [(c.text, c.owner, c.overdue) for c in report.commitments] == [
        ("Draft the annex for @Cat Person", "Ann Example", True), ("Circulate the minutes", "Cat Person", False)]
    assert [(p.label, p.counts["done"], p.total, p.overdue) for p in report.by_group] == [
        ('Civil <b>"society"</b>', 1, 1, 0), ("Industry", 0, 1, 1)]
    assert report.by_organisation == []  # organisations are not recorded yet
    week = week_of(T0)
    assert report.participation.weeks[0] == week
    assert report.participation.positions["Industry"][:2] == [2, 1]  # T0 is a Sunday
    assert sum(report.participation.answers['Civil <b>"society"</b>']) == 1
    assert [(a.action, a.entity_id, a.actor, a.detail) for a in report.audit] == [
        ("decision.revoke", "2", "Bob Sample", "members: Ann Example; reason: Recorded by mistake"),
        ("facilitator.add", "Cat Person", "Fay Facilitator", None)]


def test_public_report_carries_no_person(engine: Engine) -> None:
    with session_scope(engine) as session:
        make_report_record(session)
    with session_scope(engine) as session:
        report = build_report(session, consortium_id="T1", now=NOW, public=True)
    text = repr(asdict(report))
    for secret in ("UANN", "UBOB", "UCAT", "UFAC", "Ann Example", "Bob Sample", "Cat Person", "Fay", "C1",
                   "slack.com", "T1"):
        assert secret not in text, secret
    assert "a member" in report.decisions[0].rationale  # type: ignore[operator]
    assert report.consortium_name == "the consortium"
    assert [(a.action, a.entity_id, a.actor) for a in report.audit] == [("decision.revoke", "2", None),
                                                                         ("facilitator.add", None, None)]
    assert report.decisions[0].proposal is not None and report.decisions[0].proposal.dissent[0].group == "Industry"


def test_since_leaves_older_records_out(engine: Engine) -> None:
    with session_scope(engine) as session:
        ids = make_report_record(session)
    with session_scope(engine) as session:
        report = build_report(session, consortium_id="T1", now=NOW, since=(T0 + timedelta(days=3)).date())
    assert [d.id for d in report.decisions] == [ids["revoked"]]
    assert [p.id for p in report.proposals] == [ids["blocked"]]  # closed in the period
    assert sum(sum(v) for v in report.participation.positions.values()) == 0
    assert sum(sum(v) for v in report.participation.answers.values()) == 1


def test_another_consortium_sees_nothing(engine: Engine) -> None:
    with session_scope(engine) as session:
        make_report_record(session)
        from storage.teams import ensure_team

        ensure_team(session, team_id="T2")
    with session_scope(engine) as session:
        report = build_report(session, consortium_id="T2", now=NOW)
    assert (report.decisions, report.proposals, report.commitments, report.audit) == ([], [], [], [])


def test_people_text_reads_slack_markup() -> None:
    people = People({"U1": "Ann"}, public=False)
    assert people.text("Ask <@U1> and <@U9|bob> in <#C1|general> or <#C2>, see <https://x.org|the doc> &amp; <!here>") \
        == "Ask @Ann and @bob in #general or a channel, see the doc & @here"
    assert People({"U1": "Ann"}, public=True).text("Ask <@U1|ann>") == "Ask a member"
    assert [recorded_organisation(Position(consortium_id="T1", proposal_id=1, user_id="U1", choice="agree",
                                           organisation=org)) for org in (None, "", "Uni A")] == [None, None, "Uni A"]
    assert week_of(datetime(2026, 11, 4, 23, tzinfo=UTC)) == date(2026, 11, 2)


def _proposal_with(**flags: Any) -> tuple[Any, list[Any]]:
    from types import SimpleNamespace

    flags = {"hidden": False, "anonymous": False, **flags}
    proposal = SimpleNamespace(id=7, title="Rename the consortium", status=flags.pop("status", "open"),
                               outcome=None, created_at=T0, closed_at=None, **flags)
    positions = [SimpleNamespace(user_id="UANN", group_id=1, choice="block", reason="Not <@UBOB>'s call",
                                 organisation="Uni A")]
    return proposal, positions


def test_hidden_and_anonymous_proposals_keep_their_secrets() -> None:
    from bot.services.report import _proposal

    full, public = People({"UANN": "Ann"}, public=False), People({"UANN": "Ann"}, public=True)
    hidden, positions = _proposal_with(hidden=True)
    entry = _proposal(hidden, [1], positions, full, {1: "Industry"})
    assert (entry.concealed, entry.by_group, entry.dissent) == (True, {}, [])
    closed, positions = _proposal_with(hidden=True, status="closed")
    entry = _proposal(closed, [1], positions, full, {1: "Industry"})
    assert entry.by_group["Industry"]["block"] == 1 and entry.by_organisation == {
        "Uni A": {"agree": 0, "abstain": 0, "disagree": 0, "block": 1}}
    assert [(d.who, d.organisation, d.reason) for d in entry.dissent] == [("Ann", "Uni A", "Not @UBOB's call")]
    anonymous, positions = _proposal_with(anonymous=True, status="closed")
    entry = _proposal(anonymous, [1], positions, full, {1: "Industry"})
    assert [(d.who, d.reason) for d in entry.dissent] == [(None, "Not @UBOB's call")]
    entry = _proposal(anonymous, [1], positions, public, {1: "Industry"})
    assert [(d.who, d.group, d.reason) for d in entry.dissent] == [(None, "Industry", None)]
