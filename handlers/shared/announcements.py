"""Posting through the outbox: the kinds of message listeners enqueue, and sending them at once.

A listener enqueues what it must post in the transaction of the record (so a crash cannot lose
the announcement), then calls :func:`send_now` to post it on its own thread; whatever that could
not post is retried by the outbox. Keys are natural: a record's announcement is keyed on the
record, other posts on the inbox row they answer (:func:`request_key`), so working a request
again never posts twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any

from bot.inbox import current_ticket
from bot.outbox import Delivered, Parent, Result, SlackCall, enqueue, register_kind
from bot.runtime import Runtime
from bot.services import commitments as commitment_service
from bot.services import decisions as decision_service
from bot.services.groups import group_names
from handlers.shared.blocks import fallback_text, safe
from handlers.shared.records import commitment_blocks, decision_blocks
from handlers.shared.replies import POST_FAILED_HINT
from storage.models import Commitment
from storage.types import Session

MESSAGE = "message"
DECISION = "decision.announce"
COMMITMENT = "commitment.announce"


def request_key(suffix: str) -> str:
    """A key for a post answering the request being worked (unique per request and ``suffix``)."""
    ticket = current_ticket()
    base = f"req:{ticket.request_id}" if ticket is not None else f"once:{secrets.token_hex(8)}"
    return f"{base}:{suffix}"


def enqueue_message(session: Session, rt: Runtime, *, consortium_id: str, key: str, after_id: int | None = None,
                    **args: Any) -> int | None:
    """Enqueue a ``chat.postMessage`` with these arguments (``after_id``: reply under that message)."""
    return enqueue(session, rt, team_id=consortium_id, kind=MESSAGE, key=key, ref=args, after_id=after_id)


def enqueue_decision(session: Session, rt: Runtime, *, consortium_id: str, decision_id: int) -> int | None:
    """Enqueue the channel announcement of a new decision."""
    return enqueue(session, rt, team_id=consortium_id, kind=DECISION, key=f"decision:{decision_id}:announce",
                   ref={"team_id": consortium_id, "decision_id": decision_id})


def enqueue_commitment(session: Session, rt: Runtime, *, consortium_id: str, commitment_id: int) -> int | None:
    """Enqueue the channel announcement of a new commitment."""
    return enqueue(session, rt, team_id=consortium_id, kind=COMMITMENT, key=f"commitment:{commitment_id}:announce",
                   ref={"team_id": consortium_id, "commitment_id": commitment_id})


STATUS_VERBS = {"done": "marked done", "block": "marked blocked", "drop": "dropped", "reopen": "reopened"}


def enqueue_status_change(session: Session, rt: Runtime, *, commitment: Commitment, action: str, actor_id: str,
                          note: str | None) -> int | None:
    """Enqueue the thread note that a commitment's status changed (in the change's transaction)."""
    why = f" — {safe(note)}" if note else ""
    return enqueue_message(session, rt, consortium_id=commitment.consortium_id,
                           key=request_key(f"commitment:{commitment.id}"),
                           channel=commitment.channel_id, thread_ts=commitment.message_ts,
                           text=f"Commitment #{commitment.id} {STATUS_VERBS[action]} by <@{actor_id}>{why}")


def hint(error: str | None) -> str:
    """What to tell a user about a post Slack refused."""
    return POST_FAILED_HINT.get(error or "", f"Slack answered `{error}`.")


def send_now(rt: Runtime, ids: Sequence[int | None], *,
             refused: Callable[[Result], None] | None = None) -> list[Result]:
    """Post these outbox rows on this thread; ``refused`` hears of each that failed for good."""
    results = rt.outbox.deliver(ids)
    for result in results:
        if result.final and result.error and refused is not None:
            refused(result)
    if any(not r.sent and not r.final for r in results):
        rt.outbox.wake()
    return results


def announce(rt: Runtime, *ids: int | None, what: str, respond: Callable[..., Any] | None = None) -> None:
    """Post a new record's announcement now; tell ``respond`` when Slack refuses it for good."""
    def refused(result: Result) -> None:
        if respond is not None:
            respond(text=f"{what} is recorded, but I couldn't announce it: {hint(result.error)}",
                    response_type="ephemeral", replace_original=False)
    send_now(rt, ids, refused=refused)


# --- the kinds ------------------------------------------------------------------------------------

def _render_message(_rt: Runtime, ref: dict[str, Any], parent: Parent | None) -> SlackCall:
    args = dict(ref)
    if parent is not None and parent.ts:
        args["thread_ts"] = parent.ts
    return SlackCall("chat_postMessage", args)


def _render_decision(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    with rt.reading() as session:
        decision = decision_service.find_decision(session, consortium_id=ref["team_id"], decision_id=ref["decision_id"])
    if decision is None:
        return None
    return SlackCall("chat_postMessage", {
        "channel": decision.channel_id, "thread_ts": decision.thread_ts,
        "text": fallback_text(f"Decision #{decision.id}: {decision.text}"), "blocks": decision_blocks(decision),
    }, permalink=not decision.permalink, memo={"permalink": decision.permalink})


def _decision_sent(session: Session, ref: dict[str, Any], sent: Delivered) -> None:
    decision_service.set_decision_link(session, consortium_id=ref["team_id"], decision_id=ref["decision_id"],
                                       message_ts=sent.ts, permalink=sent.memo.get("permalink") or sent.permalink)


def _render_commitment(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    consortium_id = ref["team_id"]
    with rt.reading() as session:
        commitment = commitment_service.find_commitment(session, consortium_id=consortium_id,
                                                        commitment_id=ref["commitment_id"])
        if commitment is None:
            return None
        group = group_names(session, consortium_id=consortium_id).get(commitment.group_id or 0)
    text = f"Commitment #{commitment.id} for <@{commitment.owner_id}>: {commitment.text}"
    return SlackCall("chat_postMessage", {
        "channel": commitment.channel_id, "thread_ts": commitment.thread_ts, "text": fallback_text(text),
        "blocks": commitment_blocks(commitment, today=rt.today(consortium_id), group=group),
    }, permalink=not commitment.permalink, memo={"permalink": commitment.permalink})


def _commitment_sent(session: Session, ref: dict[str, Any], sent: Delivered) -> None:
    commitment_service.set_commitment_link(session, consortium_id=ref["team_id"], commitment_id=ref["commitment_id"],
                                           message_ts=sent.ts,
                                           permalink=sent.memo.get("permalink") or sent.permalink)


register_kind(MESSAGE, _render_message)
register_kind(DECISION, _render_decision, on_sent=_decision_sent)
register_kind(COMMITMENT, _render_commitment, on_sent=_commitment_sent)
