"""The consensus rule of product.md, as pure functions over positions.

Counting and hearing are two different things:

* a position is *counted* under the group it was attributed to when it was taken (the member's
  primary group then; ``None`` for a member of no group);
* a group is *heard* when any of its members took a position — a member of two groups is heard
  for both, so a required group counts as silent only if none of its members spoke.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from storage.models import Position, Proposal

CHOICES = ("agree", "abstain", "disagree", "block")
CONCERNS = ("block", "disagree")  # the positions whose reasons a proposal shows
OUTCOMES = ("consensus", "no_consensus", "blocked", "no_quorum", "withdrawn")
OUTCOME_LABELS = {
    "consensus": "Consensus",
    "no_consensus": "No consensus",
    "blocked": "Blocked",
    "no_quorum": "No quorum",
    "withdrawn": "Withdrawn",
}


@dataclass(frozen=True)
class Stance:
    """One member's standing position, attributed to a group (None: in no group)."""

    user_id: str
    group_id: int | None
    choice: str


@dataclass(frozen=True)
class Tally:
    """Counts overall and per group, and the required groups not yet heard from."""

    overall: Counter[str]
    by_group: dict[int | None, Counter[str]]
    silent_groups: tuple[int, ...]
    outcome: str = field(default="no_consensus")
    heard: frozenset[int] = field(default_factory=frozenset)


def consensus_outcome(*, agree: int, disagree: int, blocks: int, silent_required: int) -> str:
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


def tally(stances: Sequence[Stance], *, required_groups: Sequence[int],
          memberships: Mapping[int, Sequence[str]]) -> Tally:
    """Count positions and decide the outcome the proposal would have if it closed now.

    Each member counts once (their latest stance); an unknown choice is refused.
    """
    current = latest_stances(stances)
    unknown = {s.choice for s in current} - set(CHOICES)
    if unknown:
        raise ValueError(f"unknown position(s): {', '.join(sorted(unknown))}")
    overall: Counter[str] = Counter({c: 0 for c in CHOICES})
    by_group: dict[int | None, Counter[str]] = {}
    for stance in current:
        overall[stance.choice] += 1
        by_group.setdefault(stance.group_id, Counter({c: 0 for c in CHOICES}))[stance.choice] += 1
    heard = heard_groups(current, memberships)
    silent = tuple(dict.fromkeys(g for g in required_groups if g not in heard))
    outcome = consensus_outcome(agree=overall["agree"], disagree=overall["disagree"], blocks=overall["block"],
                                silent_required=len(silent))
    return Tally(overall=overall, by_group=by_group, silent_groups=silent, outcome=outcome,
                 heard=frozenset(heard))


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


def standing(proposal: Proposal, required: Sequence[int], positions: Sequence[Position],
             memberships: Mapping[int, Sequence[str]], names: Mapping[int, str]) -> ProposalView:
    """Where a proposal stands, from its positions, required groups and the groups' members."""
    result = tally([Stance(p.user_id, p.group_id, p.choice) for p in positions], required_groups=required,
                   memberships=memberships)
    concerns = sorted((Concern(user_id=p.user_id, group=names.get(p.group_id) if p.group_id else None,
                               choice=p.choice, reason=p.reason, organisation=p.organisation)
                       for p in positions if p.choice in CONCERNS),
                      key=lambda c: CONCERNS.index(c.choice))
    outcome = proposal.outcome if proposal.status == "closed" and proposal.outcome else result.outcome
    return ProposalView(
        proposal=proposal, tally=result, groups=_standings(result, required, names),
        silent=sorted((names.get(g, f"#{g}") for g in result.silent_groups), key=_name_key),
        concerns=concerns, required=sorted((names.get(g, f"#{g}") for g in required), key=_name_key),
        outcome=outcome, voters=frozenset(p.user_id for p in positions))
