"""Scheduled decision work: the reminder in a decision's thread on its review day.

Each reminder is claimed (``review_reminded_on``) and enqueued, keyed on the decision and the
review day, in one transaction: several processes and restarts remind once, and the outbox
retries what Slack refuses.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.outbox import Parent, SlackCall, enqueue, register_kind
from bot.runtime import Runtime
from bot.services import decisions as decision_service
from bot.services.reviews import claim_due_reviews
from handlers.shared.announcements import decision_thread
from handlers.shared.records import review_text

logger = logging.getLogger("accord.jobs.decisions")

REVIEW = "decision.review"


def review_key(decision_id: int, review_on: str) -> str:
    """The outbox key of a decision's reminder for one review day."""
    return f"decision:{decision_id}:review:{review_on}"


def remind_due_reviews(rt: Runtime, now: datetime) -> None:
    """Enqueue the reminder of every decision whose review day has come (09:00 in its consortium's zone)."""
    with rt.session() as session:
        due = claim_due_reviews(session, now=now, timezone_of=rt.timezone)
        for decision in due:
            assert decision.id is not None and decision.review_on is not None
            day = decision.review_on.isoformat()
            enqueue(session, rt, team_id=decision.consortium_id, kind=REVIEW, key=review_key(decision.id, day),
                    ref={"team_id": decision.consortium_id, "decision_id": decision.id, "review_on": day})
    for decision in due:
        logger.info("decision_review_reminder team=%s decision=%s review_on=%s", decision.consortium_id,
                    decision.id, decision.review_on)
    if due:
        rt.outbox.wake()


def _render_review(rt: Runtime, ref: dict[str, Any], _parent: Parent | None) -> SlackCall | None:
    """The reminder, unless the decision is no longer active or its review day moved since."""
    with rt.reading() as session:
        decision = decision_service.find_decision(session, consortium_id=ref["team_id"],
                                                  decision_id=ref["decision_id"])
    if decision is None or decision.status != "active" or decision.review_on is None \
            or decision.review_on.isoformat() != ref["review_on"]:
        return None
    return SlackCall("chat_postMessage", {"channel": decision.channel_id, "thread_ts": decision_thread(decision),
                                          "text": review_text(decision), "unfurl_links": False})


register_kind(REVIEW, _render_review)
