"""Scheduled proposal work: closing at the closing time, and the one reminder to silent groups.

Each closing is claimed by a conditional update (``status='open'`` → ``'closed'``), each
announcement by ``announced_at IS NULL`` and each reminder by ``reminded_at IS NULL``, so
several processes on one database, and restarts, close, announce and remind exactly once.
A proposal closed by a process that stopped before announcing it is announced on the next tick.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.outbox import Parent, SlackCall, enqueue, register_kind
from bot.runtime import Runtime
from bot.services import proposals as service
from handlers.proposals.blocks import reminder_blocks, reminder_text
from handlers.proposals.messages import announce_closing, enqueue_closing
from handlers.shared.replies import permalink

logger = logging.getLogger("accord.jobs.proposals")


def close_due_proposals(rt: Runtime, now: datetime) -> None:
    """Close every proposal whose closing time has come, then announce every closing not yet announced."""
    with rt.session() as session:
        due = service.list_due_to_close(session, now=now)
    for consortium_id, proposal_id in due:
        try:
            with rt.session() as session:
                closed = service.close_due_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id,
                                                    now=now)
                if closed is not None:
                    enqueue_closing(session, rt, consortium_id=consortium_id, proposal_id=proposal_id)
        except Exception:  # one broken proposal must not hold up the others
            logger.exception("proposal_close_failed team=%s proposal=%s", consortium_id, proposal_id)
            continue
        if closed is not None:
            logger.info("proposal_closed team=%s proposal=%s outcome=%s", consortium_id, proposal_id,
                        closed.view.outcome)
    with rt.session() as session:
        pending = service.list_unannounced(session)
    for consortium_id, proposal_id in pending:  # closed by a release that announced after the claim
        announce_closing(rt, consortium_id=consortium_id, proposal_id=proposal_id)


def remind_silent_groups(rt: Runtime, now: datetime) -> None:
    """Enqueue the one reminder of each proposal to the undecided members of its silent required groups."""
    with rt.session() as session:
        reminders = service.claim_due_reminders(session, now=now,
                                                remind_before=rt.settings.proposal_remind_before)
        for reminder in reminders:  # claimed and enqueued together: the outbox sends each once
            p = reminder.view.proposal
            for user_id, groups in reminder.recipients.items():
                enqueue(session, rt, team_id=p.consortium_id, kind=REMINDER, key=f"proposal:{p.id}:remind:{user_id}",
                        ref={"team_id": p.consortium_id, "proposal_id": p.id, "user_id": user_id, "groups": groups})
            logger.info("proposal_reminders_enqueued team=%s proposal=%s members=%s", p.consortium_id, p.id,
                        len(reminder.recipients))
    if reminders:
        rt.outbox.wake()


REMINDER = "proposal.reminder"


def _render_reminder(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall:
    with rt.reading() as session:
        view = service.proposal_view(session, consortium_id=ref["team_id"], proposal_id=ref["proposal_id"])
    p = view.proposal
    client = rt.client_for(p.consortium_id)
    link = permalink(client, channel=p.channel_id, ts=p.message_ts) if p.message_ts else None
    return SlackCall("chat_postMessage", {"channel": ref["user_id"], "text": reminder_text(view),
                                          "blocks": reminder_blocks(view, groups=ref["groups"], link=link)})


register_kind(REMINDER, _render_reminder)
