"""Helpers for the check-in tests: seed groups, find prompts, answer them as a member would."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from handlers.shared import ids
from storage.models import CheckinPrompt, CheckinResponse, CheckinRound, OutboxMessage
from tests.factories import make_group
from tests.fakeslack import Call, FakeSlack
from tests.harness import Harness
from tests.payloads import message_event, plain_value


def seed_group(accord: Harness, *, name: str, members: Sequence[str], zone: str = "UTC",
               channel: str | None = None, days: str | None = None, at: str | None = None,
               updated: datetime | None = None) -> int:
    """A group (optionally scheduled, as `/group schedule` would store it) and its id."""
    with accord.rt.session() as session:
        group = make_group(session, name=name, members=members, timezone=zone, channel_id=channel)
        if days and at:
            group.checkin_days, group.checkin_time = days, at
            group.schedule_updated_at = updated or accord.clock.now()
            session.add(group)
        assert group.id is not None
        return group.id


def prompt_calls(fake: FakeSlack, user: str | None = None) -> list[Call]:
    """Delivered prompts: chat.postMessage straight to a user id (replies go to the DM's thread)."""
    return [c for c in fake.calls_to("chat.postMessage")
            if str(c.params.get("channel", "")).startswith("U") and user in (None, c.params["channel"])]


def prompts_per_user(fake: FakeSlack) -> Counter[str]:
    return Counter(c.params["channel"] for c in prompt_calls(fake))


def prompt_id_of(call: Call) -> int:
    """The prompt id carried by the *Answer check-in* button of a prompt message."""
    for block in call.params.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == ids.OPEN_CHECKIN:
                return int(element["value"])
    raise AssertionError("no check-in button in this message")


def prompt_messages(accord: Harness) -> dict[str, OutboxMessage]:
    """User id → the outbox row of their prompt's direct message (the latest round's, when several)."""
    with accord.rt.session() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "checkin.prompt")
                            .order_by(col(OutboxMessage.id))).all()
        users = {p.id: p.user_id for p in session.exec(select(CheckinPrompt))}
    return {users[json.loads(row.ref)["prompt_id"]]: row for row in rows}


def rounds(accord: Harness) -> list[CheckinRound]:
    with accord.rt.session() as session:
        return list(session.exec(select(CheckinRound).order_by(col(CheckinRound.id))))


def prompts(accord: Harness, round_id: int | None = None) -> list[CheckinPrompt]:
    with accord.rt.session() as session:
        query = select(CheckinPrompt).order_by(col(CheckinPrompt.id))
        if round_id is not None:
            query = query.where(CheckinPrompt.round_id == round_id)
        return list(session.exec(query))


def responses(accord: Harness) -> list[CheckinResponse]:
    with accord.rt.session() as session:
        return list(session.exec(select(CheckinResponse).order_by(col(CheckinResponse.id))))


def open_modal(accord: Harness, *, user: str, prompt_id: int) -> dict[str, Any]:
    """Click a prompt's button as ``user`` and return the modal Accord opened."""
    before = len(accord.fake.calls_to("views.open"))
    accord.action(ids.OPEN_CHECKIN, str(prompt_id), user=user, channel=f"D{user[1:]}")
    calls = accord.fake.wait_for("views.open", count=before + 1)
    view = calls[-1].params["view"]
    assert view["callback_id"] == ids.CHECKIN_MODAL
    return view


def submit_checkin(accord: Harness, view: dict[str, Any], *, user: str, progress: str, blockers: str = "",
                   statuses: dict[int, str] | None = None, view_id: str | None = None) -> None:
    """Submit the check-in modal as Slack would."""
    values: dict[str, Any] = {ids.PROGRESS_BLOCK: {ids.PROGRESS_ACTION: plain_value(progress)},
                              ids.BLOCKERS_BLOCK: {ids.BLOCKERS_ACTION: plain_value(blockers)}}
    for commitment_id, status in (statuses or {}).items():
        values[f"{ids.COMMITMENT_STATUS_BLOCK_PREFIX}{commitment_id}"] = {
            ids.COMMITMENT_STATUS_ACTION: {"type": "static_select", "selected_option": {"value": status}}}
    sent = accord.submit(ids.CHECKIN_MODAL, values, user=user, private_metadata=view["private_metadata"],
                         view_id=view_id)
    assert sent.status == 200


def reply_in_thread(accord: Harness, *, user: str, text: str, event_id: str | None = None) -> dict[str, Any]:
    """Reply in the thread of the user's (latest) prompt, in their DM with Accord."""
    prompt = prompt_calls(accord.fake, user)[-1]
    event = message_event(text, user=user, channel=prompt.response["channel"], thread_ts=prompt.response["ts"],
                          channel_type="im")
    accord.event(event, event_id=event_id)
    return event


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(view["private_metadata"]))
