"""The consensus rule of product.md, as pure functions over positions.

Counting and hearing are two different things:

* a position is *counted* under the group it was attributed to when it was taken (the member's
  primary group then; ``None`` for a member of no group);
* a group is *heard* when any of its members took a position — a member of two groups is heard
  for both, so a required group counts as silent only if none of its members spoke.

Governance (product.md "Governance") decides *which* positions count and how much each weighs:

* ``counting="member"``: every member's position counts; ``"organisation"``: each organisation's
  position is its representative's, or with none set (or the representative in conflict), that of
  its first member to take a position (a *stand-in*); its other members' positions are *advisory*:
  shown, not counted. A member with no organisation counts as their own organisation. Advisory
  positions still make their group heard (the group has spoken), they just weigh nothing.
* ``cap=N``: each organisation whose counted agree + disagree would exceed N % of the total is
  scaled by one factor so that its weight is exactly N % of the weighted total; the two-thirds rule
  then applies to the weights. When every organisation would exceed the cap (one organisation, or
  a few with the cap too low for all of them) no share can be N %, and each gets an equal share.
* members in conflict (``excluded``) are neither counted nor heard.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol

from storage.models import Proposal, ProposalConflict

CHOICES = ("agree", "abstain", "disagree", "block")
CONCERNS = ("block", "disagree")  # the positions whose reasons a proposal shows
OUTCOMES = ("consensus", "no_consensus", "blocked", "no_quorum", "withdrawn")
COUNTINGS = ("member", "organisation")
OUTCOME_LABELS = {
    "consensus": "Consensus",
    "no_consensus": "No consensus",
    "blocked": "Blocked",
    "no_quorum": "No quorum",
    "withdrawn": "Withdrawn",
}


class PositionLike(Protocol):
    """What counting and showing read of a position: a stored ``Position``, or a row read for counting."""

    @property
    def id(self) -> int | None: ...
    @property
    def user_id(self) -> str: ...
    @property
    def group_id(self) -> int | None: ...
    @property
    def choice(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def organisation(self) -> str | None: ...
    @property
    def proxy_by(self) -> str | None: ...


@dataclass(frozen=True)
class Stance:
    """One member's standing position, attributed to a group (None: in no group)."""

    user_id: str
    group_id: int | None
    choice: str
    organisation: str | None = None  # None: the member counts as their own organisation


@dataclass(frozen=True)
class Tally:
    """Counts overall and per group, and the required groups not yet heard from.

    ``overall`` and ``by_group`` count the positions that count; ``agree_weight`` and
    ``disagree_weight`` are what the two-thirds rule weighed (the counts, unless a cap scaled some
    organisation); ``advisory`` are members whose positions are shown, not counted; ``stand_ins``
    maps an organisation with no (available) representative to the first member counted for it.
    """

    overall: Counter[str]
    by_group: dict[int | None, Counter[str]]
    silent_groups: tuple[int, ...]
    outcome: str = field(default="no_consensus")
    heard: frozenset[int] = field(default_factory=frozenset)
    agree_weight: Fraction = Fraction(0)
    disagree_weight: Fraction = Fraction(0)
    advisory: frozenset[str] = field(default_factory=frozenset)
    stand_ins: dict[str, str] = field(default_factory=dict)
    capped: frozenset[str] = field(default_factory=frozenset)  # organisations (or member ids) a cap scaled

    @property
    def weighted(self) -> bool:
        """Whether a cap changed the weights (so that they differ from the counts)."""
        return bool(self.capped)


def consensus_outcome(*, agree: int | Fraction, disagree: int | Fraction, blocks: int, silent_required: int) -> str:
    """blocked > no_quorum > consensus (agree ≥ 2/3 of agree+disagree, at least one) > no_consensus."""
    if min(agree, disagree, blocks, silent_required) < 0:
        raise ValueError("counts cannot be negative")
    if blocks > 0:
        return "blocked"
    if silent_required > 0:
        return "no_quorum"
    # Integer arithmetic: exactly 2/3 is consensus, with no rounding on the boundary.
    if agree + disagree > 0 and 3 * agree >= 2 * (agree + disagree):
        return "consensus"
    return "no_consensus"


def heard_groups(stances: Iterable[Stance], memberships: Mapping[int, Sequence[str]]) -> set[int]:
    """Groups with a position from at least one of their members (any member, any group)."""
    stances = list(stances)
    voters = {s.user_id for s in stances}
    heard = {s.group_id for s in stances if s.group_id is not None}
    for group_id, members in memberships.items():
        if voters.intersection(members):
            heard.add(group_id)
    return heard


def latest_stances(stances: Iterable[Stance]) -> list[Stance]:
    """One stance per member: the last one given wins (a changed position replaces the old one)."""
    by_user: dict[str, Stance] = {}
    for stance in stances:
        by_user.pop(stance.user_id, None)
        by_user[stance.user_id] = stance
    return list(by_user.values())


def organisation_key(stance: Stance) -> str:
    """The organisation a stance counts for: its organisation, or the member alone (``@U…``)."""
    return stance.organisation if stance.organisation is not None else f"@{stance.user_id}"


def counted_stances(current: Sequence[Stance], *, counting: str, representatives: Mapping[str, str],
                    first_taken: Sequence[str]) -> tuple[list[Stance], list[Stance], dict[str, str]]:
    """(counted, advisory, stand-ins) under a counting mode; ``first_taken`` orders members by their first position.

    Per organisation: its representative's position when one is set (and not excluded beforehand);
    otherwise its first member to take a position stands in.
    """
    if counting not in COUNTINGS:
        raise ValueError(f"unknown counting {counting!r}")
    if counting == "member":
        return list(current), [], {}
    order = {user: i for i, user in enumerate(first_taken)}
    by_org: dict[str, list[Stance]] = {}
    for stance in sorted(current, key=lambda s: order.get(s.user_id, len(order))):
        by_org.setdefault(organisation_key(stance), []).append(stance)
    counted: list[Stance] = []
    advisory: list[Stance] = []
    stand_ins: dict[str, str] = {}
    for org, stances in by_org.items():
        rep = representatives.get(org) if stances[0].organisation is not None else None
        if rep is not None:
            chosen = next((s for s in stances if s.user_id == rep), None)
        else:
            chosen = stances[0]
            if stances[0].organisation is not None:
                stand_ins[org] = chosen.user_id
        counted += [chosen] if chosen is not None else []
        advisory += [s for s in stances if s is not chosen]
    return counted, advisory, stand_ins


def cap_factors(sizes: Mapping[str, int], cap: int | None) -> dict[str, Fraction]:
    """Each organisation's weight per position under a cap of ``cap`` % (1 where it is not capped).

    ``sizes`` are the organisations' counted agree + disagree. An organisation above the cap is
    scaled so its weight is exactly ``cap`` % of the weighted total; capping some may lift others
    over it, so this repeats until none is. If every organisation ends up capped, each gets an equal share.
    """
    sizes = {org: n for org, n in sizes.items() if n > 0}
    ones = {org: Fraction(1) for org in sizes}
    if cap is None or cap >= 100 or not sizes:
        return ones
    share = Fraction(max(cap, 0), 100)
    total = sum(sizes.values())
    capped = {org for org, n in sizes.items() if n > share * total}
    weighted_total = Fraction(total)
    while capped:
        free = sum(n for org, n in sizes.items() if org not in capped)
        if free == 0 or share == 0:
            return {org: Fraction(1, n) for org, n in sizes.items()}  # equal shares: the cap cannot be met
        # free + len(capped) * share * W = W; len(capped) * share < 1 whenever some organisation is free
        weighted_total = free / (1 - len(capped) * share)
        more = {org for org, n in sizes.items() if org not in capped and n > share * weighted_total}
        if not more:
            break
        capped |= more
    return {org: (share * weighted_total / n if org in capped else Fraction(1)) for org, n in sizes.items()}


def _by_group(counts: Iterable[tuple[int | None, str, int]]) -> tuple[Counter[str], dict[int | None, Counter[str]]]:
    """Positions counted overall and by group, from (group, choice, how many); every choice present, at 0."""
    overall: Counter[str] = Counter(dict.fromkeys(CHOICES, 0))
    by_group: dict[int | None, Counter[str]] = {}
    for group_id, choice, n in counts:
        group = by_group.get(group_id)
        if group is None:
            group = by_group[group_id] = Counter(dict.fromkeys(CHOICES, 0))
        group[choice] += n
        overall[choice] += n
    return overall, by_group


def tally(stances: Sequence[Stance], *, required_groups: Sequence[int],
          memberships: Mapping[int, Sequence[str]], counting: str = "member", cap: int | None = None,
          representatives: Mapping[str, str] | None = None,
          excluded: frozenset[str] | set[str] = frozenset()) -> Tally:
    """Count positions and decide the outcome the proposal would have if it closed now.

    Each member counts once (their latest stance); an unknown choice is refused. ``excluded``
    members (a declared conflict) neither count nor make their group heard; ``counting``, ``cap``
    and ``representatives`` ({organisation: user id}) are the proposal's governance.
    """
    first_taken = list(dict.fromkeys(s.user_id for s in stances))
    current = [s for s in latest_stances(stances) if s.user_id not in excluded]
    unknown = {s.choice for s in current} - set(CHOICES)
    if unknown:
        raise ValueError(f"unknown position(s): {', '.join(sorted(unknown))}")
    reps = {org: user for org, user in (representatives or {}).items() if user not in excluded}
    counted, advisory, stand_ins = counted_stances(current, counting=counting, representatives=reps,
                                                   first_taken=first_taken)
    overall, by_group = _by_group((s.group_id, s.choice, 1) for s in counted)
    sizes = Counter(organisation_key(s) for s in counted if s.choice in ("agree", "disagree"))
    factors = {} if cap is None or cap >= 100 else cap_factors(sizes, cap)  # no cap: every weight is one
    if all(f == 1 for f in factors.values()):  # nothing capped: every position weighs one
        agree, disagree = Fraction(overall["agree"]), Fraction(overall["disagree"])
    else:
        agree = sum((factors[organisation_key(s)] for s in counted if s.choice == "agree"), Fraction(0))
        disagree = sum((factors[organisation_key(s)] for s in counted if s.choice == "disagree"), Fraction(0))
    heard = heard_groups(current, memberships)
    silent = tuple(dict.fromkeys(g for g in required_groups if g not in heard))
    outcome = consensus_outcome(agree=agree, disagree=disagree, blocks=overall["block"], silent_required=len(silent))
    return Tally(overall=overall, by_group=by_group, silent_groups=silent, outcome=outcome,
                 heard=frozenset(heard), agree_weight=agree, disagree_weight=disagree,
                 advisory=frozenset(s.user_id for s in advisory), stand_ins=stand_ins,
                 capped=frozenset(org for org, f in factors.items() if f != 1))


def counted_tally(counts: Iterable[tuple[int | None, str, int]], *, heard: Iterable[int],
                  required_groups: Sequence[int]) -> Tally:
    """The tally of a proposal counted per member without a cap, from counts the database made: the
    positions that stand, as (group, choice, how many), and the groups their members make heard.

    The same tally as :func:`tally` over those positions, without reading them one by one.
    """
    rows = list(counts)
    unknown = {choice for _, choice, _ in rows} - set(CHOICES)
    if unknown:
        raise ValueError(f"unknown position(s): {', '.join(sorted(unknown))}")
    overall, by_group = _by_group(rows)
    heard_groups = set(heard) | {group_id for group_id in by_group if group_id is not None}
    silent = tuple(dict.fromkeys(g for g in required_groups if g not in heard_groups))
    agree, disagree = Fraction(overall["agree"]), Fraction(overall["disagree"])
    outcome = consensus_outcome(agree=agree, disagree=disagree, blocks=overall["block"], silent_required=len(silent))
    return Tally(overall=overall, by_group=by_group, silent_groups=silent, outcome=outcome,
                 heard=frozenset(heard_groups), agree_weight=agree, disagree_weight=disagree)


# --- where a proposal stands -----------------------------------------------------------------


@dataclass(frozen=True)
class GroupStanding:
    """How one group stands: counts of the positions attributed to it, and whether it was heard."""

    group_id: int | None
    name: str | None
    counts: dict[str, int]
    required: bool
    heard: bool


@dataclass(frozen=True)
class Concern:
    """A block or disagreement, with its reason."""

    user_id: str
    group: str | None
    choice: str
    reason: str | None
    organisation: str | None = None  # the member's when they took the position


@dataclass(frozen=True)
class Governance:
    """What decides which positions count besides the positions: organisations, representatives, conflicts."""

    organisations: Mapping[int, str | None] = field(default_factory=dict)  # position id → organisation
    representatives: Mapping[str, str] = field(default_factory=dict)  # organisation → user id
    conflicts: tuple[ProposalConflict, ...] = ()
    observers: frozenset[str] = frozenset()  # members who only observe: a position they hold does not stand


@dataclass(frozen=True)
class Advice:
    """A position shown but not counted (another member of an organisation counted for it)."""

    user_id: str
    organisation: str | None
    choice: str
    reason: str | None


@dataclass(frozen=True)
class ProposalView:
    """Everything a proposal's message shows: counts, groups, silent groups, concerns, outcome."""

    proposal: Proposal
    tally: Tally
    groups: list[GroupStanding]
    silent: list[str]
    concerns: list[Concern]
    required: list[str]
    outcome: str
    voters: frozenset[str] = frozenset()
    advice: list[Advice] = field(default_factory=list)
    conflicts: tuple[ProposalConflict, ...] = ()
    organisations: Mapping[str, str | None] = field(default_factory=dict)  # user id → organisation
    members_heard: int = 0  # members whose positions stand (counted or advice)
    positions: tuple[PositionLike, ...] = ()
    required_ids: tuple[int, ...] = ()

    excluded: frozenset[str] = frozenset()  # members whose positions do not stand: a conflict, or observers

    @property
    def version(self) -> int:
        return self.proposal.version

    @property
    def is_open(self) -> bool:
        return self.proposal.status == "open"


def _name_key(name: str | None) -> str:
    return (name or "").casefold()


def _standings(result: Tally, required: Sequence[int], names: Mapping[int, str]) -> list[GroupStanding]:
    """Heard or counted groups by name (required ones and any other that spoke), then "no group"."""
    shown = set(required) | {g for g in result.by_group if g is not None}
    standings = [GroupStanding(group_id=g, name=names.get(g), counts=dict(result.by_group.get(g, {})),
                               required=g in required, heard=g in result.heard)
                 for g in sorted(shown, key=lambda g: _name_key(names.get(g)))
                 if g in result.by_group or g in result.heard]
    if None in result.by_group:
        standings.append(GroupStanding(group_id=None, name=None, counts=dict(result.by_group[None]),
                                       required=False, heard=True))
    return standings


def standing(proposal: Proposal, required: Sequence[int], positions: Sequence[PositionLike],
             memberships: Mapping[int, Sequence[str]], names: Mapping[int, str], *,
             governance: Governance | None = None) -> ProposalView:
    """Where a proposal stands, from its positions, required groups, the groups' members and its governance."""
    governance = governance or Governance()
    orgs = {p.user_id: governance.organisations.get(p.id or 0) for p in positions}
    excluded = frozenset(c.user_id for c in governance.conflicts) | governance.observers
    result = tally([Stance(p.user_id, p.group_id, p.choice, orgs[p.user_id]) for p in positions],
                   required_groups=required, memberships=memberships, counting=proposal.counting or "member",
                   cap=proposal.cap, representatives=governance.representatives, excluded=excluded)
    standing_positions = [p for p in positions if p.user_id not in excluded]
    concerns = sorted((Concern(user_id=p.user_id, group=names.get(p.group_id) if p.group_id else None,
                               choice=p.choice, reason=p.reason, organisation=p.organisation)
                       for p in standing_positions if p.choice in CONCERNS and p.user_id not in result.advisory),
                      key=lambda c: CONCERNS.index(c.choice))
    advice = [Advice(user_id=p.user_id, organisation=orgs[p.user_id], choice=p.choice, reason=p.reason)
              for p in standing_positions if p.user_id in result.advisory]
    outcome = proposal.outcome if proposal.status == "closed" and proposal.outcome else result.outcome
    return ProposalView(
        proposal=proposal, tally=result, groups=_standings(result, required, names),
        silent=sorted((names.get(g, f"#{g}") for g in result.silent_groups), key=_name_key),
        concerns=concerns, required=sorted((names.get(g, f"#{g}") for g in required), key=_name_key),
        outcome=outcome, voters=frozenset(p.user_id for p in positions), advice=advice,
        conflicts=governance.conflicts, organisations=orgs, members_heard=len(standing_positions),
        positions=tuple(positions), required_ids=tuple(required), excluded=excluded)
