"""Proposals to consensus: opening them, members' positions, where each group stands, closing.

Positions are upserted by their unique key and every change bumps ``Proposal.version`` in the
same transaction, so whoever renders the proposal can tell whether it moved since. Closing is a
conditional update on ``status``: one caller closes, decides the outcome from the positions it
then sees, and (for a consensus) records the linked decision; everyone else does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.config import Settings
from bot.services import Forbidden, Invalid, NotFound
from bot.services.access import is_facilitator
from bot.services.consensus import (
    CHOICES,
    COUNTINGS,
    OUTCOME_LABELS,
    Governance,
    PositionLike,
    ProposalView,
    Tally,
    counted_tally,
    standing,
)
from bot.services.decisions import claim_named_superseded, record_decision
from bot.services.organisations import organisation_of, representatives_of
from storage import groups, sweeps
from storage import proposals as store
from storage.groups import MembershipRow
from storage.models import Position, Proposal
from storage.teams import write_audit

MAX_DURATION = timedelta(days=366)


@dataclass(frozen=True)
class PositionResult:
    """What a click did: whether it changed anything and what the member held before."""

    proposal: Proposal
    choice: str
    changed: bool
    previous: str | None


@dataclass(frozen=True)
class ClosedProposal:
    """A proposal this caller closed, its outcome and the decision it recorded."""

    view: ProposalView
    decision_id: int | None
    automatic: bool


@dataclass(frozen=True)
class Reminder:
    """One proposal's reminder: member → names of their silent required groups."""

    view: ProposalView
    recipients: dict[str, list[str]]


def closing_time_on(day: date, timezone: str) -> datetime:
    """A proposal closing "on" a date closes at the end of that day (23:59) in the team's zone."""
    return datetime.combine(day, time(23, 59), tzinfo=ZoneInfo(timezone))


def reminder_time(proposal: Proposal, remind_before: timedelta) -> datetime:
    """When silent groups are reminded: ``remind_before`` ahead of closing, not before half-time."""
    halfway = proposal.created_at + (proposal.closes_at - proposal.created_at) / 2
    return max(proposal.closes_at - remind_before, halfway)


def check_closing_time(closes_at: datetime, *, now: datetime) -> None:
    """Refuse a closing time in the past or more than a year ahead."""
    if closes_at <= now:
        raise Invalid("That closing date has passed; pick today or a later date.")
    if closes_at > now + MAX_DURATION:
        raise Invalid("A proposal can stay open for at most a year; pick an earlier closing date.")


def check_governance(*, counting: str, cap: int | None) -> None:
    """Refuse a counting mode or cap that is not one."""
    if counting not in COUNTINGS:
        raise Invalid(f"Counting is `member` or `organisation`, not `{counting}`.")
    if cap is not None and not 1 <= cap <= 100:
        raise Invalid("A cap is a percentage from 1 to 100.")


def create_proposal(session: Session, *, settings: Settings, consortium_id: str, author_id: str, channel_id: str,
                    title: str, now: datetime, details: str | None = None, closes_at: datetime | None = None,
                    group_ids: Sequence[int] | None = None, counting: str | None = None, cap: int | None = None,
                    hidden: bool = False, anonymous: bool = False) -> Proposal:
    """Open a proposal; required groups default to every group of the team, counting to the consortium's default."""
    title, details = title.strip(), (details or "").strip() or None
    if not title:
        raise Invalid("Give the proposal a title: `/propose <title>`.")
    counting = counting or settings.default_counting
    check_governance(counting=counting, cap=cap)
    closes_at = closes_at or now + settings.proposal_duration
    check_closing_time(closes_at, now=now)
    known = groups.group_names(session, consortium_id=consortium_id)
    if group_ids is None:
        group_ids = sorted(known, key=lambda g: known[g].casefold())
    elif unknown := [g for g in group_ids if g not in known]:
        raise Invalid(f"Unknown stakeholder group(s): {', '.join(map(str, unknown))}. See `/group list`.")
    proposal = store.add_proposal(session, group_ids=group_ids, proposal=Proposal(
        consortium_id=consortium_id, title=title, details=details, author_id=author_id, channel_id=channel_id,
        closes_at=closes_at, created_at=now, counting=counting, cap=cap, hidden=hidden, anonymous=anonymous))
    write_audit(session, consortium_id=consortium_id, actor_id=author_id, action="proposal.create", entity="proposal",
                entity_id=proposal.id, detail={"channel_id": channel_id, "closes_at": closes_at,
                                               "required_groups": [known[g] for g in group_ids],
                                               "counting": counting, "cap": cap, "hidden": hidden,
                                               "anonymous": anonymous})
    return proposal


def get_proposal(session: Session, *, consortium_id: str, proposal_id: int) -> Proposal:
    """A proposal of this team, or NotFound."""
    proposal = store.get_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
    if proposal is None:
        raise NotFound(f"There is no proposal #{proposal_id} in this workspace.")
    return proposal


def closed_message(proposal: Proposal) -> str:
    """Why a closed proposal refuses changes."""
    if proposal.outcome == "withdrawn":
        return f"Proposal #{proposal.id} was withdrawn; positions can no longer change."
    label = OUTCOME_LABELS.get(proposal.outcome or "", "closed")
    return f"Proposal #{proposal.id} is closed (outcome: {label}); positions can no longer change."


def open_proposal(session: Session, *, consortium_id: str, proposal_id: int) -> Proposal:
    """A proposal that still takes positions, or NotFound / Invalid saying why not."""
    proposal = get_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
    if proposal.status != "open":
        raise Invalid(closed_message(proposal))
    return proposal


def get_position(session: Session, *, consortium_id: str, proposal_id: int, user_id: str) -> Position | None:
    """A member's current position, if any."""
    return store.get_position(session, consortium_id=consortium_id, proposal_id=proposal_id, user_id=user_id)


def record_message(session: Session, *, consortium_id: str, proposal_id: int, message_ts: str) -> None:
    """Remember the channel message showing the proposal."""
    store.set_message_ts(session, consortium_id=consortium_id, proposal_id=proposal_id, message_ts=message_ts)


OBSERVER_MESSAGE = "You observe your groups: observers receive messages and check-ins but don't take positions."


def check_may_take_position(session: Session, *, consortium_id: str, proposal_id: int, user_id: str) -> None:
    """Refuse (Invalid, saying why) a member who may not take a position on this proposal: an observer, or a
    member who declared a conflict on it."""
    if groups.observer_only_ids(session, consortium_id=consortium_id, user_ids=[user_id]):
        raise Invalid(OBSERVER_MESSAGE)
    if store.has_conflict(session, consortium_id=consortium_id, proposal_id=proposal_id, user_id=user_id):
        raise Invalid(f"You declared a conflict of interest on proposal #{proposal_id}, "
                      "so you don't take a position on it.")


def take_position(session: Session, *, consortium_id: str, proposal_id: int, user_id: str, choice: str,
                  reason: str | None, now: datetime) -> PositionResult:
    """Record or change a member's position, attributed to their primary group now.

    The same position again changes nothing (no audit line); a block needs a reason.
    """
    if choice not in CHOICES:
        raise Invalid(f"`{choice}` is not a position; choose one of {', '.join(CHOICES)}.")
    reason = (reason or "").strip() or None
    if choice == "block" and not reason:
        raise Invalid("A block needs a reason: say what would have to change for you to lift it.")
    proposal = open_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
    check_may_take_position(session, consortium_id=consortium_id, proposal_id=proposal_id, user_id=user_id)
    group_id = groups.primary_group_id(session, consortium_id=consortium_id, user_id=user_id, observers=False)
    changed, previous = store.upsert_position(session, consortium_id=consortium_id, proposal_id=proposal_id,
                                              user_id=user_id, group_id=group_id, choice=choice,
                                              reason=reason, now=now, organisation=organisation_of(
                                                  session, consortium_id=consortium_id, user_id=user_id))
    if not changed:
        return PositionResult(proposal=proposal, choice=choice, changed=False, previous=previous)
    if not store.bump_version(session, consortium_id=consortium_id, proposal_id=proposal_id):
        raise Invalid(closed_message(get_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)))
    write_audit(session, consortium_id=consortium_id, actor_id=user_id, action="position.take", entity="proposal",
                entity_id=proposal_id,
                detail={"choice": choice, "from": previous, "reason": reason, "group_id": group_id})
    return PositionResult(proposal=proposal, choice=choice, changed=True, previous=previous)


def current_version(session: Session, *, consortium_id: str, proposal_id: int) -> int | None:
    """The proposal's change counter (bumped by every position change and by closing)."""
    return store.current_version(session, consortium_id=consortium_id, proposal_id=proposal_id)


def organisation_inputs(session: Session, *, consortium_id: str,
                        positions: Sequence[PositionLike]) -> tuple[dict[int, str | None], dict[str, str]]:
    """What counting per organisation needs: each position's organisation (position id → the name recorded
    with the position; None: the member counts as their own organisation) and each organisation's
    representative ({organisation: user id}, as set with `/org representative`)."""
    recorded = {pos.id: pos.organisation for pos in positions if pos.id is not None}
    return recorded, representatives_of(session, consortium_id=consortium_id)


def members_and_observers(rows: Sequence[MembershipRow]) -> tuple[dict[int, list[str]], set[str]]:
    """From every membership (in the order members joined): group id → members who take positions, and
    the users who observe some group and take positions in none."""
    members: dict[int, list[str]] = {}
    observing: set[str] = set()
    taking: set[str] = set()
    for row in rows:
        if row.observer:
            observing.add(row.user_id)
        else:
            taking.add(row.user_id)
            members.setdefault(row.group_id, []).append(row.user_id)
    return members, observing - taking


def proposal_views(session: Session, *, consortium_id: str, proposals: Sequence[Proposal],
                   names: Mapping[int, str] | None = None,
                   memberships: Sequence[MembershipRow] | None = None) -> list[ProposalView]:
    """Where each proposal stands (a fixed number of queries, however many proposals); a caller that has
    already read the groups' ``names`` or every membership (in the order members joined) passes them."""
    if not proposals:
        return []
    ids = [p.id for p in proposals if p.id is not None]
    required = store.required_group_ids(session, consortium_id=consortium_id, proposal_ids=ids)
    positions = store.positions_by_proposal(session, consortium_id=consortium_id, proposal_ids=ids)
    conflicts = store.conflicts_by_proposal(session, consortium_id=consortium_id, proposal_ids=ids)
    if memberships is None:
        memberships = groups.memberships(session, consortium_id=consortium_id)
    members, observers = members_and_observers(memberships)
    if names is None:
        names = groups.group_names(session, consortium_id=consortium_id)
    organisations, representatives = organisation_inputs(
        session, consortium_id=consortium_id, positions=[pos for rows in positions.values() for pos in rows])
    views = []
    for p in proposals:
        governance = Governance(organisations=organisations, representatives=representatives,
                                conflicts=tuple(conflicts.get(p.id or 0, [])), observers=frozenset(observers))
        views.append(standing(p, required.get(p.id or 0, []), positions.get(p.id or 0, []), members, names,
                              governance=governance))
    return views


@dataclass(frozen=True)
class ProposalTally:
    """How a proposal would close now, without who said what: its required groups and its tally."""

    proposal: Proposal
    required_ids: tuple[int, ...]
    tally: Tally


def counted_per_member(proposal: Proposal) -> bool:
    """Whether every standing position of the proposal counts once (no organisations, no cap): its tally
    then needs only counts by group and choice."""
    return (proposal.counting or "member") == "member" and (proposal.cap is None or proposal.cap >= 100)


def proposal_tallies(session: Session, *, consortium_id: str, proposals: Sequence[Proposal],
                     names: Mapping[int, str] | None = None,
                     memberships: Sequence[MembershipRow] | None = None) -> list[ProposalTally]:
    """How each proposal would close now, as :func:`proposal_views` counts it. Proposals counted per member
    are counted by the database (their positions are never read one by one); the others, counted per
    organisation or capped, from their positions."""
    if not proposals:
        return []
    if memberships is None:
        memberships = groups.memberships(session, consortium_id=consortium_id)
    ids = [p.id for p in proposals if p.id is not None]
    required = store.required_group_ids(session, consortium_id=consortium_id, proposal_ids=ids)
    simple = [p for p in proposals if counted_per_member(p)]
    others = [p for p in proposals if not counted_per_member(p)]
    counts: dict[int, list[tuple[int | None, str, int]]] = {}
    heard: dict[int, list[int]] = {}
    if simple:
        _, observers = members_and_observers(memberships)
        for row in store.standing_counts(session, consortium_id=consortium_id,
                                         proposal_ids=[p.id for p in simple if p.id is not None], observers=observers):
            if row.choice is None:
                if row.group_id is not None:
                    heard.setdefault(row.proposal_id, []).append(row.group_id)
            else:
                counts.setdefault(row.proposal_id, []).append((row.group_id, row.choice, row.positions))
    tallies = {view.proposal.id: view.tally for view in proposal_views(
        session, consortium_id=consortium_id, proposals=others, names=names, memberships=memberships)}
    for p in simple:
        tallies[p.id] = counted_tally(counts.get(p.id or 0, []), heard=heard.get(p.id or 0, []),
                                      required_groups=required.get(p.id or 0, []))
    return [ProposalTally(proposal=p, required_ids=tuple(required.get(p.id or 0, [])), tally=tallies[p.id])
            for p in proposals]


def proposal_view(session: Session, *, consortium_id: str, proposal_id: int) -> ProposalView:
    """Where one proposal stands now (its version is read before its positions)."""
    proposal = get_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
    return proposal_views(session, consortium_id=consortium_id, proposals=[proposal])[0]


def open_proposal_views(session: Session, *, consortium_id: str,
                        channel_id: str | None = None) -> list[ProposalView]:
    """Every open proposal of a team (or of one channel) and where it stands."""
    rows = store.list_proposals(session, consortium_id=consortium_id, status="open", channel_id=channel_id)
    return proposal_views(session, consortium_id=consortium_id, proposals=rows)


def awaiting_position(session: Session, *, consortium_id: str, user_id: str) -> list[ProposalView]:
    """Open proposals on which this member has taken no position yet."""
    views = open_proposal_views(session, consortium_id=consortium_id)
    return [v for v in views if user_id not in v.voters]


def _rationale(view: ProposalView) -> str:
    counts = view.tally.overall
    line = (f"Consensus on proposal #{view.proposal.id}: {counts['agree']} agree, "
            f"{counts['disagree']} disagree, {counts['abstain']} abstain.")
    if view.proposal.counting == "organisation":
        line += " Counted per organisation."
    if view.tally.weighted:
        t = view.tally
        line += (f" Weighted with a cap of {view.proposal.cap} % per organisation: "
                 f"{float(t.agree_weight):.2f} agree, {float(t.disagree_weight):.2f} disagree.")
    return f"{line}\n{view.proposal.details}" if view.proposal.details else line


def _close(session: Session, *, proposal: Proposal, actor_id: str | None, now: datetime,
           withdraw: bool) -> ClosedProposal | None:
    consortium_id, proposal_id = proposal.consortium_id, proposal.id or 0
    if not store.claim_close(session, consortium_id=consortium_id, proposal_id=proposal_id, now=now, actor_id=actor_id):
        return None
    view = proposal_view(session, consortium_id=consortium_id,
                         proposal_id=proposal_id)  # positions seen after the claim
    outcome = "withdrawn" if withdraw else view.tally.outcome
    store.set_outcome(session, consortium_id=consortium_id, proposal_id=proposal_id, outcome=outcome)
    decision_id = None
    if outcome == "consensus":
        named = f"{view.proposal.title}\n{view.proposal.details or ''}"  # `supersedes #<id>` marks that one
        decision = record_decision(
            session, consortium_id=consortium_id, text=view.proposal.title, rationale=_rationale(view),
            channel_id=view.proposal.channel_id, thread_ts=view.proposal.message_ts,
            message_ts=view.proposal.message_ts, recorded_by=actor_id or view.proposal.author_id,
            source="proposal", proposal_id=proposal_id, now=now,
            supersedes=claim_named_superseded(session, consortium_id=consortium_id, text=named))
        decision_id = decision.id
    write_audit(session, consortium_id=consortium_id, actor_id=actor_id,
                action="proposal.withdraw" if withdraw else "proposal.close", entity="proposal",
                entity_id=proposal_id, detail={"outcome": outcome, "automatic": actor_id is None,
                                               "counts": dict(view.tally.overall),
                                               "decision_id": decision_id})
    fresh = get_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
    return ClosedProposal(view=replace(view, proposal=fresh, outcome=outcome), decision_id=decision_id,
                          automatic=actor_id is None)


def close_proposal(session: Session, *, settings: Settings, consortium_id: str, proposal_id: int, actor_id: str,
                   now: datetime, withdraw: bool = False) -> ClosedProposal:
    """Close (or withdraw) a proposal now; only its author or a facilitator may."""
    proposal = get_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
    if proposal.author_id != actor_id and not is_facilitator(session, settings=settings, consortium_id=consortium_id,
                                                             user_id=actor_id):
        verb = "withdraw" if withdraw else "close"
        raise Forbidden(f"Only the author of proposal #{proposal_id} (<@{proposal.author_id}>) "
                        f"or a facilitator can {verb} it.")
    closed = None
    if proposal.status == "open":
        closed = _close(session, proposal=proposal, actor_id=actor_id, now=now, withdraw=withdraw)
    if closed is None:
        proposal = get_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
        raise Invalid(closed_message(proposal).split(";")[0] + ".")
    return closed


def withdraw_unposted(session: Session, *, consortium_id: str, proposal_id: int, now: datetime) -> Proposal | None:
    """Withdraw, in its author's name, an open proposal whose message Slack refused for good, and claim its
    announcement so that nothing is announced about a proposal nobody saw; None when it was no longer open."""
    proposal = store.get_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
    if proposal is None or proposal.status != "open":
        return None
    closed = _close(session, proposal=proposal, actor_id=proposal.author_id, now=now, withdraw=True)
    if closed is None:
        return None
    store.claim_announcement(session, consortium_id=consortium_id, proposal_id=proposal_id, now=now)
    return closed.view.proposal


def close_due_proposal(session: Session, *, consortium_id: str, proposal_id: int,
                       now: datetime) -> ClosedProposal | None:
    """Close a proposal whose closing time has come; None if it is not due or someone else closed it."""
    proposal = store.get_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
    if proposal is None or proposal.status != "open" or proposal.closes_at > now:
        return None
    return _close(session, proposal=proposal, actor_id=None, now=now, withdraw=False)


def list_due_to_close(session: Session, *, now: datetime) -> list[tuple[str, int]]:
    """(team, id) of every open proposal whose closing time has come."""
    return sweeps.list_due_to_close(session, now=now)


def list_unannounced(session: Session) -> list[tuple[str, int]]:
    """(team, id) of closed proposals whose closing is not announced yet (e.g. after a crash)."""
    return sweeps.list_unannounced(session)


def claim_announcement(session: Session, *, consortium_id: str, proposal_id: int, now: datetime) -> bool:
    """True for the one caller that announces this closed proposal."""
    return store.claim_announcement(session, consortium_id=consortium_id, proposal_id=proposal_id, now=now)


def linked_decision_id(session: Session, *, consortium_id: str, proposal_id: int) -> int | None:
    """The decision a consensus recorded, if any."""
    return store.linked_decision_id(session, consortium_id=consortium_id, proposal_id=proposal_id)


def claim_due_reminders(session: Session, *, now: datetime, remind_before: timedelta) -> list[Reminder]:
    """Claim every reminder now due (once each) and say whom to remind: members of silent required groups."""
    candidates = sweeps.list_reminder_candidates(session, now=now, horizon=now + remind_before)
    due = [p.id for p in candidates if p.id is not None and reminder_time(p, remind_before) <= now]
    won = set(sweeps.claim_reminders(session, proposal_ids=due, now=now))
    reminders: list[Reminder] = []
    for consortium_id in sorted({p.consortium_id for p in candidates if p.id in won}):
        mine = [p for p in candidates if p.id in won and p.consortium_id == consortium_id]
        members = groups.members_by_group(session, consortium_id=consortium_id, observers=False)
        names = groups.group_names(session, consortium_id=consortium_id)
        for view in proposal_views(session, consortium_id=consortium_id, proposals=mine):
            recipients: dict[str, list[str]] = {}
            for group_id in view.tally.silent_groups:
                for user_id in members.get(group_id, []):
                    if user_id not in view.voters and user_id not in view.excluded:  # a conflict: not asked
                        recipients.setdefault(user_id, []).append(names.get(group_id, f"#{group_id}"))
            write_audit(session, consortium_id=consortium_id, actor_id=None, action="proposal.remind",
                        entity="proposal",
                        entity_id=view.proposal.id, detail={"recipients": len(recipients)})
            reminders.append(Reminder(view=view, recipients=recipients))
    return reminders
