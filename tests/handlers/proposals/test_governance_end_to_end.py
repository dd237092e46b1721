"""End to end through signed requests: the governance cases — counting per organisation with a block, the same
under a cap, a hidden proposal's every posted version, and a superseded decision in the digest and the export."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.cli import main
from tests.fakeslack import Call, FakeSlack
from tests.handlers.proposals.proposal_helpers import (
    AUTHOR,
    CHANNEL,
    audit,
    decisions,
    flush,
    live_text,
    make_groups,
    message_ts,
    proposals,
    propose,
    take,
)
from tests.harness import FACILITATOR, Harness

# Company's three members sit in all three groups; the university's representative in Academia.
COMPANY = ("UI1", "UI2", "UP1")


def _organisations(accord: Harness) -> None:
    make_groups(accord)
    for command in ("set Company <@UI1> <@UI2> <@UP1>", "set University <@UA1>", "representative University <@UA1>"):
        assert "rror" not in accord.command("/org", command, user=FACILITATOR).reply_text()
    [named] = audit(accord, "organisation.representative")
    assert named.actor_id == FACILITATOR and json.loads(named.detail) == {"user_id": "UA1"}


def _close(accord: Harness, pid: int) -> str:
    return accord.command("/propose", f"close {pid}", user=AUTHOR).reply_text()


def test_counted_per_organisation_three_of_a_company_agree_and_a_universitys_representative_blocks(
        accord: Harness) -> None:
    _organisations(accord)
    pid = propose(accord, "Adopt the data-sharing charter counting organisation")
    for user in COMPANY:
        take(accord, pid, user, "agree")
    take(accord, pid, "UA1", "block", "No ethics review yet")
    text = live_text(accord, pid)
    assert "*Positions:* 1 agree · 0 abstain · 0 disagree · 1 block" in text  # the company counts once
    assert "<@UI1> stands in for *Company*" in text and "Advice (not counted)" in text
    assert "*block* — <@UA1>" in text and "No ethics review yet" in text
    assert "Blocked" in _close(accord, pid)
    [row] = proposals(accord)
    assert (row["status"], row["outcome"], row["counting"]) == ("closed", "blocked", "organisation")
    assert {p["user_id"]: (p["organisation"], p["advisory"]) for p in row["positions"]} == {
        "UI1": ("Company", False), "UI2": ("Company", True), "UP1": ("Company", True), "UA1": ("University", False)}
    assert decisions(accord) == []  # a blocked proposal records no decision


def test_the_same_with_the_companys_share_capped_at_25_percent(accord: Harness) -> None:
    """The contract: a cap weighs agree and disagree only, so the university's block still blocks. Counted per
    member instead, with the university disagreeing, every organisation is over 25 % (the company 3 of 4, the
    university 1 of 4) and no share can be 25 %: each gets an equal one, 1 agree to 1 disagree, 50 % — no
    consensus, where without the cap 3 of 4 (75 %) would have been consensus."""
    _organisations(accord)
    pid = propose(accord, "Adopt the data-sharing charter counting organisation cap 25%")
    for user in COMPANY:
        take(accord, pid, user, "agree")
    take(accord, pid, "UA1", "block", "No ethics review yet")
    assert "*Positions:* 1 agree · 0 abstain · 0 disagree · 1 block" in live_text(accord, pid)
    assert "Blocked" in _close(accord, pid)

    capped = propose(accord, "Adopt the annex counting member cap 25%")
    uncapped = propose(accord, "Adopt the other annex counting member")
    for proposal in (capped, uncapped):
        for user in COMPANY:
            take(accord, proposal, user, "agree")
        take(accord, proposal, "UA1", "disagree", "Not yet")
    text = live_text(accord, capped)
    assert "*Positions:* 3 agree · 0 abstain · 1 disagree · 0 block" in text
    assert "*Weighted (cap 25 %):* 1 agree · 1 disagree — 50.0 % agree" in text
    assert "No consensus" in _close(accord, capped)
    assert "Consensus" in _close(accord, uncapped) and "Weighted" not in live_text(accord, uncapped)
    assert [(r["id"], r["outcome"], r["cap"]) for r in proposals(accord)] == [
        (pid, "blocked", 25), (capped, "no_consensus", 25), (uncapped, "consensus", None)]


def _versions(accord: Harness, pid: int) -> list[Call]:
    """Every version of the proposal's message Slack received: its post and each update."""
    ts = message_ts(accord, pid)
    posted = [c for c in accord.fake.calls_to("chat.postMessage")
              if c.params.get("channel") == CHANNEL and c.response.get("ts") == ts]
    updated = [c for c in accord.fake.calls_to("chat.update") if c.params.get("ts") == ts]
    return posted + updated


def test_a_hidden_proposal_never_posts_a_tally_before_close_and_shows_them_in_every_version_after(
        accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt the charter hidden")
    for user, choice, reason in (("UI1", "agree", ""), ("UA1", "block", "Not without an ethics review"),
                                 ("UA2", "disagree", "Too early"), ("UI1", "abstain", ""), ("UP1", "agree", "")):
        take(accord, pid, user, choice, reason)
        flush(accord)  # each change reaches Slack as its own version
    before = _versions(accord, pid)
    assert len(before) >= 5  # the post and updates after the positions
    assert "4 members have taken a position" in FakeSlack.all_text(before[-1])
    for version in before:
        text = FakeSlack.all_text(version)
        for leak in ("agree ·", "*agree*", "*block*", "*disagree*", "*abstain*", "UA1", "UA2", "UI1", "UP1",
                     "ethics review", "Too early", "If it closed now", "Positions", "Weighted", "Blocked"):
            assert leak not in text, (leak, version.method)
    assert "Blocked" in _close(accord, pid)
    flush(accord)
    after = _versions(accord, pid)[len(before):]
    assert after, "the close updates the message"
    for version in after:
        text = FakeSlack.all_text(version)
        assert "*Positions:* 1 agree · 1 abstain · 1 disagree · 1 block" in text
        assert "<@UA1>" in text and "Not without an ethics review" in text and "Too early" in text


def test_a_superseded_decision_is_shown_as_such_in_the_digest_and_the_export(
        accord: Harness, database_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    accord.command("/decision", "Meet monthly", user="U1")
    accord.settle()
    [old] = decisions(accord)
    accord.clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    accord.command("/decision", f"supersede {old['id']} Meet every two weeks", user="U1")
    accord.settle()
    old_row, new_row = decisions(accord)
    digest = accord.command("/digest", "preview", user="U1").reply_text()
    assert f"Meet monthly (superseded by #{new_row['id']})" in digest
    assert f"Meet every two weeks — supersedes #{old['id']}" in digest
    monkeypatch.setenv("DATABASE_URL", database_url)
    capsys.readouterr()
    assert main(["export", "decisions"]) == 0
    exported = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert (exported[old["id"]]["status"], exported[old["id"]]["superseded_by"]) == ("superseded", new_row["id"])
    assert (exported[new_row["id"]]["status"], exported[new_row["id"]]["supersedes"]) == ("active", old["id"])
    assert main(["export", "decisions", "--format", "md"]) == 0
    markdown = capsys.readouterr().out
    assert f"Superseded by: Decision {new_row['id']}" in markdown.replace("*", "")
    assert old_row["status"] == "superseded"
