"""Factories for records, written straight through storage (no shared hidden state)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

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
