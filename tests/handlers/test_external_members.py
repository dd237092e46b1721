"""End to end: what a member of another organisation's workspace does in a Slack Connect channel, with
Accord installed only here (T1): requests shaped as Slack sends them for a shared channel."""

from __future__ import annotations

from handlers.shared import ids
from tests.handlers.proposals.proposal_helpers import CLICK, decisions, make_groups, positions_of, propose
from tests.harness import Harness
from tests.payloads import message_event, plain_value

SHARED = "CSHARED"
OTHER_TEAM = "T2"
EXT = "UEXT"


def test_an_external_member_records_by_message_and_takes_positions_by_button(accord: Harness) -> None:
    accord.fake.unknown_users.add(EXT)
    make_groups(accord, {"Policy": [EXT], "Industry": ["UI1"]})

    accord.event(message_event("Decision: adopt the shared glossary", user=EXT, channel=SHARED), actor_team=OTHER_TEAM)
    confirm = accord.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == SHARED
                                   and "Recorded *decision" in c.params.get("text", ""))
    assert confirm[0].params.get("thread_ts")
    [decision] = decisions(accord)  # recorded in this workspace's record, by the external member
    assert (decision["text"], decision["recorded_by"]) == ("adopt the shared glossary", EXT)

    proposal_id = propose(accord, "Publish the charter", channel=SHARED)
    accord.action(CLICK["agree"], str(proposal_id), user=EXT, user_team=OTHER_TEAM, channel=SHARED)
    assert positions_of(accord, proposal_id) == {EXT: "agree"}

    accord.action(CLICK["block"], str(proposal_id), user=EXT, user_team=OTHER_TEAM, channel=SHARED)
    [opened] = accord.fake.wait_for("views.open")
    view = opened.params["view"]
    accord.submit(ids.POSITION_MODAL, {ids.REASON_BLOCK: {ids.REASON_ACTION: plain_value("Needs legal review")}},
                  user=EXT, user_team=OTHER_TEAM, private_metadata=view["private_metadata"])
    assert positions_of(accord, proposal_id) == {EXT: "block"}
