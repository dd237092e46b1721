"""Scheduled follow-through: arm new dated commitments, then take every reminder and escalation now due.

Each step is claimed on the commitment (see :mod:`bot.services.follow_through`) in the transaction
that enqueues its messages; the outbox key names the commitment, the generation of its due date,
the step and the recipient, so nothing is posted twice, whichever process takes the step.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.outbox import Parent, SlackCall, enqueue, register_kind
from bot.runtime import Runtime
from bot.services import commitments as commitment_service
from bot.services import follow_through as service
from handlers.followthrough.blocks import escalation_blocks, escalation_text, reminder_blocks, reminder_text
from handlers.shared.blocks import fallback_text

logger = logging.getLogger("accord.jobs.follow_through")
FOLLOW = "commitment.follow"


def follow_through_commitments(rt: Runtime, now: datetime) -> None:
    """Arm new dated commitments, then enqueue the messages of every follow-through step now due."""
    with rt.session() as session:
        armed = service.arm_new_commitments(session, settings=rt.settings, default_zone=rt.timezone())
    with rt.session() as session:
        steps = service.claim_due_steps(session, settings=rt.settings, now=now)
        for step in steps:
            for user_id in step.recipients:
                enqueue(session, rt, team_id=step.consortium_id, kind=FOLLOW,
                        key=f"commitment:{step.commitment_id}:follow:{step.generation}:{step.step}:{user_id}",
                        ref={"team_id": step.consortium_id, "commitment_id": step.commitment_id, "step": step.step,
                             "user_id": user_id, "days_late": step.days_late})
    for step in steps:
        logger.info("commitment_follow_step team=%s commitment=%s step=%s recipients=%s", step.consortium_id,
                    step.commitment_id, step.step, len(step.recipients))
    if armed:
        logger.info("commitment_follow_armed count=%s", armed)
    if steps:
        rt.outbox.wake()


def _render_follow(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    with rt.reading() as session:
        c = commitment_service.find_commitment(session, consortium_id=ref["team_id"],
                                               commitment_id=ref["commitment_id"])
    if c is None or c.status != "open":  # done, blocked or dropped since: nothing to chase
        return None
    link = c.permalink
    if ref["step"] == service.REMIND:
        return SlackCall("chat_postMessage", {"channel": ref["user_id"], "text": fallback_text(reminder_text(c)),
                                              "blocks": reminder_blocks(c, link=link)})
    facilitators = ref["step"] == service.FACILITATORS
    return SlackCall("chat_postMessage", {
        "channel": ref["user_id"], "text": fallback_text(escalation_text(c, facilitators=facilitators)),
        "blocks": escalation_blocks(c, link=link, days=int(ref.get("days_late") or 0),
                                    facilitators=facilitators)})


register_kind(FOLLOW, _render_follow)
