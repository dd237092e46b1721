"""`/propose`: open a proposal (or its form), close or withdraw one; and the proposal's Slack messages.

The live message is re-rendered from the database after every change. Every change bumps the
proposal's version, so after each ``chat.update`` the version is read again and, if it moved
since the render, the message is rendered and updated again: the last update always shows the
latest state, however many members click at the same moment.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.outbox import Delivered, Parent, SlackCall, enqueue, register_kind
from bot.runtime import Runtime
from bot.services import ServiceError
from bot.services import decisions as decision_service
from bot.services import proposals as service
from bot.services.consensus import OUTCOME_LABELS
from handlers.announcements import send_now
from handlers.blocks.help import usage_text
from handlers.blocks.proposals import (
    closing_reply,
    outcome_blocks,
    outcome_text,
    proposal_blocks,
    proposal_modal,
    proposal_text,
)
from handlers.common import error_text, open_modal, permalink, post, reply, runtime, team_of
from handlers.parsing import (
    Help,
    ParseError,
    ProposeClose,
    ProposeCreate,
    ProposeModal,
    ProposeWithdraw,
    parse_propose_command,
)
from storage.groups import list_groups

logger = logging.getLogger("accord.proposals")
MAX_RENDERS = 8


def handle_propose_command(ack: Ack, command: dict[str, Any], respond: Respond, client: Any,
                           context: BoltContext) -> None:
    """Parse `/propose …`, call the service, answer."""
    ack()
    rt = runtime(context)
    team_id, user_id, channel_id = team_of(context), command["user_id"], command["channel_id"]
    try:
        parsed = parse_propose_command(command.get("text", ""))
        if isinstance(parsed, Help):
            reply(respond, usage_text("propose"))
        elif isinstance(parsed, ProposeModal):
            with rt.session() as session:
                groups = [(g.id or 0, g.name) for g in list_groups(session, team_id=team_id)]
            open_modal(client, trigger_id=command["trigger_id"], tell=lambda text: reply(respond, text),
                       view=proposal_modal(metadata={"channel_id": channel_id}, groups=groups,
                                           duration=rt.settings.proposal_duration))
        elif isinstance(parsed, ProposeCreate):
            with rt.session() as session:
                proposal = service.create_proposal(session, settings=rt.settings, team_id=team_id,
                                                   author_id=user_id, channel_id=channel_id,
                                                   title=parsed.title, now=rt.clock.now())
            publish_proposal(rt, client, team_id=team_id, proposal_id=proposal.id or 0,
                             notify=lambda text: reply(respond, text))
        elif isinstance(parsed, ProposeClose | ProposeWithdraw):
            withdraw = isinstance(parsed, ProposeWithdraw)
            with rt.session() as session:
                closed = service.close_proposal(session, settings=rt.settings, team_id=team_id,
                                                proposal_id=parsed.id, actor_id=user_id, now=rt.clock.now(),
                                                withdraw=withdraw)
                boxes = enqueue_closing(session, rt, team_id=team_id, proposal_id=parsed.id)
            send_now(rt, boxes)
            label = OUTCOME_LABELS[closed.view.outcome]
            reply(respond, f"Proposal #{parsed.id} is {'withdrawn' if withdraw else 'closed'}: *{label}*.")
    except (ParseError, ServiceError) as err:
        reply(respond, error_text(err))


def publish_proposal(rt: Runtime, client: Any, *, team_id: str, proposal_id: int,
                     notify: Callable[[str], object]) -> None:
    """Post a new proposal with its buttons; one that cannot be posted is withdrawn at once."""
    with rt.session() as session:
        view = service.proposal_view(session, team_id=team_id, proposal_id=proposal_id)
    p = view.proposal
    posted = post(client, channel=p.channel_id, text=proposal_text(view), blocks=proposal_blocks(view))
    with rt.session() as session:
        if posted.ts is not None:
            service.record_message(session, team_id=team_id, proposal_id=proposal_id, message_ts=posted.ts)
            return
        service.close_proposal(session, settings=rt.settings, team_id=team_id, proposal_id=proposal_id,
                               actor_id=p.author_id, now=rt.clock.now(), withdraw=True)
        service.claim_announcement(session, team_id=team_id, proposal_id=proposal_id, now=rt.clock.now())
    notify(f":warning: I couldn't post proposal #{proposal_id}: {posted.hint} "
           "I withdrew it; propose it again once that is fixed.")


class _Renders:
    """Within one runtime: one render of a proposal message at a time, and the last version pushed.

    Only an optimisation (fewer ``chat.update`` calls when many click at once); across processes the
    version check after each update is what keeps the message current.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[tuple[str, int], threading.Lock] = {}
        self.pushed: dict[tuple[str, int], int] = {}

    def lock(self, key: tuple[str, int]) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


_RENDERS_GUARD = threading.Lock()
_RENDERS: dict[int, tuple[weakref.ref[Runtime], _Renders]] = {}


def _renders(rt: Runtime) -> _Renders:
    """The render state of this runtime (a weak reference, so a new runtime never inherits it)."""
    with _RENDERS_GUARD:
        entry = _RENDERS.get(id(rt))
        if entry is None or entry[0]() is not rt:
            for stale in [k for k, (ref, _) in _RENDERS.items() if ref() is None]:
                del _RENDERS[stale]
            entry = (weakref.ref(rt), _Renders())
            _RENDERS[id(rt)] = entry
        return entry[1]


def refresh_proposal_message(rt: Runtime, client: Any, *, team_id: str, proposal_id: int) -> None:
    """Re-render the proposal message from the database until it shows the latest version."""
    renders, key = _renders(rt), (team_id, proposal_id)
    with renders.lock(key):
        for _ in range(MAX_RENDERS):
            with rt.session() as session:
                view = service.proposal_view(session, team_id=team_id, proposal_id=proposal_id)
            p = view.proposal
            if not p.message_ts or renders.pushed.get(key) == view.version:
                return
            try:
                client.chat_update(channel=p.channel_id, ts=p.message_ts, text=proposal_text(view),
                                   blocks=proposal_blocks(view))
            except SlackApiError as err:
                logger.warning("proposal_update_failed proposal=%s error=%s", proposal_id,
                               err.response.get("error"))
                return
            renders.pushed[key] = view.version
            with rt.session() as session:
                if service.current_version(session, team_id=team_id, proposal_id=proposal_id) == view.version:
                    return
    logger.warning("proposal_update_unsettled proposal=%s renders=%s", proposal_id, MAX_RENDERS)


def enqueue_closing(session: Session, rt: Runtime, *, team_id: str, proposal_id: int) -> list[int | None]:
    """In the closing's transaction: claim its announcement and enqueue it (final message, thread reply, outcome).

    The claim and the messages commit together, so an announcement Slack refuses, or that a crash
    interrupts, is still sent later, once.
    """
    if not service.claim_announcement(session, team_id=team_id, proposal_id=proposal_id, now=rt.clock.now()):
        return []
    ref = {"team_id": team_id, "proposal_id": proposal_id}
    return [enqueue(session, rt, team_id=team_id, kind=kind, key=f"proposal:{proposal_id}:{suffix}", ref=ref)
            for kind, suffix in ((FINAL, "final"), (CLOSING_REPLY, "closing-reply"), (OUTCOME, "outcome"))]


def announce_closing(rt: Runtime, *, team_id: str, proposal_id: int) -> None:
    """Claim and send the announcement of a closed proposal not yet announced (e.g. closed before an upgrade)."""
    with rt.session() as session:
        boxes = enqueue_closing(session, rt, team_id=team_id, proposal_id=proposal_id)
    send_now(rt, boxes)


FINAL, CLOSING_REPLY, OUTCOME = "proposal.final", "proposal.closing_reply", "proposal.outcome"


def _closed_view(rt: Runtime, ref: dict[str, Any]) -> tuple[Any, int | None]:
    with rt.session() as session:
        view = service.proposal_view(session, team_id=ref["team_id"], proposal_id=ref["proposal_id"])
        decision_id = service.linked_decision_id(session, team_id=ref["team_id"], proposal_id=ref["proposal_id"])
    return view, decision_id


def _render_final(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    view, _ = _closed_view(rt, ref)
    p = view.proposal
    if not p.message_ts:
        return None
    return SlackCall("chat_update", {"channel": p.channel_id, "ts": p.message_ts, "text": proposal_text(view),
                                     "blocks": proposal_blocks(view)})


def _render_closing_reply(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    view, decision_id = _closed_view(rt, ref)
    p = view.proposal
    if not p.message_ts:
        return None
    return SlackCall("chat_postMessage", {"channel": p.channel_id, "thread_ts": p.message_ts,
                                          "text": closing_reply(view, decision_id=decision_id)})


def _render_outcome(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall:
    view, decision_id = _closed_view(rt, ref)
    p = view.proposal
    link = permalink(rt.client_for(p.team_id), channel=p.channel_id, ts=p.message_ts) if p.message_ts else None
    return SlackCall("chat_postMessage", {"channel": p.channel_id, "text": outcome_text(view),
                                          "blocks": outcome_blocks(view, decision_id=decision_id, link=link)},
                     memo={"decision_id": decision_id, "link": link})


def _outcome_sent(session: Session, ref: dict[str, Any], sent: Delivered) -> None:
    decision_id, link = sent.memo.get("decision_id"), sent.memo.get("link")
    if decision_id is not None and link:
        decision_service.set_decision_link(session, team_id=ref["team_id"], decision_id=decision_id,
                                           message_ts=None, permalink=link)


register_kind(FINAL, _render_final)
register_kind(CLOSING_REPLY, _render_closing_reply)
register_kind(OUTCOME, _render_outcome, on_sent=_outcome_sent)
