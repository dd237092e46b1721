"""What each command means once parsed: one frozen dataclass per form of each command.

Produced by :mod:`handlers.shared.parsing`; listeners dispatch on these types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Literal


@dataclass(frozen=True)
class Help:
    """Show the command's usage."""


@dataclass(frozen=True)
class DecisionCreate:
    text: str


@dataclass(frozen=True)
class DecisionModal:
    pass


@dataclass(frozen=True)
class DecisionList:
    pass


@dataclass(frozen=True)
class DecisionRevoke:
    id: int
    reason: str | None = None


Scope = Literal["channel", "mine", "overdue", "all", "user"]
Action = Literal["done", "block", "drop"]


@dataclass(frozen=True)
class CommitCreate:
    text: str
    owner_id: str | None = None
    due_date: date | None = None


@dataclass(frozen=True)
class CommitList:
    scope: Scope = "channel"
    user_id: str | None = None


@dataclass(frozen=True)
class CommitUpdate:
    action: Action
    id: int
    note: str | None = None


@dataclass(frozen=True)
class CommitModal:
    pass


@dataclass(frozen=True)
class ProposeCreate:
    title: str


@dataclass(frozen=True)
class ProposeModal:
    pass


@dataclass(frozen=True)
class ProposeClose:
    id: int


@dataclass(frozen=True)
class ProposeWithdraw:
    id: int


@dataclass(frozen=True)
class GroupCreate:
    name: str
    channel_id: str | None = None
    timezone: str | None = None
    sector: str | None = None


@dataclass(frozen=True)
class GroupAdd:
    name: str
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class GroupRemove:
    name: str
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class GroupSchedule:
    name: str
    days: tuple[str, ...] | None = None
    at: time | None = None
    off: bool = False


@dataclass(frozen=True)
class GroupList:
    pass


@dataclass(frozen=True)
class GroupShow:
    name: str


@dataclass(frozen=True)
class FacilitatorAdd:
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class CheckinNow:
    group_name: str


@dataclass(frozen=True)
class CheckinOpen:
    pass


@dataclass(frozen=True)
class DigestPost:
    pass


@dataclass(frozen=True)
class DigestPreview:
    pass


@dataclass(frozen=True)
class DigestSchedule:
    days: tuple[str, ...] | None = None
    at: time | None = None
    timezone: str | None = None
    off: bool = False


@dataclass(frozen=True)
class RecordMessage:
    kind: Literal["decision", "commitment"]
    body: str


@dataclass(frozen=True)
class Summary:
    pass


DecisionCommand = DecisionCreate | DecisionModal | DecisionList | DecisionRevoke | Help
CommitCommand = CommitCreate | CommitList | CommitUpdate | CommitModal | Help
ProposeCommand = ProposeCreate | ProposeModal | ProposeClose | ProposeWithdraw | Help
GroupCommand = (
    GroupCreate | GroupAdd | GroupRemove | GroupSchedule | GroupList | GroupShow | FacilitatorAdd
) | Help
CheckinCommand = CheckinNow | CheckinOpen | Help
DigestCommand = DigestPost | DigestPreview | DigestSchedule | Help
