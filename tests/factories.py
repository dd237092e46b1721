"""Factories for records, written straight through storage (no shared hidden state)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage.groups import name_key
from storage.models import Commitment, GroupMembership, Position, Proposal, ProposalGroup, StakeholderGroup
from storage.teams import ensure_team

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def make_group(session: Session, *, consortium_id: str = "T1", name: str, members: Sequence[str] = (),
               timezone: str = "UTC", channel_id: str | None = None, sector: str | None = None,
               joined_at: datetime = T0) -> StakeholderGroup:
    """A group with members who joined in the order given (one second apart)."""
    ensure_team(session, team_id=consortium_id)
    group = StakeholderGroup(consortium_id=consortium_id, name=name, name_key=name_key(name), timezone=timezone,
                             channel_id=channel_id, sector=sector, created_by="UFAC", created_at=joined_at)
    session.add(group)
    session.flush()
    for i, user_id in enumerate(members):
        assert group.id is not None
        session.add(GroupMembership(consortium_id=consortium_id, group_id=group.id, user_id=user_id,
                                    joined_at=joined_at + timedelta(seconds=i)))
    session.flush()
    return group


def make_commitments(session: Session, *, consortium_id: str = "T1", owner_id: str, count: int = 1,
                     group_id: int | None = None, due_date: date | None = None, channel_id: str = "C1",
                     text: str = "Commitment", created_at: datetime = T0) -> list[Commitment]:
    """``count`` open commitments of one owner (texts numbered when more than one), in one flush."""
    ensure_team(session, team_id=consortium_id)
    rows = [Commitment(consortium_id=consortium_id, text=f"{text} {i + 1}" if count > 1 else text, owner_id=owner_id,
                       group_id=group_id, due_date=due_date, channel_id=channel_id, created_by=owner_id,
                       created_at=created_at, updated_at=created_at) for i in range(count)]
    session.add_all(rows)
    session.flush()
    return rows


def make_proposal_with_positions(session: Session, *, consortium_id: str = "T1", title: str,
                                 group_ids: Sequence[int],
                                 positions: Sequence[tuple[str, int | None, str]] = (),
                                 channel_id: str = "C1",
                                 closes_at: datetime = T0 + timedelta(days=60), author_id: str = "UFAC",
                                 created_at: datetime = T0, status: str = "open", outcome: str | None = None,
                                 closed_at: datetime | None = None) -> Proposal:
    """A proposal requiring ``group_ids``, with positions given as (user, group id, choice)."""
    ensure_team(session, team_id=consortium_id)
    proposal = Proposal(consortium_id=consortium_id, title=title, author_id=author_id, channel_id=channel_id,
                        closes_at=closes_at, created_at=created_at, status=status, outcome=outcome,
                        closed_at=closed_at)
    session.add(proposal)
    session.flush()
    assert proposal.id is not None
    session.add_all([ProposalGroup(consortium_id=consortium_id, proposal_id=proposal.id,
                                   group_id=g) for g in group_ids])
    session.add_all([Position(consortium_id=consortium_id, proposal_id=proposal.id, user_id=user, group_id=group,
                              choice=choice, created_at=created_at, updated_at=created_at)
                     for user, group, choice in positions])
    session.flush()
    return proposal


HOSTILE = '<script>alert("x")</script> & "quotes"'


def make_report_record(session: Session, *, consortium_id: str = "T1") -> dict[str, int]:
    """A small consortium's record for the transparency report: two groups (one with a hostile name),
    named members, a decision from a proposal with dissent and a block, a revoked decision with
    hostile text, commitments, a check-in answer and audit lines. Stored text is Slack's escaped form."""
    from storage.models import CheckinResponse, CheckinRound, Decision
    from storage.people import save_user_names
    from storage.statuses import CommitmentStatus, DecisionStatus
    from storage.teams import write_audit

    industry = make_group(session, consortium_id=consortium_id, name="Industry", members=["UANN", "UBOB"])
    hostile = make_group(session, consortium_id=consortium_id, name='Civil <b>"society"</b>', members=["UCAT"])
    assert industry.id is not None and hostile.id is not None
    save_user_names(session, team_id=consortium_id, names={"UANN": "Ann Example", "UBOB": "Bob Sample",
                                                           "UCAT": "Cat Person", "UFAC": "Fay Facilitator"}, now=T0)
    proposal = make_proposal_with_positions(
        session, consortium_id=consortium_id, title="Adopt the charter", group_ids=[industry.id, hostile.id],
        positions=[("UANN", industry.id, "agree"), ("UBOB", industry.id, "disagree"), ("UCAT", hostile.id, "agree")],
        status="closed", outcome="consensus", closed_at=T0 + timedelta(days=2))
    blocked = make_proposal_with_positions(
        session, consortium_id=consortium_id, title="Move the plenary", group_ids=[industry.id],
        positions=[("UANN", industry.id, "block")], status="closed", outcome="blocked",
        closed_at=T0 + timedelta(days=3), created_at=T0 + timedelta(days=1))
    for pos in session.exec(select(Position)):
        if pos.user_id == "UBOB":
            pos.reason = "Too costly for &lt;@UCAT&gt;'s members"
        if pos.user_id == "UANN" and pos.proposal_id == blocked.id:
            pos.reason = "Breaks the funding rules"
    kept = Decision(consortium_id=consortium_id, text="Adopt the charter", rationale="Agreed by <@UANN>",
                    channel_id="C1", recorded_by="UFAC", created_at=T0 + timedelta(days=2), proposal_id=proposal.id,
                    permalink="https://example.slack.com/archives/C1/p1")
    revoked = Decision(consortium_id=consortium_id, text=HOSTILE.replace("&", "&amp;").replace("<", "&lt;")
                       .replace(">", "&gt;"), channel_id="C1", recorded_by="UBOB", status=DecisionStatus.REVOKED,
                       created_at=T0 + timedelta(days=4), revoked_by="UFAC", revoked_at=T0 + timedelta(days=5),
                       revoke_reason="Recorded by mistake")
    session.add_all([kept, revoked])
    make_commitments(session, consortium_id=consortium_id, owner_id="UANN", group_id=industry.id,
                     text="Draft the annex for <@UCAT>", due_date=date(2026, 11, 3))
    [done] = make_commitments(session, consortium_id=consortium_id, owner_id="UCAT", group_id=hostile.id,
                              text="Circulate the minutes")
    done.status = CommitmentStatus.DONE
    round_ = CheckinRound(consortium_id=consortium_id, group_id=hostile.id, due_at=T0 + timedelta(days=7),
                          opened_at=T0 + timedelta(days=7), remind_at=T0 + timedelta(days=8),
                          closes_at=T0 + timedelta(days=9))
    session.add(round_)
    session.flush()
    assert round_.id is not None
    session.add(CheckinResponse(consortium_id=consortium_id, round_id=round_.id, user_id="UCAT",
                                text="On track", responded_at=T0 + timedelta(days=7, hours=2)))
    write_audit(session, consortium_id=consortium_id, actor_id="UBOB", action="decision.revoke", entity="decision",
                entity_id=2, detail={"reason": "Recorded by mistake", "members": ["UANN"]})
    write_audit(session, consortium_id=consortium_id, actor_id="UFAC", action="facilitator.add", entity="user",
                entity_id="UCAT")
    session.flush()
    assert kept.id is not None and revoked.id is not None and proposal.id is not None
    return {"decision": kept.id, "revoked": revoked.id, "proposal": proposal.id, "blocked": blocked.id or 0}


LARGE_GROUPS = ("Industry", "Academia", "Policy", "Civil society", "International")
LARGE_ORGANISATIONS = ("Northwind Labs", "Lakeside University", "Ministry of Data", "Open Futures", "Global Forum")


def large_member_name(group: int, member: int) -> str:
    """The name the large consortium's member ``member`` of group ``group`` (both from 1) is called."""
    return f"Member{group}x{member:03d} Surname{group}x{member:03d}"


def fill_large_report_record(engine: Engine, *, consortium_id: str = "TBIG", decisions: int = 5_000,
                             commitments: int = 20_000, members_per_group: int = 40,
                             start: datetime = T0 - timedelta(weeks=26)) -> None:
    """A large consortium's record for the transparency report, written with bulk Core inserts (seconds, not
    minutes): five groups of named members (``large_member_name``), ``decisions`` decisions over 26 weeks
    (one in 20 from a proposal with positions, one in 50 revoked), ``commitments`` commitments carrying
    them out, with organisations, weekly check-in rounds with answers and an audit line per decision. Ids
    are numbered from 1: for a fresh database only."""
    from sqlalchemy import insert

    from storage.models import AuditLog, CheckinResponse, CheckinRound, Consortium, Decision, UserName, Workspace

    span = timedelta(weeks=26)
    groups = range(1, len(LARGE_GROUPS) + 1)
    members = [(g, f"UG{g}M{m:03d}", large_member_name(g, m)) for g in groups
               for m in range(1, members_per_group + 1)]
    proposals = max(1, decisions // 20)

    def at(i: int, n: int) -> datetime:
        return start + span * i / n

    with engine.begin() as conn:
        conn.execute(insert(Consortium), [{"id": consortium_id, "name": "Large consortium", "timezone": "UTC",
                                           "created_at": start}])
        conn.execute(insert(Workspace), [{"id": consortium_id, "consortium_id": consortium_id, "created_at": start}])
        conn.execute(insert(StakeholderGroup), [
            {"id": g, "consortium_id": consortium_id, "name": LARGE_GROUPS[g - 1],
             "name_key": name_key(LARGE_GROUPS[g - 1]), "timezone": "UTC", "channel_id": f"CG{g}",
             "created_by": "UFAC", "created_at": start} for g in groups])
        conn.execute(insert(GroupMembership), [
            {"consortium_id": consortium_id, "group_id": g, "user_id": u, "joined_at": start + timedelta(seconds=i)}
            for i, (g, u, _) in enumerate(members)])
        conn.execute(insert(UserName), [{"team_id": consortium_id, "user_id": u, "name": name, "updated_at": start}
                                        for _, u, name in [*members, (0, "UFAC", "Fay Facilitator")]])
        conn.execute(insert(Proposal), [
            {"id": p, "consortium_id": consortium_id, "title": f"Proposal {p}: adopt work package {p}",
             "author_id": members[p % len(members)][1], "channel_id": "C1", "status": "closed",
             "outcome": "consensus", "closes_at": at(p * 20, decisions), "created_at": at(p * 20 - 10, decisions),
             "closed_at": at(p * 20, decisions), "version": 1} for p in range(1, proposals + 1)])
        conn.execute(insert(ProposalGroup), [{"consortium_id": consortium_id, "proposal_id": p, "group_id": g}
                                             for p in range(1, proposals + 1) for g in groups])
        conn.execute(insert(Position), [
            {"consortium_id": consortium_id, "proposal_id": p, "user_id": u, "group_id": g,
             "organisation": LARGE_ORGANISATIONS[(i // 3) % len(LARGE_ORGANISATIONS)],
             "choice": ("agree", "agree", "abstain", "disagree")[i % 4],
             "reason": f"Not yet, says <@{u}>" if i % 4 == 3 else None,
             "created_at": at(p * 20 - 5, decisions), "updated_at": at(p * 20 - 5, decisions)}
            for p in range(1, proposals + 1) for i, (g, u, _) in enumerate(members) if (i + p) % 7 == 0])
        conn.execute(insert(Decision), [
            {"id": d, "consortium_id": consortium_id, "text": f"Decision {d}: the consortium adopts option {d % 13}",
             "rationale": f"Proposed by <@{members[d % len(members)][1]}>", "status": "revoked" if d % 50 == 0
             else "active", "channel_id": "C1", "recorded_by": members[d % len(members)][1], "source": "command",
             "permalink": f"https://example.slack.com/archives/C1/p{d}", "created_at": at(d, decisions),
             "proposal_id": d // 20 if d % 20 == 0 and d // 20 <= proposals else None,
             "revoked_by": "UFAC" if d % 50 == 0 else None,
             "revoked_at": at(d, decisions) + timedelta(days=1) if d % 50 == 0 else None,
             "revoke_reason": "Recorded twice" if d % 50 == 0 else None} for d in range(1, decisions + 1)])
        conn.execute(insert(Commitment), [
            {"consortium_id": consortium_id, "text": f"Commitment {c}: deliver section {c % 97}",
             "owner_id": members[c % len(members)][1], "group_id": members[c % len(members)][0],
             "organisation": LARGE_ORGANISATIONS[c % len(LARGE_ORGANISATIONS)],
             "due_date": (at(c, commitments) + timedelta(days=14)).date(),
             "status": ("open", "done", "done", "dropped")[c % 4], "channel_id": "C1", "source": "command",
             "created_by": "UFAC", "created_at": at(c, commitments), "updated_at": at(c, commitments),
             "decision_id": c % decisions + 1} for c in range(1, commitments + 1)])
        conn.execute(insert(CheckinRound), [
            {"id": w * len(LARGE_GROUPS) + g, "consortium_id": consortium_id, "group_id": g,
             "due_at": start + timedelta(weeks=w), "trigger": "schedule", "opened_at": start + timedelta(weeks=w),
             "remind_at": start + timedelta(weeks=w, days=1), "closes_at": start + timedelta(weeks=w, days=2)}
            for w in range(26) for g in groups])
        conn.execute(insert(CheckinResponse), [
            {"consortium_id": consortium_id, "round_id": w * len(LARGE_GROUPS) + g, "user_id": u,
             "organisation": LARGE_ORGANISATIONS[i % len(LARGE_ORGANISATIONS)], "text": "On track",
             "source": "modal", "responded_at": start + timedelta(weeks=w, hours=3)}
            for w in range(26) for i, (g, u, _) in enumerate(members) if (i + w) % (g + 1) == 0])
        conn.execute(insert(AuditLog), [
            {"consortium_id": consortium_id, "actor_id": members[d % len(members)][1], "action": "decision.record",
             "entity": "decision", "entity_id": str(d), "detail": f'{{"by": "{members[d % len(members)][1]}"}}',
             "created_at": at(d, decisions)} for d in range(1, decisions + 1)])
