"""The consensus rule of product.md, as pure functions over positions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

CHOICES = ("agree", "abstain", "disagree", "block")
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


def consensus_outcome(*, agree: int, disagree: int, blocks: int, silent_required: int) -> str:
    """blocked > no_quorum > consensus (agree ≥ 2/3 of agree+disagree, at least one) > no_consensus."""
    if blocks > 0:
        return "blocked"
    if silent_required > 0:
        return "no_quorum"
    if agree + disagree > 0 and 3 * agree >= 2 * (agree + disagree):
        return "consensus"
    return "no_consensus"


def heard_groups(stances: Iterable[Stance], memberships: dict[int, Sequence[str]]) -> set[int]:
    """Groups with a position from at least one of their members (any member, any group)."""
    voters = {s.user_id for s in stances}
    heard = {s.group_id for s in stances if s.group_id is not None}
    for group_id, members in memberships.items():
        if voters.intersection(members):
            heard.add(group_id)
    return heard


def tally(stances: Sequence[Stance], *, required_groups: Sequence[int],
          memberships: dict[int, Sequence[str]]) -> Tally:
    """Count positions and decide the outcome the proposal would have if it closed now.

    A group is heard when any of its members took a position (a member in two groups is
    heard for both), so a required group counts as silent only if none of its members spoke.
    """
    overall: Counter[str] = Counter({c: 0 for c in CHOICES})
    by_group: dict[int | None, Counter[str]] = {}
    for stance in stances:
        overall[stance.choice] += 1
        by_group.setdefault(stance.group_id, Counter())[stance.choice] += 1
    heard = heard_groups(stances, memberships)
    silent = tuple(g for g in required_groups if g not in heard)
    outcome = consensus_outcome(agree=overall["agree"], disagree=overall["disagree"], blocks=overall["block"],
                                silent_required=len(silent))
    return Tally(overall=overall, by_group=by_group, silent_groups=silent, outcome=outcome)
