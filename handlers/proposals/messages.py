"""The Slack messages of a proposal: its first post, the live message, and the closing announcement.

Every message of a proposal goes out through the outbox and is rendered from the database when it
is sent. The first post (``proposal.publish``) is enqueued in the transaction that opens the
proposal, so a crash cannot lose it and a refusal is retried; Slack refusing it for good withdraws
the proposal and tells its author. Every position change re-arms the live update
(``proposal.live``) in its own transaction: the update is due at most once per ``LIVE_SPACING``,
and re-arming moves the row's generation on, so a send that began before the last change is
followed by another: the message always ends on the latest state, however many members click at
the same moment, without any lock in the process.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import outbox_rows as outbox_store
from bot.outbox import Delivered, Parent, SlackCall, enqueue, register_kind
from bot.runtime import Runtime
from bot.services import NotFound
from bot.services import decisions as decision_service
from bot.services import proposals as service
from bot.services.consensus import ProposalView
from handlers.proposals.blocks import (
    closing_reply,
    outcome_blocks,
    outcome_text,
    proposal_blocks,
    proposal_text,
)
from handlers.shared.announcements import MESSAGE, enqueue_superseded, hint, send_now
from handlers.shared.replies import permalink
from storage.types import Session

logger = logging.getLogger("accord.proposals")

PUBLISH, LIVE = "proposal.publish", "proposal.live"
FINAL, CLOSING_REPLY, OUTCOME = "proposal.final", "proposal.closing_reply", "proposal.outcome"
LIVE_SPACING = timedelta(seconds=1)  # the live message is updated at most once per this, per proposal


# --- the first post -----------------------------------------------------------------------------

def _ref(consortium_id: str, proposal_id: int) -> dict[str, Any]:
    return {"team_id": consortium_id, "proposal_id": proposal_id}


def publish_key(proposal_id: int) -> str:
    return f"proposal:{proposal_id}:publish"


def live_key(proposal_id: int) -> str:
    return f"proposal:{proposal_id}:live"


def unposted_text(proposal_id: int, error: str | None) -> str:
    """What the author hears when Slack refused a new proposal's message for good."""
    return (f":warning: I couldn't post proposal #{proposal_id}: {hint(error)} "
            "I withdrew it; propose it again once that is fixed.")


def enqueue_publish(session: Session, rt: Runtime, *, consortium_id: str, proposal_id: int) -> int | None:
    """In the transaction that opens the proposal: enqueue its first post (with its buttons)."""
    return enqueue(session, rt, team_id=consortium_id, kind=PUBLISH, key=publish_key(proposal_id),
                   ref=_ref(consortium_id, proposal_id))


# The proposals whose author waits on this thread for the first post (see publish_proposal): the
# publish's on_failed marks them withdrawn instead of enqueuing a direct message to the author.
_AUTHOR_WAITING: contextvars.ContextVar[dict[int, bool] | None] = contextvars.ContextVar(
    "accord_proposal_author_waiting", default=None)


def publish_proposal(rt: Runtime, box: int | None, *, proposal_id: int, notify: Callable[[str], object]) -> None:
    """Post a new proposal now (its outbox row ``box``); ``notify`` tells its author what went wrong.

    A refusal that retrying may cure leaves the post to the outbox, which tries again; one it cannot
    withdraws the proposal (``on_failed``), and the author is told here. When the post fails for good
    later, in the background, the author is told by a direct message instead.
    """
    waiting = {proposal_id: False}
    token = _AUTHOR_WAITING.set(waiting)
    try:
        results = send_now(rt, [box])
    finally:
        _AUTHOR_WAITING.reset(token)
    for result in results:
        if result.sent:
            continue
        if waiting[proposal_id]:
            notify(unposted_text(proposal_id, result.error))
        elif not result.final:
            notify(f":hourglass_flowing_sand: Proposal #{proposal_id} is recorded, but Slack didn't take its "
                   f"message yet: {hint(result.error)} I'll keep trying and post it as soon as Slack does.")


def _view(rt: Runtime, ref: dict[str, Any]) -> ProposalView | None:
    try:
        with rt.reading() as session:
            return service.proposal_view(session, consortium_id=ref["team_id"], proposal_id=ref["proposal_id"])
    except NotFound:
        return None


def _render_publish(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    """The proposal's message as it stands when it is sent (positions taken before it was posted included)."""
    view = _view(rt, ref)
    if view is None or view.proposal.message_ts:
        return None
    p = view.proposal
    return SlackCall("chat_postMessage", {"channel": p.channel_id, "text": proposal_text(view),
                                          "blocks": proposal_blocks(view)},
                     memo={"version": view.version, "rendered_at": rt.clock.now()})


def _publish_sent(session: Session, ref: dict[str, Any], sent: Delivered) -> None:
    """Remember the message; if the proposal changed since it was rendered, update it (the live row).

    The message is recorded first: that update waits for (or holds back) a change of the proposal
    being committed, so either the version read next sees the change, or the change's own live
    update, rendered after this commits, sees the message.
    """
    if not sent.ts:
        return
    consortium_id, proposal_id = ref["team_id"], ref["proposal_id"]
    service.record_message(session, consortium_id=consortium_id, proposal_id=proposal_id, message_ts=sent.ts)
    if service.current_version(session, consortium_id=consortium_id,
                               proposal_id=proposal_id) != sent.memo.get("version"):
        _rearm_live(session, consortium_id=consortium_id, proposal_id=proposal_id, now=sent.memo["rendered_at"])


def _publish_failed(session: Session, ref: dict[str, Any], error: str) -> None:
    """Slack refused the first post for good: withdraw the proposal, and tell its author.

    ``on_failed`` has no clock: the time of the withdrawal is when the last attempt fell due.
    """
    consortium_id, proposal_id = ref["team_id"], ref["proposal_id"]
    row = outbox_store.state_by_key(session, key=publish_key(proposal_id))
    if row is None:
        return
    when = row.next_attempt_at
    withdrawn = service.withdraw_unposted(session, consortium_id=consortium_id, proposal_id=proposal_id, now=when)
    logger.warning("proposal_unposted team=%s proposal=%s error=%s withdrawn=%s", consortium_id, proposal_id, error,
                   withdrawn is not None)
    if withdrawn is None:
        return  # closed meanwhile by someone else: nothing to withdraw
    waiting = _AUTHOR_WAITING.get()
    if waiting is not None and proposal_id in waiting:
        waiting[proposal_id] = True  # the author is told on this thread, by publish_proposal
        return
    outbox_store.enqueue_at(session, team_id=consortium_id, kind=MESSAGE, key=f"proposal:{proposal_id}:unposted",
                         ref={"channel": withdrawn.author_id, "text": unposted_text(proposal_id, error)}, now=when)


# --- the live message ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LiveUpdate:
    """A proposal's live update, re-armed: its outbox row and when it falls due."""

    box: int
    due: datetime


def _rearm_live(session: Session, *, consortium_id: str, proposal_id: int, now: datetime,
                only_pending: bool = False) -> LiveUpdate | None:
    """Make the live update due again: now, or ``LIVE_SPACING`` after its last send if that was less ago.

    ``only_pending``: only when an update is already waiting or under way (None otherwise).
    """
    row = outbox_store.state_by_key(session, key=live_key(proposal_id))
    if only_pending and (row is None or row.state != "pending"):
        return None
    due = now
    if row is not None and row.sent_at is not None:
        due = max(now, row.sent_at + LIVE_SPACING)
    box = outbox_store.rearm_at(session, team_id=consortium_id, kind=LIVE, key=live_key(proposal_id),
                                ref=_ref(consortium_id, proposal_id), now=now, due=due)
    return LiveUpdate(box=box, due=due)


def enqueue_live(session: Session, rt: Runtime, *, consortium_id: str, proposal_id: int) -> LiveUpdate | None:
    """In the transaction of a position change: re-arm the proposal's live update."""
    return _rearm_live(session, consortium_id=consortium_id, proposal_id=proposal_id, now=rt.clock.now())


def send_live(rt: Runtime, live: LiveUpdate | None) -> None:
    """Update the live message now if it is due; else the outbox loop sends it when it is."""
    if live is None:
        return
    if live.due > rt.clock.now():  # held back: updated less than LIVE_SPACING ago
        rt.outbox.wake(at=live.due)
    elif not send_now(rt, [live.box]):
        rt.outbox.wake()  # being sent right now: the loop sends it again with what changed since


def _render_update(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    """``chat.update`` of the proposal's message with where it stands now (open, or closed).

    Nothing before the first post has been sent: that post renders the latest state itself, and
    re-arms the live row if the proposal changed while it was on its way.
    """
    view = _view(rt, ref)
    if view is None or not view.proposal.message_ts:
        return None
    p = view.proposal
    return SlackCall("chat_update", {"channel": p.channel_id, "ts": p.message_ts, "text": proposal_text(view),
                                     "blocks": proposal_blocks(view)})


# --- closing ------------------------------------------------------------------------------------

def enqueue_closing(session: Session, rt: Runtime, *, consortium_id: str, proposal_id: int) -> list[int | None]:
    """In the closing's transaction: claim its announcement and enqueue it (final message, thread reply, outcome).

    The claim and the messages commit together, so an announcement Slack refuses, or that a crash
    interrupts, is still sent later, once. A consensus whose decision supersedes another also notes
    it in that decision's thread. A first post still on its way holds the final update
    and the thread reply back until it is sent; a live update waiting or under way (which may show
    the proposal open) is re-armed, so the last update shows it closed.
    """
    if not service.claim_announcement(session, consortium_id=consortium_id, proposal_id=proposal_id,
                                      now=rt.clock.now()):
        return []
    ref = _ref(consortium_id, proposal_id)
    first = outbox_store.state_by_key(session, key=publish_key(proposal_id))
    after = first.id if first is not None and first.state == "pending" else None
    _rearm_live(session, consortium_id=consortium_id, proposal_id=proposal_id, now=rt.clock.now(), only_pending=True)
    steps: Sequence[tuple[str, str, int | None]] = (
        (FINAL, "final", after), (CLOSING_REPLY, "closing-reply", after), (OUTCOME, "outcome", None))
    boxes = [enqueue(session, rt, team_id=consortium_id, kind=kind, key=f"proposal:{proposal_id}:{suffix}", ref=ref,
                     after_id=parent) for kind, suffix, parent in steps]
    decision_id = service.linked_decision_id(session, consortium_id=consortium_id, proposal_id=proposal_id)
    if decision_id is not None:  # a consensus that supersedes a decision: a note in that one's thread
        boxes.append(enqueue_superseded(session, rt, consortium_id=consortium_id, decision_id=decision_id))
    return boxes


def announce_closing(rt: Runtime, *, consortium_id: str, proposal_id: int) -> None:
    """Claim and send the announcement of a closed proposal not yet announced (e.g. closed before an upgrade)."""
    with rt.session() as session:
        boxes = enqueue_closing(session, rt, consortium_id=consortium_id, proposal_id=proposal_id)
    send_now(rt, boxes)


def _closed_view(rt: Runtime, ref: dict[str, Any]) -> tuple[Any, int | None]:
    with rt.reading() as session:
        view = service.proposal_view(session, consortium_id=ref["team_id"], proposal_id=ref["proposal_id"])
        decision_id = service.linked_decision_id(session, consortium_id=ref["team_id"], proposal_id=ref["proposal_id"])
    return view, decision_id


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
    link = permalink(rt.client_for(p.consortium_id), channel=p.channel_id, ts=p.message_ts) if p.message_ts else None
    return SlackCall("chat_postMessage", {"channel": p.channel_id, "text": outcome_text(view),
                                          "blocks": outcome_blocks(view, decision_id=decision_id, link=link)},
                     memo={"decision_id": decision_id, "link": link})


def _outcome_sent(session: Session, ref: dict[str, Any], sent: Delivered) -> None:
    decision_id, link = sent.memo.get("decision_id"), sent.memo.get("link")
    if decision_id is not None and link:
        decision_service.set_decision_link(session, consortium_id=ref["team_id"], decision_id=decision_id,
                                           message_ts=None, permalink=link)


register_kind(PUBLISH, _render_publish, on_sent=_publish_sent, on_failed=_publish_failed)
register_kind(LIVE, _render_update)
register_kind(FINAL, _render_update)
register_kind(CLOSING_REPLY, _render_closing_reply)
register_kind(OUTCOME, _render_outcome, on_sent=_outcome_sent)
