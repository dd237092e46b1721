"""Posting through the outbox: the kinds of message listeners enqueue, and sending them at once.

A listener enqueues what it must post in the transaction of the record (so a crash cannot lose
the announcement), then calls :func:`send_now` to post it on its own thread; whatever that could
not post is retried by the outbox. Keys are natural: a record's announcement is keyed on the
record, other posts on the inbox row they answer (:func:`request_key`), so working a request
again never posts twice.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from bot import outbox_rows
from bot.inbox import current_ticket
from bot.outbox import Delivered, Parent, Result, SlackCall, enqueue, register_kind
from bot.outbox_rows import rearm_at
from bot.runtime import Runtime
from bot.services import ServiceError
from bot.services import commitments as commitment_service
from bot.services import decisions as decision_service
from bot.services.groups import group_names
from handlers.shared.blocks import fallback_text, safe
from handlers.shared.records import commitment_blocks, decision_blocks, superseded_text
from handlers.shared.replies import POST_FAILED_HINT, error_text
from storage.models import Commitment, Decision
from storage.types import Session

logger = logging.getLogger("accord.announcements")

MESSAGE = "message"
DECISION = "decision.announce"
SUPERSEDED = "decision.superseded"
COMMITMENT = "commitment.announce"
PROGRESS = "decision.progress"


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


def decision_thread(decision: Decision) -> str | None:
    """The thread a decision's later notes go to: the thread it was recorded in, else its announcement."""
    return decision.thread_ts or decision.message_ts


def enqueue_superseded(session: Session, rt: Runtime, *, consortium_id: str, decision_id: int) -> int | None:
    """If decision ``decision_id`` supersedes another: enqueue the note in that one's thread pointing to it.

    A note on a decision whose announcement is still on its way waits for it.
    """
    new = decision_service.find_decision(session, consortium_id=consortium_id, decision_id=decision_id)
    if new is None or new.supersedes is None:
        return None
    announced = outbox_rows.state_by_key(session, key=f"decision:{new.supersedes}:announce")
    after = announced.id if announced is not None and announced.state == "pending" else None
    return enqueue(session, rt, team_id=consortium_id, kind=SUPERSEDED, key=f"decision:{new.supersedes}:superseded",
                   ref={"team_id": consortium_id, "decision_id": new.supersedes, "by": decision_id},
                   after_id=after)


def enqueue_commitment(session: Session, rt: Runtime, *, consortium_id: str, commitment_id: int,
                       decision_id: int | None = None) -> int | None:
    """Enqueue the channel announcement of a new commitment (and its decision's progress line)."""
    if decision_id is not None:
        enqueue_decision_progress(session, rt, consortium_id=consortium_id, decision_id=decision_id)
    return enqueue(session, rt, team_id=consortium_id, kind=COMMITMENT, key=f"commitment:{commitment_id}:announce",
                   ref={"team_id": consortium_id, "commitment_id": commitment_id})


def enqueue_decision_progress(session: Session, rt: Runtime, *, consortium_id: str, decision_id: int) -> int:
    """Make the decision's "N of M commitments done" line due (in the change's transaction).

    One outbox row per decision, re-armed on each change: changes close together are sent as one,
    and a change while it is being sent is followed by one more send, of the latest counts. The
    first send replies in the decision's thread; later ones update that reply.
    """
    now = rt.clock.now()
    row = rearm_at(session, team_id=consortium_id, kind=PROGRESS, key=f"decision:{decision_id}:progress",
                   ref={"team_id": consortium_id, "decision_id": decision_id}, now=now, due=now)
    rt.outbox.wake()
    return row


STATUS_VERBS = {"done": "marked done", "block": "marked blocked", "drop": "dropped", "reopen": "reopened"}


def enqueue_status_change(session: Session, rt: Runtime, *, commitment: Commitment, action: str, actor_id: str,
                          note: str | None) -> int | None:
    """Enqueue the thread note that a commitment's status changed (in the change's transaction)."""
    why = f" — {safe(note)}" if note else ""
    if commitment.decision_id is not None:
        enqueue_decision_progress(session, rt, consortium_id=commitment.consortium_id,
                                  decision_id=commitment.decision_id)
    return enqueue_message(session, rt, consortium_id=commitment.consortium_id,
                           key=request_key(f"commitment:{commitment.id}"),
                           channel=commitment.channel_id, thread_ts=commitment.message_ts,
                           text=f"Commitment #{commitment.id} {STATUS_VERBS[action]} by <@{actor_id}>{why}")


def change_commitment_status(rt: Runtime, *, consortium_id: str, user_id: str, commitment_id: int, action: str,
                             note: str | None, source: str) -> str:
    """Change a commitment's status from a button (``source``: where it was clicked) and post the thread note;
    what to tell the user."""
    try:
        with rt.session() as session:
            commitment, changed = commitment_service.change_status(
                session, settings=rt.settings, consortium_id=consortium_id, commitment_id=commitment_id,
                actor_id=user_id, action=action, note=note, now=rt.clock.now(),  # type: ignore[arg-type]
                source=source)
            box = enqueue_status_change(session, rt, commitment=commitment, action=action, actor_id=user_id,
                                        note=note) if changed else None
    except ServiceError as err:
        return error_text(err)
    if not changed:
        return f"Commitment #{commitment_id} is already {commitment.status}."
    send_now(rt, [box])
    return f":white_check_mark: Commitment #{commitment_id} {STATUS_VERBS[action]}."


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
    """Post a new record's announcement on the send pool; tell ``respond`` when Slack refuses it for good.

    The record and its outbox row are committed already: the work thread goes on to the next
    request while Slack takes the message. While the worker has a backlog of stored requests the
    post waits until they are recorded (:class:`bot.inbox.RecordFirst`). A send that fails here is
    the outbox's to retry.
    """
    def refused(result: Result) -> None:
        if respond is not None:
            respond(text=f"{what} is recorded, but I couldn't announce it: {hint(result.error)}",
                    response_type="ephemeral", replace_original=False)

    def send() -> None:
        try:
            send_now(rt, ids, refused=refused)
        except Exception:  # noqa: BLE001 - the row stays due: the outbox loop sends it
            logger.exception("announce_failed what=%s", what)
            rt.outbox.wake()

    def submit() -> None:
        rt.send_executor.submit(send)

    if not rt.record_first.defer(submit):  # kept back while a backlog of requests is recorded first
        submit()


# --- the kinds ------------------------------------------------------------------------------------

def _render_message(_rt: Runtime, ref: dict[str, Any], parent: Parent | None) -> SlackCall:
    args = dict(ref)
    if parent is not None and parent.ts:
        args["thread_ts"] = parent.ts
    return SlackCall("chat_postMessage", args)


def _render_decision(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    with rt.reading() as session:
        decision = decision_service.find_decision(session, consortium_id=ref["team_id"], decision_id=ref["decision_id"])
        superseded = decision_service.find_decision(session, consortium_id=ref["team_id"],
                                                    decision_id=decision.supersedes) \
            if decision is not None and decision.supersedes else None
    if decision is None:
        return None
    return SlackCall("chat_postMessage", {
        "channel": decision.channel_id, "thread_ts": decision.thread_ts,
        "text": fallback_text(f"Decision #{decision.id}: {decision.text}"),
        "blocks": decision_blocks(decision, superseded=superseded),
    }, permalink=not decision.permalink, memo={"permalink": decision.permalink})


def _decision_sent(session: Session, ref: dict[str, Any], sent: Delivered) -> None:
    decision_service.set_decision_link(session, consortium_id=ref["team_id"], decision_id=ref["decision_id"],
                                       message_ts=sent.ts, permalink=sent.memo.get("permalink") or sent.permalink)


def _render_superseded(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    with rt.session() as session:
        old = decision_service.find_decision(session, consortium_id=ref["team_id"], decision_id=ref["decision_id"])
        new = decision_service.find_decision(session, consortium_id=ref["team_id"], decision_id=ref["by"])
    if old is None or new is None:
        return None
    return SlackCall("chat_postMessage", {"channel": old.channel_id, "thread_ts": decision_thread(old),
                                          "text": superseded_text(old, new), "unfurl_links": False})


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


def progress_text(done: int, total: int) -> str:
    """The line a decision's thread shows about the commitments carrying it out."""
    return f"{done} of {total} commitments done"


def _render_progress(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    consortium_id, decision_id = ref["team_id"], ref["decision_id"]
    with rt.reading() as session:
        decision = decision_service.find_decision(session, consortium_id=consortium_id, decision_id=decision_id)
        counts = commitment_service.decision_progress(session, consortium_id=consortium_id,
                                                      decision_ids=[decision_id])
    if decision is None:
        return None
    done, total = counts.get(decision_id, (0, 0))
    text = f":bar_chart: Decision #{decision_id}: {progress_text(done, total)}"
    if decision.progress_ts:
        return SlackCall("chat_update", {"channel": decision.channel_id, "ts": decision.progress_ts, "text": text})
    return SlackCall("chat_postMessage", {"channel": decision.channel_id,
                                          "thread_ts": decision.message_ts or decision.thread_ts, "text": text},
                     memo={"first": True})


def _progress_sent(session: Session, ref: dict[str, Any], sent: Delivered) -> None:
    if sent.memo.get("first"):
        decision_service.set_progress_message(session, consortium_id=ref["team_id"], decision_id=ref["decision_id"],
                                              ts=sent.ts)


register_kind(MESSAGE, _render_message)
register_kind(PROGRESS, _render_progress, on_sent=_progress_sent)
register_kind(DECISION, _render_decision, on_sent=_decision_sent)
register_kind(SUPERSEDED, _render_superseded)
register_kind(COMMITMENT, _render_commitment, on_sent=_commitment_sent)
