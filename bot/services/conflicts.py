"""Declared conflicts of interest on proposals: `/propose conflict` and the *Declare a conflict* form.

A member who declares a conflict on a proposal has their position withdrawn; from then on they take
none on it (:func:`bot.services.proposals.check_may_take_position`), the consensus rule leaves
them out, and they cannot be the one counted for their organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.services import Invalid, proposals
from storage import proposals as store
from storage.models import Proposal
from storage.teams import write_audit

MAX_STATEMENT = 3000


@dataclass(frozen=True)
class DeclaredConflict:
    """A conflict just declared, and the position it withdrew (if any)."""

    proposal: Proposal
    withdrawn: str | None


def declare_conflict(session: Session, *, consortium_id: str, proposal_id: int, user_id: str, statement: str,
                     now: datetime) -> DeclaredConflict:
    """Record a member's conflict of interest on an open proposal and withdraw their position: from now on
    they take none on it and cannot be the one counted for their organisation. Once per member and proposal."""
    statement = " ".join((statement or "").split())
    if not statement:
        raise Invalid("Say what the conflict is: `/propose conflict <id> <statement>`.")
    if len(statement) > MAX_STATEMENT:
        raise Invalid(f"That statement is too long ({len(statement):,} characters; the limit is {MAX_STATEMENT:,}).")
    proposal = proposals.open_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)
    if not store.add_conflict(session, consortium_id=consortium_id, proposal_id=proposal_id, user_id=user_id,
                              statement=statement, now=now):
        raise Invalid(f"You already declared a conflict on proposal #{proposal_id}.")
    withdrawn = store.delete_position(session, consortium_id=consortium_id, proposal_id=proposal_id, user_id=user_id)
    if not store.bump_version(session, consortium_id=consortium_id, proposal_id=proposal_id):
        raise Invalid(proposals.closed_message(
            proposals.get_proposal(session, consortium_id=consortium_id, proposal_id=proposal_id)))
    write_audit(session, consortium_id=consortium_id, actor_id=user_id, action="proposal.conflict", entity="proposal",
                entity_id=proposal_id, detail={"statement": statement, "withdrawn": withdrawn})
    return DeclaredConflict(proposal=proposal, withdrawn=withdrawn)
