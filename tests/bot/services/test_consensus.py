"""The consensus rule, table-driven: tally() and consensus_outcome() over many cases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.consensus import OUTCOME_LABELS, Stance, consensus_outcome, tally

A, B, C = 1, 2, 3
MEMBERS = {A: ["ua1", "ua2"], B: ["ub1", "ub2"], C: ["uc1", "both"]}


def s(user: str, group: int | None, choice: str) -> Stance:
    return Stance(user, group, choice)


CASES = [
    # (id, stances, required groups, memberships, outcome, silent groups)
    ("nothing at all, no groups", [], [], {}, "no_consensus", ()),
    ("no groups, one agree", [s("u1", None, "agree")], [], {}, "consensus", ()),
    ("no groups, one disagree", [s("u1", None, "disagree")], [], {}, "no_consensus", ()),
    ("abstentions only", [s("ua1", A, "abstain"), s("ub1", B, "abstain"), s("uc1", C, "abstain")],
     [A, B, C], MEMBERS, "no_consensus", ()),
    ("abstentions don't dilute", [s("ua1", A, "agree"), s("ub1", B, "abstain"), s("uc1", C, "abstain")],
     [A, B, C], MEMBERS, "consensus", ()),
    ("3 agree to 1 disagree", [s("ua1", A, "agree"), s("ua2", A, "agree"), s("ub1", B, "agree"),
                               s("uc1", C, "disagree")], [A, B, C], MEMBERS, "consensus", ()),
    ("exactly 2/3 is consensus", [s("ua1", A, "agree"), s("ub1", B, "agree"), s("uc1", C, "disagree")],
     [A, B, C], MEMBERS, "consensus", ()),
    ("just under 2/3", [s("ua1", A, "agree"), s("ua2", A, "agree"), s("ub1", B, "agree"),
                        s("ub2", B, "disagree"), s("uc1", C, "disagree")],
     [A, B, C], MEMBERS, "no_consensus", ()),
    ("1 agree to 2 disagree", [s("ua1", A, "agree"), s("ub1", B, "disagree"), s("uc1", C, "disagree")],
     [A, B, C], MEMBERS, "no_consensus", ()),
    ("one block beats everything", [s("ua1", A, "agree"), s("ub1", B, "agree"), s("uc1", C, "block")],
     [A, B, C], MEMBERS, "blocked", ()),
    ("a block beats no quorum", [s("ua1", A, "block")], [A, B, C], MEMBERS, "blocked", (B, C)),
    ("a block withdrawn by changing position",
     [s("uc1", C, "block"), s("ua1", A, "agree"), s("ub1", B, "agree"), s("uc1", C, "agree")],
     [A, B, C], MEMBERS, "consensus", ()),
    ("an agree changed to block", [s("ua1", A, "agree"), s("ub1", B, "agree"), s("uc1", C, "agree"),
                                   s("ua1", A, "block")], [A, B, C], MEMBERS, "blocked", ()),
    ("one group silent", [s("ua1", A, "agree"), s("ub1", B, "agree")], [A, B, C], MEMBERS, "no_quorum", (C,)),
    ("silent but not required", [s("ua1", A, "agree"), s("ub1", B, "agree")], [A, B], MEMBERS,
     "consensus", ()),
    ("a member in two groups is heard for both", [s("ua1", A, "agree"), s("both", B, "agree")],
     [A, B, C], {**MEMBERS, B: ["ub1", "ub2", "both"]}, "consensus", ()),
    ("an abstention counts as being heard",
     [s("ua1", A, "agree"), s("ub1", B, "abstain"), s("uc1", C, "abstain")], [A, B, C], MEMBERS,
     "consensus", ()),
    ("a position attributed to a group it has since left still hears it", [s("gone", A, "agree")],
     [A], {A: []}, "consensus", ()),
    ("a member of no group counts but hears no group", [s("nobody", None, "agree")], [A], MEMBERS,
     "no_quorum", (A,)),
    ("required group repeated is silent once", [], [A, A], MEMBERS, "no_quorum", (A,)),
    ("nobody spoke, groups required", [], [A, B], MEMBERS, "no_quorum", (A, B)),
]


@pytest.mark.parametrize(("stances", "required", "members", "outcome", "silent"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_tally_outcome(stances: list[Stance], required: list[int], members: dict[int, list[str]],
                       outcome: str, silent: tuple[int, ...]) -> None:
    result = tally(stances, required_groups=required, memberships=members)
    assert result.outcome == outcome
    assert result.silent_groups == silent
    assert outcome in OUTCOME_LABELS


def test_counts_overall_and_by_group_use_latest_stance() -> None:
    stances = [s("ua1", A, "block"), s("ua2", A, "agree"), s("ub1", B, "disagree"), s("ua1", A, "abstain"),
               s("nobody", None, "agree")]
    result = tally(stances, required_groups=[A, B], memberships=MEMBERS)
    assert dict(result.overall) == {"agree": 2, "abstain": 1, "disagree": 1, "block": 0}
    assert dict(result.by_group[A]) == {"agree": 1, "abstain": 1, "disagree": 0, "block": 0}
    assert dict(result.by_group[B]) == {"agree": 0, "abstain": 0, "disagree": 1, "block": 0}
    assert dict(result.by_group[None])["agree"] == 1
    assert result.heard == {A, B}


def test_unknown_choice_is_refused() -> None:
    with pytest.raises(ValueError, match="maybe"):
        tally([s("u1", None, "maybe")], required_groups=[], memberships={})


@pytest.mark.parametrize(("agree", "disagree", "blocks", "silent", "outcome"), [
    (0, 0, 0, 0, "no_consensus"),
    (2, 1, 0, 0, "consensus"),
    (4, 2, 0, 0, "consensus"),
    (199, 100, 0, 0, "no_consensus"),
    (200, 100, 0, 0, "consensus"),
    (1, 0, 0, 0, "consensus"),
    (0, 1, 0, 0, "no_consensus"),
    (10, 0, 1, 0, "blocked"),
    (10, 0, 0, 1, "no_quorum"),
    (0, 0, 1, 1, "blocked"),
])
def test_consensus_outcome_table(agree: int, disagree: int, blocks: int, silent: int, outcome: str) -> None:
    assert consensus_outcome(agree=agree, disagree=disagree, blocks=blocks, silent_required=silent) == outcome


@given(st.integers(0, 500), st.integers(0, 500))
def test_two_thirds_boundary_matches_exact_fractions(agree: int, disagree: int) -> None:
    from fractions import Fraction

    expected = agree + disagree > 0 and Fraction(agree, agree + disagree) >= Fraction(2, 3)
    got = consensus_outcome(agree=agree, disagree=disagree, blocks=0, silent_required=0)
    assert (got == "consensus") == expected
