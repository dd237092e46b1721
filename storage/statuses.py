"""Record statuses and position choices: string enums, stored as the plain strings they equal.

Each member *is* its string (``CommitmentStatus.OPEN == "open"``), so rows written before these
enums existed read the same, and the columns stay ``VARCHAR(16)``: no migration.
"""

from __future__ import annotations

from enum import StrEnum


class DecisionStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class CommitmentStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    BLOCKED = "blocked"
    DROPPED = "dropped"


class ProposalStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ProposalOutcome(StrEnum):
    CONSENSUS = "consensus"
    NO_CONSENSUS = "no_consensus"
    BLOCKED = "blocked"
    NO_QUORUM = "no_quorum"
    WITHDRAWN = "withdrawn"


class PositionChoice(StrEnum):
    AGREE = "agree"
    ABSTAIN = "abstain"
    DISAGREE = "disagree"
    BLOCK = "block"


class PromptStatus(StrEnum):
    """A check-in prompt's direct message: waiting to be sent, sent, or refused for good."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class DigestRunStatus(StrEnum):
    """A digest run: waiting to be posted, posted, refused for good, or skipped (a missed earlier slot)."""

    PENDING = "pending"
    SKIPPED = "skipped"
    POSTED = "posted"
    FAILED = "failed"


class InboxState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
