"""The live proposal message under governance, as pure data: stand-ins, advice, weights, anonymity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.consensus import Governance, standing
from handlers.proposals.blocks import proposal_blocks
from storage.models import Position, Proposal
from tests.fakeslack import FakeSlack, block_errors

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
INDUSTRY, ACADEMIA = 1, 2
NAMES = {INDUSTRY: "Industry", ACADEMIA: "Academia"}
MEMBERS = {INDUSTRY: ["ux1", "ux2", "uy1"], ACADEMIA: ["ua1"]}


def _proposal(**kw: object) -> Proposal:
    return Proposal(id=7, consortium_id="T1", title="Adopt the charter", author_id="UAUTH", channel_id="C1",
                    closes_at=NOW + timedelta(days=3), created_at=NOW, **kw)


def _positions(*rows: tuple[str, int, str, str | None]) -> list[Position]:
    return [Position(id=i + 1, consortium_id="T1", proposal_id=7, user_id=user, group_id=group, choice=choice,
                     reason=reason, created_at=NOW + timedelta(minutes=i), updated_at=NOW + timedelta(minutes=i))
            for i, (user, group, choice, reason) in enumerate(rows)]


def _text(proposal: Proposal, positions: list[Position], orgs: dict[str, str | None],
          representatives: dict[str, str] | None = None) -> str:
    governance = Governance(organisations={p.id or 0: orgs.get(p.user_id) for p in positions},
                            representatives=representatives or {})
    view = standing(proposal, [INDUSTRY, ACADEMIA], positions, MEMBERS, NAMES, governance=governance)
    blocks = proposal_blocks(view)
    assert block_errors(blocks, max_blocks=50) == []
    return FakeSlack.all_text({"blocks": blocks})


POSITIONS = _positions(("ux1", INDUSTRY, "agree", None), ("ux2", INDUSTRY, "disagree", "Too soon"),
                       ("uy1", INDUSTRY, "agree", None), ("ua1", ACADEMIA, "agree", None))
ORGS: dict[str, str | None] = {"ux1": "Acme", "ux2": "Acme", "uy1": "Beta", "ua1": None}


def test_first_member_stands_in_and_the_others_are_advice() -> None:
    text = _text(_proposal(counting="organisation"), POSITIONS, ORGS)
    assert "*Positions:* 3 agree · 0 abstain · 0 disagree · 0 block" in text
    assert "<@ux1> stands in for *Acme* (first to take a position; no representative set)" in text
    assert "<@uy1> stands in for *Beta*" in text
    assert "*Advice (not counted)*" in text and "*disagree* — <@ux2> (Acme): Too soon" in text
    assert "*Blocks and disagreements*" not in text  # the only disagreement is advice
    assert "Counting: per organisation" in text


def test_a_representative_counts_and_no_stand_in_is_named() -> None:
    text = _text(_proposal(counting="organisation"), POSITIONS, ORGS, {"Acme": "ux2"})
    assert "stands in for *Acme*" not in text and "<@uy1> stands in for *Beta*" in text
    assert "*Positions:* 2 agree · 0 abstain · 1 disagree · 0 block" in text
    assert "*agree* — <@ux1> (Acme)" in text  # the first member is advice now


def test_a_cap_shows_the_weights() -> None:
    positions = _positions(*[(f"ux{i}", INDUSTRY, "agree", None) for i in range(5)],
                           ("ua1", ACADEMIA, "agree", None), ("ub1", ACADEMIA, "agree", None),
                           ("uc1", ACADEMIA, "disagree", None), ("ud1", ACADEMIA, "disagree", None))
    orgs: dict[str, str | None] = {f"ux{i}": "Big" for i in range(5)}
    text = _text(_proposal(cap=25), positions, orgs)
    assert "*Weighted (cap 25 %):* 3.33 agree · 2 disagree — 62.5 % agree" in text
    assert "No consensus" in text


def test_anonymous_names_nobody() -> None:
    text = _text(_proposal(counting="organisation", anonymous=True), POSITIONS, ORGS)
    assert "<@u" not in text
    assert "a member stands in for *Acme*" in text and "*disagree* — a member (Acme): Too soon" in text


def test_a_group_heard_only_through_advice_says_so() -> None:
    positions = _positions(("ux1", ACADEMIA, "agree", None), ("ux2", INDUSTRY, "disagree", None))
    text = _text(_proposal(counting="organisation"), positions, {"ux1": "Acme", "ux2": "Acme"})
    assert "*Industry*: 0 agree · 0 abstain · 0 disagree · 0 block _(heard through advice" in text
    assert "Not yet heard from" not in text
