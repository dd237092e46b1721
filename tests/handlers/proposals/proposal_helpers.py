"""Helpers for the proposal tests: groups, proposing, clicking, reading the live message."""

from __future__ import annotations

import json
from typing import Any

from bot.services.export import export_rows
from handlers.proposals.messages import LIVE_SPACING
from handlers.shared import ids
from storage.teams import list_audit
from tests.factories import make_group
from tests.fakeslack import FakeSlack
from tests.harness import Harness
from tests.payloads import plain_value

GROUPS = {"Industry": ["UI1", "UI2"], "Academia": ["UA1", "UA2"], "Policy": ["UP1", "UP2"]}
AUTHOR = "UAUTH"
CHANNEL = "C1"
CLICK = {"agree": ids.POSITION_AGREE, "abstain": ids.POSITION_ABSTAIN, "disagree": ids.POSITION_DISAGREE,
         "block": ids.POSITION_BLOCK}


def make_groups(accord: Harness, groups: dict[str, list[str]] = GROUPS,
                consortium_id: str = "T1") -> dict[str, int]:
    """Create stakeholder groups with members; name → id."""
    with accord.rt.session() as session:
        made = {name: make_group(session, consortium_id=consortium_id, name=name, members=members)
                for name, members in groups.items()}
        return {name: g.id or 0 for name, g in made.items()}


def propose(accord: Harness, title: str, *, user: str = AUTHOR, channel: str = CHANNEL) -> int:
    """`/propose <title>`; the new proposal's id (its message is posted)."""
    before = len(accord.fake.calls_to("chat.postMessage"))
    accord.command("/propose", title, user=user, channel=channel)
    accord.fake.wait_for("chat.postMessage", count=before + 1)
    return int(proposals(accord)[-1]["id"])


def proposals(accord: Harness, consortium_id: str = "T1") -> list[dict[str, Any]]:
    with accord.rt.session() as session:
        return export_rows(session, kind="proposals", consortium_id=consortium_id)


def decisions(accord: Harness, consortium_id: str = "T1") -> list[dict[str, Any]]:
    with accord.rt.session() as session:
        return export_rows(session, kind="decisions", consortium_id=consortium_id)


def audit(accord: Harness, action: str, consortium_id: str = "T1") -> list[Any]:
    with accord.rt.session() as session:
        return [row for row in list_audit(session, consortium_id=consortium_id) if row.action == action]


def message_ts(accord: Harness, proposal_id: int) -> str:
    from storage.models import Proposal

    with accord.rt.session() as session:
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None and proposal.message_ts
        return proposal.message_ts


def flush(accord: Harness) -> None:
    """Let the outbox send the live updates it holds back: wait for the listeners, then move the clock past
    the spacing of live updates and send what is due, until nothing is (no outbox loop runs in tests)."""
    accord.settle()
    for _ in range(10):
        accord.clock.advance(LIVE_SPACING)
        if not accord.rt.outbox.deliver_due(budget=10):
            return
    raise AssertionError("the outbox still sends after ten rounds")


def live_message(accord: Harness, proposal_id: int, channel: str = CHANNEL) -> dict[str, Any]:
    """The proposal's message as Slack shows it once every update held back has been sent."""
    flush(accord)
    ts = message_ts(accord, proposal_id)
    [message] = [m for m in accord.fake.messages(channel) if m["ts"] == ts]
    return message


def live_text(accord: Harness, proposal_id: int, channel: str = CHANNEL) -> str:
    return FakeSlack.all_text(live_message(accord, proposal_id, channel))


def buttons(message: dict[str, Any]) -> list[str]:
    blocks = message.get("blocks") or []
    return [el["action_id"] for b in blocks if b["type"] == "actions" for el in b["elements"]]


def click(accord: Harness, choice: str, proposal_id: int, *, user: str, team: str = "T1", **kw: Any) -> Any:
    return accord.action(CLICK[choice], str(proposal_id), user=user, team=team, **kw)


def take(accord: Harness, proposal_id: int, user: str, choice: str, reason: str = "") -> Any:
    """Take a position as a member does: a click, and for disagree/block the reason modal."""
    if choice in ("agree", "abstain"):
        return click(accord, choice, proposal_id, user=user)
    before = len(accord.fake.calls_to("views.open"))
    click(accord, choice, proposal_id, user=user)
    opened = accord.fake.wait_for("views.open", count=before + 1)[-1]
    view = opened.params["view"]
    assert view["callback_id"] == ids.POSITION_MODAL
    assert json.loads(view["private_metadata"]) == {"proposal_id": proposal_id, "choice": choice}
    return accord.submit(ids.POSITION_MODAL, {ids.REASON_BLOCK: {ids.REASON_ACTION: plain_value(reason)}},
                         user=user, private_metadata=view["private_metadata"])


def positions_of(accord: Harness, proposal_id: int) -> dict[str, str]:
    [row] = [p for p in proposals(accord) if p["id"] == proposal_id]
    return {p["user_id"]: p["choice"] for p in row["positions"]}
