"""End to end: a digest counts a proposal as its live message does — its governance included."""

from __future__ import annotations

from tests.handlers.proposals.proposal_helpers import live_text, make_groups, propose, take
from tests.harness import Harness

FAC = "UFAC"


def _digest_line(accord: Harness, proposal_id: int) -> str:
    digest = accord.fake.all_text(accord.command("/digest", "preview", user=FAC).reply())
    [line] = [ln for ln in digest.splitlines() if f"#{proposal_id} " in ln and "if it closed now" in ln]
    return line


def test_a_proposal_counted_per_organisation_has_the_same_outcome_in_the_digest(accord: Harness) -> None:
    make_groups(accord, {"Policy": ["U1", "U2", "U3"]})
    accord.command("/org", "set Univ Bonn <@U1> <@U2>", user=FAC)
    accord.command("/org", "representative Univ Bonn <@U2>", user=FAC)
    proposal_id = propose(accord, "Adopt the charter counting organisation")
    take(accord, proposal_id, "U1", "agree")  # advice: Univ Bonn speaks through its representative
    take(accord, proposal_id, "U2", "disagree", "Too early")
    take(accord, proposal_id, "U3", "agree")  # on their own: an organisation of one
    live = live_text(accord, proposal_id)
    counted = "1 agree · 0 abstain · 1 disagree · 0 block"  # per member: 2 agree, 1 disagree, a consensus
    assert "*If it closed now:*" in live and "*No consensus*" in live and f"*Positions:* {counted}" in live
    line = _digest_line(accord, proposal_id)
    assert f"*No consensus* ({counted})" in line, line


def test_a_capped_organisation_weighs_alike_in_the_digest(accord: Harness) -> None:
    make_groups(accord, {"Policy": ["U1", "U2", "U3", "U4"]})
    accord.command("/org", "set Big Org <@U1> <@U2> <@U3>", user=FAC)
    proposal_id = propose(accord, "Raise the fee cap 50%")
    for user in ("U1", "U2", "U3"):
        take(accord, proposal_id, user, "agree")
    take(accord, proposal_id, "U4", "disagree", "Too costly")
    live = live_text(accord, proposal_id)
    line = _digest_line(accord, proposal_id)
    # Big Org's three agrees weigh as much as the one disagree under its cap: no two-thirds.
    assert "*If it closed now:* " in live and "*No consensus*" in live
    assert "*No consensus* (3 agree · 0 abstain · 1 disagree · 0 block)" in line, line
