"""What the transparency report says, as plain data: the decision register with each proposal's
outcome by stakeholder group (and organisation), commitments and their progress, participation
over time and the audit trail.

People are resolved here, once: a full report names them (the bot's cache of names, else the
id); a public one carries no person at all — every person field is None and mentions inside
user text read "a member" — so nothing personal can leak from a template. Hidden proposals show
no tallies or reasons while open; anonymous ones never name anyone.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from bot.services.participation import NO_GROUP, Participation, participation, recorded_organisation
from bot.services.people import People, known_names
from storage.commitments import list_commitments
from storage.decisions import list_decisions
from storage.groups import group_names
from storage.models import Commitment, Proposal
from storage.proposals import PositionRow, list_proposals, positions_by_proposal, required_group_ids
from storage.teams import list_audit, list_consortia

CHOICES = ("agree", "abstain", "disagree", "block")
STATUSES = ("open", "done", "blocked", "dropped")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Dissent:
    """A disagree or block, with its reason, where it came from and (full report only) who."""

    choice: str
    group: str
    organisation: str | None
    who: str | None
    reason: str | None


@dataclass(frozen=True)
class ProposalEntry:
    """A proposal and how it ended (or stands): counts per group and organisation, dissent."""

    id: int
    title: str
    status: str
    outcome: str | None
    created_at: datetime
    closed_at: datetime | None
    by_group: dict[str, dict[str, int]]
    by_organisation: dict[str, dict[str, int]]
    dissent: list[Dissent]
    concealed: bool  # hidden and still open: nothing of the positions is shown


@dataclass(frozen=True)
class DecisionEntry:
    """One decision of the register with its history."""

    id: int
    text: str
    rationale: str | None
    status: str
    created_at: datetime
    recorded_by: str | None
    permalink: str | None
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    review_on: date | None
    supersedes: int | None
    superseded_by: int | None
    proposal: ProposalEntry | None
    commitments_done: int
    commitments_total: int


@dataclass(frozen=True)
class CommitmentEntry:
    """One commitment: whose (group, organisation, and the owner in a full report), due, status."""

    id: int
    text: str
    owner: str | None
    group: str
    organisation: str | None
    due_date: date | None
    status: str
    overdue: bool
    decision_id: int | None


@dataclass(frozen=True)
class Progress:
    """How many commitments of one decision, group or organisation stand in each status."""

    label: str
    counts: dict[str, int]
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail (a public report leaves out who and the details)."""

    id: int
    at: datetime
    action: str
    entity: str
    entity_id: str | None
    actor: str | None
    detail: str | None


@dataclass(frozen=True)
class Report:
    """Everything the transparency report shows."""

    consortium_name: str
    generated_at: datetime
    since: date | None
    public: bool
    decisions: list[DecisionEntry]
    proposals: list[ProposalEntry]
    commitments: list[CommitmentEntry]
    by_decision: list[Progress]
    by_group: list[Progress]
    by_organisation: list[Progress]
    participation: Participation
    audit: list[AuditEntry]


def build_report(session: Session, *, consortium_id: str, now: datetime, since: date | None = None,
                 public: bool = False, today: date | None = None) -> Report:
    """The transparency report of one consortium (records since ``since``, all when None; overdue as of
    ``today``, the consortium's date, default the UTC date of ``now``)."""
    start = datetime.combine(since, datetime.min.time(), UTC) if since else EPOCH
    people = People(known_names(session, consortium_id=consortium_id), public=public)
    names = group_names(session, consortium_id=consortium_id)
    commitments = [c for c in list_commitments(session, consortium_id=consortium_id, status=None)
                   if c.created_at >= start or c.updated_at >= start]
    commitments.sort(key=lambda c: c.id or 0)
    today = today or now.astimezone(UTC).date()
    entries = [_commitment(c, people, names, today) for c in commitments]
    proposals = _proposals(session, consortium_id=consortium_id, start=start, people=people, names=names)
    decisions = _decisions(session, consortium_id=consortium_id, start=start, people=people,
                           proposals={p.id: p for p in proposals}, commitments=entries)
    return Report(
        consortium_name=_consortium_name(session, consortium_id, public=public),
        generated_at=now, since=since, public=public, decisions=decisions, proposals=proposals, commitments=entries,
        by_decision=_progress(entries, lambda c: f"Decision #{c.decision_id}" if c.decision_id else None),
        by_group=_progress(entries, lambda c: c.group),
        by_organisation=_progress(entries, lambda c: c.organisation),
        participation=participation(session, consortium_id=consortium_id, start=start, end=now, names=names),
        audit=_audit(session, consortium_id=consortium_id, start=start, people=people),
    )


def _consortium_name(session: Session, consortium_id: str, *, public: bool) -> str:
    """The consortium's name; without one, its id (a workspace id: never in a public report)."""
    for consortium in list_consortia(session):
        if consortium.id == consortium_id and consortium.name:
            return consortium.name
    return "the consortium" if public or not consortium_id else consortium_id


def _commitment(c: Commitment, people: People, names: dict[int, str], today: date) -> CommitmentEntry:
    return CommitmentEntry(
        id=c.id or 0, text=people.text(c.text) or "", owner=people.who(c.owner_id),
        group=names.get(c.group_id, NO_GROUP) if c.group_id else NO_GROUP, organisation=recorded_organisation(c),
        due_date=c.due_date, status=str(c.status),
        overdue=c.status == "open" and c.due_date is not None and c.due_date < today,
        decision_id=c.decision_id)


def _counts(positions: Iterable[PositionRow], key: Callable[[PositionRow], str | None]) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    for pos in positions:
        label = key(pos)
        if label is not None:
            row = result.setdefault(label, dict.fromkeys(CHOICES, 0))
            row[str(pos.choice)] = row.get(str(pos.choice), 0) + 1
    return dict(sorted(result.items(), key=lambda item: item[0].casefold()))


def _proposal(p: Proposal, required: list[int], positions: list[PositionRow], people: People,
              names: dict[int, str]) -> ProposalEntry:
    concealed = p.hidden and p.status == "open"
    anonymous = p.anonymous
    shown = [] if concealed else positions

    def group(pos: PositionRow) -> str:
        return names.get(pos.group_id, NO_GROUP) if pos.group_id else NO_GROUP

    by_group = _counts(shown, group)
    for gid in required:  # a required group never heard from still has its (empty) row
        if gid in names and not concealed:
            by_group.setdefault(names[gid], dict.fromkeys(CHOICES, 0))
    dissent = [Dissent(choice=str(pos.choice), group=group(pos), organisation=recorded_organisation(pos),
                       who=people.who(pos.user_id, anonymous=anonymous),
                       reason=None if anonymous and people.public else people.text(pos.reason))
               for pos in shown if pos.choice in ("disagree", "block")]
    return ProposalEntry(id=p.id or 0, title=people.text(p.title) or "", status=str(p.status),
                         outcome=str(p.outcome) if p.outcome else None, created_at=p.created_at,
                         closed_at=p.closed_at, by_group=dict(sorted(by_group.items(), key=lambda i: i[0].casefold())),
                         by_organisation=_counts(shown, recorded_organisation), dissent=dissent, concealed=concealed)


def _proposals(session: Session, *, consortium_id: str, start: datetime, people: People,
               names: dict[int, str]) -> list[ProposalEntry]:
    required = required_group_ids(session, consortium_id=consortium_id)
    positions = positions_by_proposal(session, consortium_id=consortium_id)
    return [_proposal(p, required.get(p.id or 0, []), positions.get(p.id or 0, []), people, names)
            for p in list_proposals(session, consortium_id=consortium_id)
            if p.created_at >= start or (p.closed_at is not None and p.closed_at >= start)]


def _decisions(session: Session, *, consortium_id: str, start: datetime, people: People,
               proposals: dict[int, ProposalEntry], commitments: list[CommitmentEntry]) -> list[DecisionEntry]:
    done: Counter[int] = Counter(c.decision_id for c in commitments if c.decision_id and c.status == "done")
    total: Counter[int] = Counter(c.decision_id for c in commitments if c.decision_id)
    rows = []
    for d in list_decisions(session, consortium_id=consortium_id):
        changed = d.revoked_at is not None and d.revoked_at >= start
        if d.created_at < start and not changed:
            continue
        rows.append(DecisionEntry(
            id=d.id or 0, text=people.text(d.text) or "", rationale=people.text(d.rationale), status=str(d.status),
            created_at=d.created_at, recorded_by=people.who(d.recorded_by),
            permalink=None if people.public else d.permalink, revoked_at=d.revoked_at,
            revoked_by=people.who(d.revoked_by), revoke_reason=people.text(d.revoke_reason),
            review_on=d.review_on, supersedes=d.supersedes, superseded_by=d.superseded_by,
            proposal=proposals.get(d.proposal_id) if d.proposal_id else None,
            commitments_done=done[d.id or 0], commitments_total=total[d.id or 0]))
    return rows


def _progress(entries: list[CommitmentEntry], key: Callable[[CommitmentEntry], str | None]) -> list[Progress]:
    counts: dict[str, dict[str, int]] = {}
    overdue: Counter[str] = Counter()
    for c in entries:
        label = key(c)
        if label is not None:
            row = counts.setdefault(label, dict.fromkeys(STATUSES, 0))
            row[c.status] = row.get(c.status, 0) + 1
            overdue[label] += c.overdue
    return [Progress(label=label, counts=row, overdue=overdue[label])
            for label, row in sorted(counts.items(), key=lambda item: item[0].casefold())]


def _audit(session: Session, *, consortium_id: str, start: datetime, people: People) -> list[AuditEntry]:
    return [AuditEntry(id=a.id or 0, at=a.created_at, action=a.action, entity=a.entity,
                       entity_id=_audited_record(a.entity, a.entity_id, people), actor=people.who(a.actor_id),
                       detail=None if people.public else _detail(a.detail, people))
            for a in list_audit(session, consortium_id=consortium_id) if a.created_at >= start]


def _audited_record(entity: str, entity_id: str | None, people: People) -> str | None:
    """Which record an audit line is about: a record's number; a member by name (public: not at all);
    a workspace's id only in a full report."""
    if entity_id is None or entity_id.isdigit():
        return entity_id
    if entity == "user":
        return people.who(entity_id)
    return None if people.public else entity_id


def _detail(raw: str | None, people: People) -> str | None:
    """An audit line's details as ``key: value`` pairs, user ids shown as names."""
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(data, dict):
        return str(data)

    def show(value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(show(v) for v in value)
        if isinstance(value, str) and value in people.names:
            return people.names[value]
        return str(value)

    return "; ".join(f"{key}: {show(value)}" for key, value in data.items())
