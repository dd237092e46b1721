"""The digest builders as pure data: always within Slack's limits, safe, and readable as text."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.services.consensus import Tally
from bot.services.digests import CommitmentGroup, Digest, Participation, ProposalStatus, Voice
from handlers.digests.blocks import digest_blocks, digest_text, fallback
from storage.models import Commitment, Decision, Proposal
from tests.fakeslack import block_errors, check_message

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LONG = "A very long piece of text with <!channel> in it and <@U9|zed> " * 20


def _digest(groups: int = 40, per_group: int = 8) -> Digest:
    names = {g: f"Group {g} " + "with a long name " * 4 for g in range(1, groups + 1)}
    commitments = [CommitmentGroup(group_id=g, name=names[g], total=50, overdue=20, shown=[
        Commitment(id=g * 100 + i, consortium_id="T1", text=LONG, owner_id="U1", channel_id="C1", created_by="U1",
                   due_date=date(2026, 11, 1), permalink="https://example.slack.com/archives/C1/p1")
        for i in range(per_group)]) for g in names]
    tally = Tally(overall=Counter(agree=3), by_group={g: Counter(agree=1) for g in names},
                  silent_groups=tuple(names), outcome="no_quorum")
    proposals = [ProposalStatus(proposal=Proposal(id=i, consortium_id="T1", title=LONG, author_id="U1",
                                                  channel_id="C1", closes_at=NOW + timedelta(days=3)),
                                required=list(names), tally=tally) for i in range(8)]
    decisions = [Decision(id=i, consortium_id="T1", text=LONG, rationale=LONG, channel_id="C1", recorded_by="U2",
                          created_at=NOW) for i in range(15)]
    voices = [Voice(group_id=g, name=names[g], members=3, positions=g % 3, answers=0) for g in names]
    return Digest(consortium_id="T1", channel_id="C1", period_start=NOW - timedelta(days=7), period_end=NOW,
                  today=NOW.date(), scope=None, group_names=names, decisions=decisions, decisions_total=40,
                  commitments=commitments, proposals=proposals, proposals_total=30, closed=[],
                  participation=[Participation(group_id=g, name=names[g], rounds=1, asked=3, answered=1)
                                 for g in names],
                  silent_checkin_groups=[], voices=voices, least_heard=voices[:3])


def test_a_huge_digest_fits_slack() -> None:
    digest = _digest()
    blocks = digest_blocks(digest)
    assert len(blocks) <= 50
    assert block_errors(blocks, max_blocks=50) == []
    check_message({"text": fallback(digest), "blocks": blocks})
    raw = str(blocks)
    assert "<!channel>" not in raw and "<@U9|zed>" in raw
    text = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert "and 25 more" in text and "and 22 more" in text  # decisions; proposals


def test_commitment_lines_are_budgeted_across_groups() -> None:
    blocks = digest_blocks(_digest(groups=12))
    text = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert text.count(":warning: overdue") == 40
    assert "and 42 more — see `/commit list all` or the App Home" in text  # 50 open, 8 shown
    assert "and 50 more" in text  # a group past the budget


def test_plain_text_uses_display_names_and_no_markup() -> None:
    out = digest_text(_digest(groups=2, per_group=1), names={"U1": "Lena Fischer", "U2": "Priya Raman"})
    assert "@Lena Fischer" in out and "@Priya Raman" in out and "@zed" in out
    assert "<" not in out and "*" not in out and "Not yet heard from: Group 1" in out


FAILED = "could not be delivered this period (check the logs for `delivery_failed`)."


def _footer(blocks: list[dict]) -> str:  # type: ignore[type-arg]
    assert blocks[-1]["type"] == "context"
    return " ".join(e["text"] for e in blocks[-1]["elements"])


def test_footer_says_how_many_posts_failed_for_good_only_when_some_did() -> None:
    small = _digest(groups=2, per_group=1)
    assert FAILED not in str(digest_blocks(small)) and "could not be delivered" not in digest_text(small)
    assert _footer(digest_blocks(replace(small, undelivered=1))).startswith(f":warning: 1 post {FAILED}")
    three = replace(small, undelivered=3)
    footer = _footer(digest_blocks(three))
    assert footer.startswith(f":warning: 3 posts {FAILED}") and "App Home" in footer
    out = digest_text(three)
    assert "3 posts could not be delivered this period (check the logs for delivery_failed)." in out
    assert ":warning:" not in out and "`" not in out


def test_a_huge_digest_with_failed_posts_still_fits_slack() -> None:
    digest = replace(_digest(), undelivered=12345)
    blocks = digest_blocks(digest)
    assert len(blocks) <= 50
    assert block_errors(blocks, max_blocks=50) == []
    check_message({"text": fallback(digest), "blocks": blocks})
    assert _footer(blocks).startswith(f":warning: 12345 posts {FAILED}")


def _reviewed(n: int) -> list[Decision]:
    return [Decision(id=500 + i, consortium_id="T1", text=LONG, channel_id="C1", recorded_by="U2", created_at=NOW,
                     review_on=NOW.date() - timedelta(days=i), permalink="https://example.slack.com/archives/C1/p5")
            for i in range(n)]


def test_due_for_review_section_only_when_some_decision_is_due() -> None:
    none = digest_text(_digest(groups=2))
    assert "DUE FOR REVIEW" not in none
    digest = replace(_digest(groups=2), due_for_review=_reviewed(2), due_for_review_total=2)
    text = digest_text(digest)
    assert "DUE FOR REVIEW" in text
    assert "#500" in text and "review due today" in text
    assert "#501" in text and "review was due Tue 24 Nov 2026" in text


def test_superseded_decisions_say_so_and_name_their_successor() -> None:
    old = Decision(id=1, consortium_id="T1", text="Meet monthly", channel_id="C1", recorded_by="U2", created_at=NOW,
                   status="superseded", superseded_by=2)
    new = Decision(id=2, consortium_id="T1", text="Meet weekly", channel_id="C1", recorded_by="U2", created_at=NOW,
                   supersedes=1)
    text = digest_text(replace(_digest(groups=1), decisions=[old, new], decisions_total=2))
    assert "#1 Meet monthly (superseded by #2)" in text
    assert "#2 Meet weekly — supersedes #1" in text


def test_a_huge_digest_with_many_reviews_due_still_fits_slack() -> None:
    digest = replace(_digest(), due_for_review=_reviewed(15), due_for_review_total=60)
    blocks = digest_blocks(digest)
    assert len(blocks) <= 50 and block_errors(blocks, max_blocks=50) == []
    text = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert "Due for review" in text and "and 45 more" in text


def test_a_hidden_proposal_shows_only_the_groups_heard_from_until_it_closes() -> None:
    digest = _digest(groups=3)
    tally = Tally(overall=Counter(agree=2, disagree=1), by_group={1: Counter(agree=2), 2: Counter(disagree=1)},
                  silent_groups=(3,), outcome="no_quorum", heard=frozenset({1, 2}))
    secret = Proposal(id=1, consortium_id="T1", title="Secret ballot", author_id="U1", channel_id="C1",
                      closes_at=NOW + timedelta(days=3), hidden=True)
    hidden = replace(digest.proposals[0], tally=tally, proposal=secret)
    text = "\n".join(b["text"]["text"] for b in digest_blocks(replace(digest, proposals=[hidden], proposals_total=1))
                     if b["type"] == "section")
    line = next(line for line in text.splitlines() if "Secret ballot" in line)
    assert "hidden until it closes" in line and "heard from: Group 1" in line and "Group 2" in line
    assert "agree" not in text and "disagree" not in text and "If it closed now" not in text
    assert "Not yet heard from: Group 3" in text
