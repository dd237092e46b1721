"""What a digest contains: for one channel and period, the decisions taken, the open
commitments by stakeholder group (overdue first), the decisions due for review, the open
proposals with their consensus status by group, check-in participation and which groups were
least heard.

A group's home channel gets that group's items; any other channel the whole consortium's.
Building a digest costs a fixed number of queries, whatever the number of items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot.services.consensus import Tally
from bot.services.proposals import proposal_tallies
from storage import digests as store
from storage.commitments import decision_progress
from storage.digest_runs import last_posted_end
from storage.groups import MembershipRow, group_channels
from storage.groups import memberships as all_memberships
from storage.models import Commitment, Decision, Proposal
from storage.outbox import count_failed_between

DEFAULT_PERIOD = timedelta(days=7)
DECISIONS_SHOWN = 15
COMMITMENTS_PER_GROUP = 8
PROPOSALS_SHOWN = 8
CLOSED_SHOWN = 10
CARRIED_OUT_SHOWN = 10
NO_GROUP = "No group"


@dataclass(frozen=True)
class CommitmentGroup:
    """The open commitments of one stakeholder group (``group_id`` None: in no group)."""

    group_id: int | None
    name: str
    total: int
    overdue: int
    shown: list[Commitment]


@dataclass(frozen=True)
class DecisionProgress:
    """A decision that open commitments carry out: how many of its commitments are done."""

    decision: Decision
    done: int
    total: int


@dataclass(frozen=True)
class ProposalStatus:
    """An open proposal and where it stands now."""

    proposal: Proposal
    required: list[int]
    tally: Tally


@dataclass(frozen=True)
class Participation:
    """Check-in rounds of one group in the period: members asked and who answered."""

    group_id: int
    name: str
    rounds: int
    asked: int
    answered: int


@dataclass(frozen=True)
class Voice:
    """How much one group was heard in the period (positions and check-in answers)."""

    group_id: int
    name: str
    members: int
    positions: int
    answers: int

    @property
    def per_member(self) -> float:
        return (self.positions + self.answers) / self.members if self.members else 0.0


@dataclass(frozen=True)
class Digest:
    """Everything one digest says, as plain data (rendered by handlers, or as text)."""

    consortium_id: str
    channel_id: str
    period_start: datetime
    period_end: datetime
    today: date
    scope: list[int] | None
    group_names: dict[int, str]
    decisions: list[Decision]
    decisions_total: int
    commitments: list[CommitmentGroup]
    proposals: list[ProposalStatus]
    proposals_total: int
    closed: list[Proposal]
    participation: list[Participation]
    silent_checkin_groups: list[str]
    voices: list[Voice]
    least_heard: list[Voice] = field(default_factory=list)
    undelivered: int = 0  # the team's posts that Slack refused for good, enqueued in the period
    due_for_review: list[Decision] = field(default_factory=list)  # active, review day today or past
    due_for_review_total: int = 0
    carried_out: list[DecisionProgress] = field(default_factory=list)  # decisions with open commitments
    carried_out_total: int = 0

    @property
    def open_total(self) -> int:
        return sum(g.total for g in self.commitments)

    @property
    def overdue_total(self) -> int:
        return sum(g.overdue for g in self.commitments)

    @property
    def scope_names(self) -> list[str]:
        return [self.group_names.get(gid, "?") for gid in self.scope or []]


def digest_scope(session: Session, *, consortium_id: str, channel_id: str) -> list[int] | None:
    """The groups whose home channel this is, or None: the whole consortium."""
    return store.home_group_ids(session, consortium_id=consortium_id, channel_id=channel_id) or None


def channel_is_known(session: Session, *, consortium_id: str, channel_id: str) -> bool:
    """Whether the consortium knows this channel: a record made there, a group's home, a digest schedule or run."""
    return store.channel_is_known(session, consortium_id=consortium_id, channel_id=channel_id)


def period_start(session: Session, *, consortium_id: str, channel_id: str, end: datetime) -> datetime:
    """A digest's period starts where the channel's last posted digest ended (or 7 days before)."""
    last = last_posted_end(session, consortium_id=consortium_id, channel_id=channel_id, until=end)
    return last if last is not None and last < end else end - DEFAULT_PERIOD


def build_digest(session: Session, *, consortium_id: str, channel_id: str, start: datetime, end: datetime,
                 today: date) -> Digest:
    """The digest of ``channel_id`` for the period ``(start, end]``; ``today`` decides what is overdue."""
    groups = group_channels(session, consortium_id=consortium_id)
    # The groups whose home channel this is (as digest_scope reads them), from the groups already read.
    scope = sorted(gid for gid, _, home in groups if home == channel_id) or None
    names = {gid: name for gid, name, _ in groups}
    memberships = all_memberships(session, consortium_id=consortium_id)
    members: dict[int, list[str]] = {}
    for row in memberships:
        members.setdefault(row.group_id, []).append(row.user_id)
    decisions, decisions_total = store.list_period_decisions(
        session, consortium_id=consortium_id, start=start, end=end, channel_id=channel_id, group_ids=scope,
        limit=DECISIONS_SHOWN)
    due, due_total = store.list_due_for_review(session, consortium_id=consortium_id, today=today,
                                               channel_id=channel_id, group_ids=scope, limit=DECISIONS_SHOWN)
    proposals, proposals_total = store.list_open_proposals(session, consortium_id=consortium_id, channel_id=channel_id,
                                                           group_ids=scope, limit=PROPOSALS_SHOWN)
    closed = store.list_closed_proposals(session, consortium_id=consortium_id, start=start, end=end,
                                         channel_id=channel_id, group_ids=scope, limit=CLOSED_SHOWN)
    participation = _participation(session, consortium_id=consortium_id, start=start, end=end, scope=scope, names=names)
    checked = {p.group_id for p in participation}
    voices = _voices(session, consortium_id=consortium_id, start=start, end=end, names=names, members=members)
    carried_out, carried_out_total = _carried_out(session, consortium_id=consortium_id, scope=scope)
    return Digest(
        consortium_id=consortium_id, channel_id=channel_id, period_start=start, period_end=end, today=today,
        scope=scope,
        group_names=names, decisions=decisions, decisions_total=decisions_total,
        commitments=_commitments(session, consortium_id=consortium_id, today=today, scope=scope, names=names),
        proposals=_proposal_statuses(session, consortium_id=consortium_id, proposals=proposals, names=names,
                                     memberships=memberships),
        proposals_total=proposals_total, closed=closed, participation=participation,
        silent_checkin_groups=[names[g] for g in (scope or names) if g not in checked and g in names],
        voices=voices, least_heard=least_heard(voices),
        undelivered=count_failed_between(session, team_id=consortium_id, start=start, end=end),
        due_for_review=due, due_for_review_total=due_total,
        carried_out=carried_out, carried_out_total=carried_out_total,
    )


def _carried_out(session: Session, *, consortium_id: str,
                 scope: list[int] | None) -> tuple[list[DecisionProgress], int]:
    decisions, total = store.decisions_with_open_commitments(session, consortium_id=consortium_id, group_ids=scope,
                                                             limit=CARRIED_OUT_SHOWN)
    counts = decision_progress(session, consortium_id=consortium_id,
                               decision_ids=[d.id for d in decisions if d.id is not None])
    rows = [DecisionProgress(decision=d, done=counts.get(d.id, (0, 0))[0], total=counts.get(d.id, (0, 0))[1])
            for d in decisions if d.id is not None]
    return rows, total


def _commitments(session: Session, *, consortium_id: str, today: date, scope: list[int] | None,
                 names: dict[int, str]) -> list[CommitmentGroup]:
    counts = store.open_commitment_counts(session, consortium_id=consortium_id, today=today, group_ids=scope)
    rows = store.first_open_commitments(session, consortium_id=consortium_id, group_ids=scope,
                                        commitment_groups=list(counts),
                                        per_group=COMMITMENTS_PER_GROUP)
    shown: dict[int | None, list[Commitment]] = {}
    for row in rows:
        shown.setdefault(row.group_id, []).append(row)
    result = [CommitmentGroup(group_id=gid, name=names.get(gid, "No group") if gid is not None else NO_GROUP,
                              total=total, overdue=overdue, shown=shown.get(gid, []))
              for gid, (total, overdue) in counts.items()]
    # Groups with overdue work first, then by name; commitments of no group last.
    return sorted(result, key=lambda g: (g.group_id is None, g.overdue == 0, g.name.casefold()))


def _proposal_statuses(session: Session, *, consortium_id: str, proposals: Sequence[Proposal],
                       names: dict[int, str], memberships: Sequence[MembershipRow]) -> list[ProposalStatus]:
    """How each open proposal would close now, counted as its live message counts it (its governance included)."""
    return [ProposalStatus(proposal=row.proposal, required=list(row.required_ids), tally=row.tally)
            for row in proposal_tallies(session, consortium_id=consortium_id, proposals=proposals, names=names,
                                        memberships=memberships)]


def _participation(session: Session, *, consortium_id: str, start: datetime, end: datetime, scope: list[int] | None,
                   names: dict[int, str]) -> list[Participation]:
    counts = store.checkin_participation(session, consortium_id=consortium_id, start=start, end=end, group_ids=scope)
    rows = [Participation(group_id=gid, name=names.get(gid, "?"), rounds=r, asked=asked, answered=answered)
            for gid, (r, asked, answered) in counts.items()]
    return sorted(rows, key=lambda p: p.name.casefold())


def _voices(session: Session, *, consortium_id: str, start: datetime, end: datetime, names: dict[int, str],
            members: dict[int, list[str]]) -> list[Voice]:
    positions, answers = store.contributions(session, consortium_id=consortium_id, start=start, end=end)
    voices = [Voice(group_id=gid, name=name, members=len(members.get(gid, [])),
                    positions=positions.get(gid, 0), answers=answers.get(gid, 0))
              for gid, name in names.items()]
    return sorted((v for v in voices if v.members), key=lambda v: (v.per_member, v.name.casefold()))


def least_heard(voices: Sequence[Voice], *, at_most: int = 3) -> list[Voice]:
    """The groups heard least this period relative to their size: every silent group, else the lowest.

    Empty when there are fewer than two groups, or every group was heard equally.
    """
    if len(voices) < 2:
        return []
    silent = [v for v in voices if v.positions + v.answers == 0]
    if silent and len(silent) < len(voices):
        return silent
    if silent:
        return []  # nobody was heard: no group stands out
    lowest = min(v.per_member for v in voices)
    if lowest == max(v.per_member for v in voices):
        return []
    return [v for v in voices if v.per_member == lowest][:at_most]
