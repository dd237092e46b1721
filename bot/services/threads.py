"""What a thread recorded: its decisions and commitments."""

from __future__ import annotations

from sqlmodel import Session

from storage import commitments as commitment_store
from storage import decisions as decision_store
from storage.models import Commitment, Decision


def thread_records(session: Session, *, consortium_id: str, channel_id: str,
                   thread_ts: str) -> tuple[list[Decision], list[Commitment]]:
    """The decisions and the commitments (of any status) recorded from one thread."""
    decisions = decision_store.list_decisions(session, consortium_id=consortium_id, channel_id=channel_id,
                                              thread_ts=thread_ts)
    commitments = commitment_store.list_commitments(session, consortium_id=consortium_id, status=None,
                                                    channel_id=channel_id,
                                                    thread_ts=thread_ts)
    return list(decisions), list(commitments)
