"""End to end: `/proxy` and alternates taking a member's position, which the member may override."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from handlers.proxies.grammar import ProxyOff, ProxySet, ProxyShow, parse_proxy_command
from handlers.shared import ids
from tests.handlers.proposals.proposal_helpers import (
    audit,
    click,
    live_text,
    make_groups,
    proposals,
    propose,
    take,
)
from tests.harness import START, Harness, Sent

MEMBER, ALT = "UI1", "UA1"


def _offer(sent: Sent) -> list[str]:
    """The values of the "Same for them" buttons in an ephemeral answer."""
    blocks = sent.reply().params.get("blocks") or []
    return [b["accessory"]["value"] for b in blocks if b.get("accessory", {}).get("action_id") == ids.POSITION_FOR]


def test_grammar() -> None:
    from datetime import date

    assert parse_proxy_command("") == ProxyShow()
    assert parse_proxy_command("off") == ProxyOff()
    assert parse_proxy_command("<@UA1|ann> until 2026-12-31 for #4") == ProxySet("UA1", date(2026, 12, 31), 4)
    assert parse_proxy_command("<@UA1>") == ProxySet("UA1")
    today = date(2026, 12, 2)  # a Wednesday: dates read as `/commit` reads them
    assert parse_proxy_command("<@UA1> until friday for 4", today) == ProxySet("UA1", date(2026, 12, 4), 4)
    assert parse_proxy_command("<@UA1> until Dec 31", today) == ProxySet("UA1", date(2026, 12, 31))


@pytest.mark.parametrize(("text", "error"), [
    ("ann", "Mention your alternate first"),
    ("<@UA1> until someday", "couldn't read the date"),
    ("<@UA1> until 2026-02-30", "is not a valid date"),
    ("<@UA1> for", "needs a value"),
    ("<@UA1> for x", "is not a record id"),
    ("<@UA1> soon", "didn't understand"),
    ("off now", "takes nothing more"),
])
def test_bad_proxies_are_refused_and_change_nothing(accord: Harness, text: str, error: str) -> None:
    reply = accord.command("/proxy", text, user=MEMBER).reply_text()
    assert error in reply and "Usage: `/proxy" in reply
    assert audit(accord, "proxy.set") == []


def test_an_alternate_takes_the_members_position_and_the_member_overrides(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt the charter")
    assert "may take your position on every proposal" in accord.command("/proxy", f"<@{ALT}>", user=MEMBER).reply_text()
    sent = click(accord, "agree", pid, user=ALT)
    assert _offer(sent) == [f"{pid}:{MEMBER}"]
    done = accord.action(ids.POSITION_FOR, f"{pid}:{MEMBER}", user=ALT)
    assert f"For <@{MEMBER}>: agree" in done.reply_text()
    assert f"Agree — by <@{ALT}> for <@{MEMBER}>" in live_text(accord, pid)
    [row] = proposals(accord)
    assert {(p["user_id"], p["proxy_for"], p["group"], p["choice"]) for p in row["positions"]} == {
        (ALT, None, "Academia", "agree"), (ALT, MEMBER, "Industry", "agree")}
    [proxied] = [json.loads(a.detail) for a in audit(accord, "position.take") if a.actor_id == ALT
                 and "proxy_for" in json.loads(a.detail)]
    assert proxied["proxy_for"] == MEMBER and proxied["choice"] == "agree"

    take(accord, pid, MEMBER, "disagree", "Not yet")  # the member overrides
    text = live_text(accord, pid)
    assert "By proxy" not in text and f"<@{MEMBER}> (Industry): Not yet" in text
    refused = accord.action(ids.POSITION_FOR, f"{pid}:{MEMBER}", user=ALT)
    assert "took their own position" in refused.reply_text()
    [row] = proposals(accord)
    assert {(p["user_id"], p["proxy_for"], p["choice"]) for p in row["positions"]} == {
        (ALT, None, "agree"), (MEMBER, None, "disagree")}


def test_without_a_proxy_in_force_nothing_is_taken(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt the charter")
    other = propose(accord, "Adopt the annex")
    accord.command("/proxy", f"<@{ALT}> for {other}", user=MEMBER).reply_text()
    assert _offer(click(accord, "agree", pid, user=ALT)) == []  # a proxy for another proposal
    refused = accord.action(ids.POSITION_FOR, f"{pid}:{MEMBER}", user=ALT)
    assert "don't hold" in refused.reply_text()
    accord.command("/proxy", f"<@{ALT}> until {(START + timedelta(days=1)).date().isoformat()}",
                   user=MEMBER).reply_text()
    accord.clock.advance(timedelta(days=2))  # past its date
    assert _offer(click(accord, "abstain", pid, user=ALT)) == []
    accord.command("/proxy", f"<@{ALT}>", user=MEMBER).reply_text()
    assert "has ended" in accord.command("/proxy", "off", user=MEMBER).reply_text()
    assert "don't hold" in accord.action(ids.POSITION_FOR, f"{pid}:{MEMBER}", user=ALT).reply_text()
    assert [p["user_id"] for p in proposals(accord)[0]["positions"]] == [ALT]


def test_proxy_show_and_refusals(accord: Harness) -> None:
    make_groups(accord)
    assert "You have no proxy" in accord.command("/proxy", "", user=MEMBER).reply_text()
    assert "someone else" in accord.command("/proxy", f"<@{MEMBER}>", user=MEMBER).reply_text()
    assert "has passed" in accord.command("/proxy", f"<@{ALT}> until 2020-01-01", user=MEMBER).reply_text()
    assert "no proposal #42" in accord.command("/proxy", f"<@{ALT}> for 42", user=MEMBER).reply_text()
    accord.command("/proxy", f"<@{ALT}> until 2027-01-31", user=MEMBER).reply_text()
    assert f"<@{ALT}> may take your position on every proposal until 2027-01-31" in accord.command(
        "/proxy", "", user=MEMBER).reply_text()


def test_after_a_reasoned_position_the_alternate_is_offered_the_same_for_the_member(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt the charter")
    accord.command("/proxy", f"<@{ALT}>", user=MEMBER).reply_text()
    take(accord, pid, ALT, "block", "Needs an ethics annex")
    [offer] = accord.fake.wait_for("chat.postEphemeral")
    assert offer.params["user"] == ALT and offer.params["channel"] == "C1"
    assert [b["accessory"]["value"] for b in offer.params["blocks"] if "accessory" in b] == [f"{pid}:{MEMBER}"]
    accord.action(ids.POSITION_FOR, f"{pid}:{MEMBER}", user=ALT).reply_text()
    [row] = proposals(accord)
    assert {(p["proxy_for"], p["choice"], p["reason"]) for p in row["positions"]} == {
        (None, "block", "Needs an ethics annex"), (MEMBER, "block", "Needs an ethics annex")}


def test_setting_and_ending_a_proxy_are_audited(accord: Harness) -> None:
    make_groups(accord)
    pid = propose(accord, "Adopt the charter")
    accord.command("/proxy", f"<@{ALT}> until 2027-01-31 for {pid}", user=MEMBER).reply_text()
    [entry] = audit(accord, "proxy.set")
    assert entry.actor_id == MEMBER and entry.entity == "proxy"
    assert json.loads(entry.detail) == {"alternate_id": ALT, "until": "2027-01-31", "proposal_id": pid}
    assert audit(accord, "proxy.off") == []
    accord.command("/proxy", "off", user=MEMBER).reply_text()
    [ended] = audit(accord, "proxy.off")
    assert ended.actor_id == MEMBER and json.loads(ended.detail) == {"ended": 1}
    accord.command("/proxy", "off", user=MEMBER).reply_text()  # none in force: nothing more to audit
    assert len(audit(accord, "proxy.off")) == 1
