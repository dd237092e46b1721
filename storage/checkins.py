"""Queries and writes for check-in rounds, their prompts (delivery state) and responses.

Every step that must happen once is claimed here: a round by its unique (group, due time), a
prompt's delivery by a conditional UPDATE with a lease, a reminder or a closing by an UPDATE
``… WHERE x IS NULL`` whose row count says who won.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, insert, update
from sqlmodel import Session, col, select

from storage.db import claim
from storage.models import (
    CheckinPrompt,
    CheckinResponse,
    CheckinRound,
    Commitment,
    CommitmentUpdate,
    GroupMembership,
    Position,
    Proposal,
    ProposalGroup,
)
from storage.origin import origin_workspace
from storage.types import UTCDateTime

_NO_SYNC = {"synchronize_session": False}
PROMPTS = CheckinPrompt.__table__  # type: ignore[attr-defined]


# --- rounds ----------------------------------------------------------------------------------

def claim_round(session: Session, *, round_: CheckinRound, member_ids: Sequence[str]) -> list[int] | None:
    """Insert a round and one pending prompt per member: the prompts' ids, or None if (group, due_at) was taken."""
    if not claim(session, round_):
        return None
    if not member_ids:
        return []
    rows = [{"consortium_id": round_.consortium_id, "team_id": round_.team_id, "round_id": round_.id,
             "user_id": user_id, "status": "pending",
             "attempts": 0} for user_id in dict.fromkeys(member_ids)]
    session.execute(insert(CheckinPrompt), rows)
    query = select(col(CheckinPrompt.id)).where(CheckinPrompt.round_id == round_.id).order_by(col(CheckinPrompt.id))
    return [int(i) for i in session.execute(query).scalars()]


def get_round(session: Session, *, consortium_id: str, round_id: int) -> CheckinRound | None:
    """One round of this team, or None."""
    row = session.get(CheckinRound, round_id)
    return row if row is not None and row.consortium_id == consortium_id else None


def rounds_by_id(session: Session, *, consortium_id: str, round_ids: Iterable[int]) -> dict[int, CheckinRound]:
    """Rounds of this team by id (one query)."""
    ids = list(set(round_ids))
    if not ids:
        return {}
    query = select(CheckinRound).where(CheckinRound.consortium_id == consortium_id, col(CheckinRound.id).in_(ids))
    return {r.id: r for r in session.exec(query) if r.id is not None}


def latest_open_round(session: Session, *, consortium_id: str, group_id: int) -> CheckinRound | None:
    """The most recently opened round of a group that has not closed."""
    query = select(CheckinRound).where(
        CheckinRound.consortium_id == consortium_id, CheckinRound.group_id == group_id,
        col(CheckinRound.closed_at).is_(None))
    return session.exec(query.order_by(col(CheckinRound.opened_at).desc(), col(CheckinRound.id).desc())).first()


def latest_closed_round(session: Session, *, consortium_id: str, group_id: int) -> CheckinRound | None:
    """The most recently closed round of a group."""
    query = select(CheckinRound).where(
        CheckinRound.consortium_id == consortium_id, CheckinRound.group_id == group_id,
        col(CheckinRound.closed_at).is_not(None))
    return session.exec(query.order_by(col(CheckinRound.closed_at).desc(), col(CheckinRound.id).desc())).first()


def list_rounds(session: Session, *, consortium_id: str) -> list[CheckinRound]:
    """Every round of a team, oldest first."""
    query = select(CheckinRound).where(CheckinRound.consortium_id == consortium_id)
    return list(session.exec(query.order_by(col(CheckinRound.id))))


def claim_round_step(session: Session, *, consortium_id: str, round_id: int, column: str, now: datetime) -> bool:
    """Mark a round reminded (``column="remind"``) or closed (``"close"``); False if already done."""
    name = "reminded_at" if column == "remind" else "closed_at"
    done = CheckinRound.reminded_at if column == "remind" else CheckinRound.closed_at
    stmt = (update(CheckinRound).where(col(CheckinRound.id) == round_id,
                                       col(CheckinRound.consortium_id) == consortium_id,
                                       col(done).is_(None))
            .values({name: now}).execution_options(**_NO_SYNC))
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def set_summary_ts(session: Session, *, consortium_id: str, round_id: int, ts: str) -> None:
    """Remember the channel message of a round's summary."""
    session.execute(update(CheckinRound).where(col(CheckinRound.id) == round_id,
                                               col(CheckinRound.consortium_id) == consortium_id)
                    .values(summary_ts=ts).execution_options(**_NO_SYNC))


# --- prompts: delivery -----------------------------------------------------------------------

def mark_prompts_sent(session: Session, *, consortium_id: str, sent: Sequence[dict[str, Any]], now: datetime) -> None:
    """Record delivered prompts: each dict has ``id``, ``ts``, ``channel``."""
    if not sent:
        return
    stmt = (update(PROMPTS)
            .where(PROMPTS.c.id == bindparam("b_id"), PROMPTS.c.consortium_id == consortium_id,
                   PROMPTS.c.status.in_(("pending", "sending")))
            .values(status="sent", message_ts=bindparam("b_ts"), dm_channel_id=bindparam("b_channel"),
                    sent_at=bindparam("b_at", type_=UTCDateTime), lease_until=None, last_error=None))
    session.execute(stmt, [{"b_id": s["id"], "b_ts": s["ts"], "b_channel": s["channel"], "b_at": now}
                           for s in sent])


def mark_prompt_failed(session: Session, *, consortium_id: str, prompt_id: int, error: str) -> CheckinPrompt | None:
    """Mark a prompt that could not be delivered; the prompt, or None if it was not pending."""
    stmt = (update(CheckinPrompt)
            .where(col(CheckinPrompt.id) == prompt_id, col(CheckinPrompt.consortium_id) == consortium_id,
                   col(CheckinPrompt.status).in_(("pending", "sending")))
            .values(status="failed", last_error=error[:200], attempts=CheckinPrompt.attempts + 1)
            .execution_options(**_NO_SYNC))
    if not session.execute(stmt).rowcount:  # type: ignore[attr-defined]
        return None
    return get_prompt(session, consortium_id=consortium_id, prompt_id=prompt_id)


def prompt_statuses(session: Session, *, consortium_id: str, round_id: int) -> dict[str, str]:
    """User id → delivery status of their prompt in a round."""
    query = select(CheckinPrompt.user_id, CheckinPrompt.status).where(CheckinPrompt.consortium_id == consortium_id,
                                                                      CheckinPrompt.round_id == round_id)
    return dict(session.exec(query).all())


def failed_prompt_count(session: Session, *, consortium_id: str, round_id: int) -> int:
    """How many prompts of a round could not be delivered."""
    query = select(CheckinPrompt.id).where(CheckinPrompt.consortium_id == consortium_id,
                                           CheckinPrompt.round_id == round_id,
                                           CheckinPrompt.status == "failed")
    return len(session.exec(query).all())


# --- prompts: lookups and reminders -----------------------------------------------------------

def get_prompt(session: Session, *, consortium_id: str, prompt_id: int) -> CheckinPrompt | None:
    """One prompt of this team, or None."""
    row = session.get(CheckinPrompt, prompt_id)
    return row if row is not None and row.consortium_id == consortium_id else None


def get_prompt_by_message(session: Session, *, consortium_id: str, channel_id: str,
                          message_ts: str) -> CheckinPrompt | None:
    """The prompt posted as ``message_ts`` in the DM ``channel_id``."""
    query = select(CheckinPrompt).where(CheckinPrompt.consortium_id == consortium_id,
                                        CheckinPrompt.message_ts == message_ts,
                                        CheckinPrompt.dm_channel_id == channel_id)
    return session.exec(query).first()


def latest_open_prompt(session: Session, *, consortium_id: str, user_id: str) -> CheckinPrompt | None:
    """The user's prompt in their most recently opened round that is still open."""
    query = (select(CheckinPrompt).join(CheckinRound, col(CheckinRound.id) == col(CheckinPrompt.round_id))
             .where(CheckinPrompt.consortium_id == consortium_id, CheckinPrompt.user_id == user_id,
                    col(CheckinRound.closed_at).is_(None))
             .order_by(col(CheckinRound.opened_at).desc(), col(CheckinRound.id).desc()))
    return session.exec(query).first()


def claim_prompt_reminders(session: Session, *, consortium_id: str, round_id: int, now: datetime) -> list[Any]:
    """Claim the reminders of a round: delivered prompts whose member has not answered.

    Returns rows (id, consortium_id, user_id, dm_channel_id, message_ts).
    """
    answered = exists().where(col(CheckinResponse.round_id) == round_id,
                              col(CheckinResponse.user_id) == col(CheckinPrompt.user_id))
    stmt = (update(CheckinPrompt)
            .where(col(CheckinPrompt.round_id) == round_id, col(CheckinPrompt.consortium_id) == consortium_id,
                   col(CheckinPrompt.status) == "sent",
                   col(CheckinPrompt.reminded_at).is_(None), ~answered)
            .values(reminded_at=now)
            .returning(col(CheckinPrompt.id), col(CheckinPrompt.consortium_id), col(CheckinPrompt.user_id),
                       col(CheckinPrompt.dm_channel_id), col(CheckinPrompt.message_ts))
            .execution_options(**_NO_SYNC))
    return sorted(session.execute(stmt).all(), key=lambda row: row.id)


# --- responses ---------------------------------------------------------------------------------

def get_response(session: Session, *, consortium_id: str, round_id: int, user_id: str) -> CheckinResponse | None:
    """A member's answer in a round, if any."""
    query = select(CheckinResponse).where(CheckinResponse.consortium_id == consortium_id,
                                          CheckinResponse.round_id == round_id,
                                          CheckinResponse.user_id == user_id)
    return session.exec(query).first()


def insert_response(session: Session, *, response: CheckinResponse) -> bool:
    """Insert a first answer; False if the member already answered in this round."""
    response.team_id = response.team_id or origin_workspace()
    return claim(session, response)


def list_responses(session: Session, *, consortium_id: str,
                   round_ids: Iterable[int] | None = None) -> list[CheckinResponse]:
    """Answers of a team (optionally of some rounds), oldest first."""
    query = select(CheckinResponse).where(CheckinResponse.consortium_id == consortium_id)
    if round_ids is not None:
        query = query.where(col(CheckinResponse.round_id).in_(list(round_ids)))
    return list(session.exec(query.order_by(col(CheckinResponse.responded_at), col(CheckinResponse.id))))


def list_round_updates(session: Session, *, consortium_id: str, round_id: int) -> list[CommitmentUpdate]:
    """Commitment status changes made through a round's check-ins."""
    query = select(CommitmentUpdate).where(CommitmentUpdate.consortium_id == consortium_id,
                                           CommitmentUpdate.checkin_round_id == round_id)
    return list(session.exec(query.order_by(col(CommitmentUpdate.id))))


def commitment_texts(session: Session, *, consortium_id: str, ids: Iterable[int]) -> dict[int, str]:
    """Commitment id → text, for some commitments of a team (one query)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    query = select(Commitment.id, Commitment.text).where(Commitment.consortium_id == consortium_id,
                                                         col(Commitment.id).in_(wanted))
    return {cid: text for cid, text in session.exec(query) if cid is not None}


# --- what a prompt lists ---------------------------------------------------------------------

def proposals_awaiting_group(session: Session, *, consortium_id: str, group_id: int, limit: int = 20) -> list[Proposal]:
    """Open proposals that require the group and on which none of its members took a position."""
    heard = exists().where(col(Position.proposal_id) == col(Proposal.id), col(GroupMembership.group_id) == group_id,
                           col(GroupMembership.user_id) == col(Position.user_id))
    query = (select(Proposal)
             .join(ProposalGroup, col(ProposalGroup.proposal_id) == col(Proposal.id))
             .where(Proposal.consortium_id == consortium_id, Proposal.status == "open",
                    ProposalGroup.group_id == group_id, ~heard)
             .order_by(col(Proposal.closes_at), col(Proposal.id)).limit(limit))
    return list(session.exec(query))
