"""The consensus rule, table-driven: tally() and consensus_outcome() over many cases."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.consensus import OUTCOME_LABELS, Stance, cap_factors, consensus_outcome, tally

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


# --- governance: counting per organisation, caps, conflicts ----------------------------------


def o(user: str, org: str | None, choice: str, group: int | None = None) -> Stance:
    return Stance(user, group, choice, org)


def test_contract_example_cap_25_percent_gives_no_consensus() -> None:
    """product.md: one organisation's 5 agree, others' 2 agree and 2 disagree, cap 25 %: w = 4/3, 62.5 %."""
    stances = ([o(f"big{i}", "Big", "agree") for i in range(5)]
               + [o("a1", "A", "agree"), o("b1", "B", "agree"), o("c1", "C", "disagree"), o("d1", None, "disagree")])
    uncapped = tally(stances, required_groups=[], memberships={})
    assert uncapped.outcome == "consensus"  # 7 of 9
    result = tally(stances, required_groups=[], memberships={}, cap=25)
    assert result.agree_weight == Fraction(10, 3) and result.disagree_weight == 2
    assert result.agree_weight / (result.agree_weight + result.disagree_weight) == Fraction(5, 8)
    assert result.outcome == "no_consensus" and result.capped == {"Big"}
    assert dict(result.overall) == {"agree": 7, "abstain": 0, "disagree": 2, "block": 0}  # counts are not weights


def test_cap_scales_every_organisation_over_it() -> None:
    factors = cap_factors({"X": 6, "Y": 6, "a": 1, "b": 1, "c": 1, "d": 1}, 20)
    weights = {org: factors[org] * n for org, n in {"X": 6, "Y": 6, "a": 1, "b": 1, "c": 1, "d": 1}.items()}
    total = sum(weights.values())
    assert weights["X"] == weights["Y"] == total / 5  # exactly 20 % each
    assert factors["a"] == 1


def test_capping_one_can_lift_another_over_the_cap() -> None:
    sizes = {"X": 10, "Y": 3, "a": 1, "b": 1, "c": 1}
    factors = cap_factors(sizes, 30)  # Y is 3/16 first, but over 30 % once X is scaled down
    weights = {org: factors[org] * n for org, n in sizes.items()}
    total = sum(weights.values())
    assert weights["X"] == weights["Y"] == Fraction(3, 10) * total
    assert all(weights[k] == 1 for k in "abc")


@pytest.mark.parametrize("cap", [100, 150])
def test_cap_of_100_or_more_changes_nothing(cap: int) -> None:
    assert cap_factors({"X": 9, "Y": 1}, cap) == {"X": 1, "Y": 1}


def test_a_single_organisation_keeps_its_own_balance_under_a_cap() -> None:
    stances = [o("u1", "Only", "agree"), o("u2", "Only", "agree"), o("u3", "Only", "disagree")]
    result = tally(stances, required_groups=[], memberships={}, cap=10)
    assert result.outcome == "consensus"
    assert result.agree_weight == 2 * result.disagree_weight


def test_every_organisation_over_the_cap_gets_an_equal_share() -> None:
    stances = [o("x1", "X", "agree"), o("x2", "X", "agree"), o("y1", "Y", "disagree")]
    result = tally(stances, required_groups=[], memberships={}, cap=40)
    assert result.agree_weight == result.disagree_weight == 1
    assert result.outcome == "no_consensus"


def test_organisation_counting_takes_the_representative_and_keeps_the_rest_as_advice() -> None:
    stances = [o("x1", "X", "disagree", A), o("x2", "X", "agree", B), o("y1", "Y", "agree", C)]
    result = tally(stances, required_groups=[A, B, C], memberships=MEMBERS, counting="organisation",
                   representatives={"X": "x2"})
    assert dict(result.overall) == {"agree": 2, "abstain": 0, "disagree": 0, "block": 0}
    assert result.advisory == {"x1"} and result.stand_ins == {"Y": "y1"}
    assert result.outcome == "consensus"
    assert result.heard == {A, B, C}  # advice is heard, it just weighs nothing


def test_organisation_counting_without_representative_takes_the_first_member() -> None:
    stances = [o("x1", "X", "block"), o("x2", "X", "agree"), o("x1", "X", "disagree"), o("solo", None, "agree"),
               o("solo2", None, "agree")]
    result = tally(stances, required_groups=[], memberships={}, counting="organisation")
    assert result.stand_ins == {"X": "x1"}  # first to take a position, even though they changed it later
    assert result.advisory == {"x2"}
    assert dict(result.overall) == {"agree": 2, "abstain": 0, "disagree": 1, "block": 0}  # members alone count
    assert result.outcome == "consensus"


def test_an_advisory_block_does_not_block() -> None:
    stances = [o("x1", "X", "agree"), o("x2", "X", "block")]
    assert tally(stances, required_groups=[], memberships={}, counting="organisation").outcome == "consensus"
    assert tally(stances, required_groups=[], memberships={}).outcome == "blocked"


def test_a_silent_representative_leaves_the_organisation_uncounted() -> None:
    stances = [o("x1", "X", "agree")]
    result = tally(stances, required_groups=[], memberships={}, counting="organisation",
                   representatives={"X": "rep"})
    assert result.overall["agree"] == 0 and result.advisory == {"x1"} and result.outcome == "no_consensus"


def test_quorum_per_group_works_when_counting_by_organisation() -> None:
    stances = [o("ua1", "X", "agree", A), o("ub1", "X", "agree", B)]
    result = tally(stances, required_groups=[A, B, C], memberships=MEMBERS, counting="organisation")
    assert result.silent_groups == (C,) and result.outcome == "no_quorum"


def test_excluded_members_neither_count_nor_are_heard_nor_represent() -> None:
    stances = [o("ua1", "X", "block", A), o("ub1", "X", "agree", B)]
    result = tally(stances, required_groups=[A, B], memberships=MEMBERS, counting="organisation",
                   representatives={"X": "ua1"}, excluded={"ua1"})
    assert result.outcome == "no_quorum" and result.silent_groups == (A,)
    assert result.stand_ins == {"X": "ub1"} and result.overall["block"] == 0


# --- the table grows: governance ----------------------------------------------------------------

GOVERNANCE_CASES = [
    # (id, stances, tally options, outcome, counted agree/abstain/disagree/block)
    ("per organisation: three of one company agree, a university's representative blocks",
     [o("c1", "Company", "agree", A), o("c2", "Company", "agree", A), o("c3", "Company", "agree", A),
      o("u1", "University", "block", B)],
     {"counting": "organisation", "representatives": {"University": "u1"}}, "blocked", (1, 0, 0, 1)),
    ("per organisation: the company counts once against two others",
     [o("c1", "Company", "agree"), o("c2", "Company", "agree"), o("c3", "Company", "agree"),
      o("u1", "University", "disagree"), o("m1", "Ministry", "disagree")],
     {"counting": "organisation"}, "no_consensus", (1, 0, 2, 0)),
    ("per member the same positions reach consensus",
     [o("c1", "Company", "agree"), o("c2", "Company", "agree"), o("c3", "Company", "agree"),
      o("u1", "University", "disagree"), o("m1", "Ministry", "agree")],
     {}, "consensus", (4, 0, 1, 0)),
    ("a cap of 25 % turns a company's majority into no consensus (4/3 + 2 agree to 2 disagree: 62.5 %)",
     [*(o(f"c{i}", "Company", "agree") for i in range(4)), o("u1", "University", "disagree"),
      o("v1", "Institute", "disagree"), o("m1", "Ministry", "agree"), o("n1", "NGO", "agree")],
     {"cap": 25}, "no_consensus", (6, 0, 2, 0)),
    ("without the cap the same positions reach consensus (6 of 8)",
     [*(o(f"c{i}", "Company", "agree") for i in range(4)), o("u1", "University", "disagree"),
      o("v1", "Institute", "disagree"), o("m1", "Ministry", "agree"), o("n1", "NGO", "agree")],
     {}, "consensus", (6, 0, 2, 0)),
    ("a cap no organisation can meet (three of them at 25 %) gives each an equal share",
     [o("c1", "Company", "agree"), o("c2", "Company", "agree"), o("c3", "Company", "agree"),
      o("u1", "University", "disagree"), o("m1", "Ministry", "agree")],
     {"cap": 25}, "consensus", (4, 0, 1, 0)),
    ("a cap leaves a block a block",
     [o("c1", "Company", "agree"), o("c2", "Company", "agree"), o("u1", "University", "block")],
     {"cap": 25}, "blocked", (2, 0, 0, 1)),
    ("observers (excluded) neither count nor make their group heard",
     [o("ua1", None, "agree", A), o("ub1", None, "block", B)],
     {"excluded": {"ub1"}}, "consensus", (1, 0, 0, 0)),
    ("a recusal (excluded) removes a block",
     [o("ua1", "X", "agree", A), o("ub1", "Y", "block", B), o("uc1", "Z", "agree", C)],
     {"excluded": {"ub1"}, "counting": "organisation"}, "consensus", (2, 0, 0, 0)),
    ("a recused representative hands the organisation to its first other member",
     [o("ua1", "X", "disagree", A), o("ua2", "X", "agree", A)],
     {"excluded": {"ua1"}, "counting": "organisation", "representatives": {"X": "ua1"}}, "consensus",
     (1, 0, 0, 0)),
]


@pytest.mark.parametrize(("stances", "options", "outcome", "counts"), [c[1:] for c in GOVERNANCE_CASES],
                         ids=[c[0] for c in GOVERNANCE_CASES])
def test_governance_table(stances: list[Stance], options: dict[str, object], outcome: str,
                          counts: tuple[int, int, int, int]) -> None:
    result = tally(stances, required_groups=[], memberships={}, **options)  # type: ignore[arg-type]
    assert result.outcome == outcome
    assert tuple(result.overall[c] for c in ("agree", "abstain", "disagree", "block")) == counts


def test_hidden_tallies_weigh_the_same_positions() -> None:
    """A hidden proposal only hides its tallies until close: the standing it computes is the one shown after."""
    from datetime import UTC, datetime

    from bot.services.consensus import standing
    from storage.models import Position, Proposal
    from storage.statuses import PositionChoice

    now = datetime(2026, 11, 25, tzinfo=UTC)
    positions = [Position(id=i, consortium_id="T1", proposal_id=1, user_id=u, group_id=g, choice=PositionChoice(c),
                          updated_at=now)
                 for i, (u, g, c) in enumerate((("ua1", A, "agree"), ("ub1", B, "agree"), ("uc1", C, "block")), 1)]
    views = [standing(Proposal(id=1, consortium_id="T1", title="t", author_id="u", channel_id="C",
                               closes_at=now, hidden=hidden), [A, B, C], positions, MEMBERS, {})
             for hidden in (False, True)]
    assert [v.outcome for v in views] == ["blocked", "blocked"]
    assert views[0].tally == views[1].tally


def _weights(sizes: dict[str, int], cap: int) -> tuple[dict[str, Fraction], dict[str, Fraction]]:
    factors = cap_factors(sizes, cap)
    return factors, {org: factors[org] * n for org, n in sizes.items() if n > 0}


organisations = st.dictionaries(st.sampled_from([f"org{i}" for i in range(8)]),
                                st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=1, max_size=8)


@given(organisations, st.integers(1, 100))
def test_a_cap_holds_every_capped_organisation_at_exactly_its_share(counts: dict[str, tuple[int, int]],
                                                                     cap: int) -> None:
    """For any organisations' agree/disagree and cap N %: after weighting, no organisation's share exceeds
    N % and a capped one's is exactly N %; an uncapped one keeps weight 1 per position — unless every
    organisation would be capped, when each gets an equal share; and the outcome is the rule on the weights."""
    sizes = {org: a + d for org, (a, d) in counts.items()}
    factors, weights = _weights(sizes, cap)
    total = sum(weights.values(), Fraction(0))
    share = Fraction(cap, 100)
    capped = {org for org, f in factors.items() if f != 1}
    if any(weight > share * total for weight in weights.values()):  # the cap cannot be met by all
        assert len(set(weights.values())) == 1  # so each organisation gets an equal share
        assert share * len(weights) < 1  # which happens only when N % of each could not make the whole
    else:
        for org, weight in weights.items():
            assert factors[org] == 1 or (weight == share * total and factors[org] < 1)
        assert all(weights[org] == share * total for org in capped)
    stances = [o(f"{org}-{kind}{i}", org, kind) for org, (a, d) in counts.items()
               for kind, n in (("agree", a), ("disagree", d)) for i in range(n)]
    result = tally(stances, required_groups=[], memberships={}, cap=cap)
    agree = sum((factors[org] * a for org, (a, _) in counts.items() if a), Fraction(0))
    disagree = sum((factors[org] * d for org, (_, d) in counts.items() if d), Fraction(0))
    assert (result.agree_weight, result.disagree_weight) == (agree, disagree)
    assert result.capped == capped
    assert result.outcome == consensus_outcome(agree=agree, disagree=disagree, blocks=0, silent_required=0)


@given(st.integers(1, 99), st.integers(1, 3))
def test_a_cap_at_its_boundary(cap: int, m: int) -> None:
    """An organisation with exactly N % of the positions is not scaled; with one more it is, to exactly N %."""
    others = {f"solo{i}": 1 for i in range((100 - cap) * m)}  # one position each: never over the cap
    at_cap = {"Big": cap * m, **others}  # cap·m of 100·m positions: exactly N %
    assert set(cap_factors(at_cap, cap).values()) == {1}
    over = {**at_cap, "Big": cap * m + 1}
    factors, weights = _weights(over, cap)
    assert factors["Big"] < 1 and weights["Big"] == Fraction(cap, 100) * sum(weights.values())
    assert all(factors[org] == 1 for org in others)
