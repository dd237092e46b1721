"""The grammar and usage of `/decision`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.values import ParseError, parse_due_date
from handlers.shared.grammar import Help, checked, command, head, is_help, no_args, record_id
from handlers.shared.usage import CommandUsage, Form

USAGE = CommandUsage("/decision", "Record a decision", (
    Form("/decision <text>", "record a decision in this channel and announce it"),
    Form("/decision", "open a form: decision and rationale"),
    Form("/decision list", "recent decisions of this channel"),
    Form("/decision revoke <id> [reason]", "revoke a decision (its recorder or a facilitator)"),
    Form("/decision review <id> <date|off>", "set the day a decision is due for review, or clear it "
         "(its recorder or a facilitator)"),
    Form("/decision supersede <id> <new text>", "record a new decision that replaces this one "
         "(its recorder or a facilitator)"),
))


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


@dataclass(frozen=True)
class DecisionReview:
    id: int
    review_on: date | None  # None: clear the review date


@dataclass(frozen=True)
class DecisionSupersede:
    id: int
    text: str


DecisionCommand = (DecisionCreate | DecisionModal | DecisionList | DecisionRevoke | DecisionReview
                   | DecisionSupersede | Help)


@command(USAGE)
def parse_decision_command(text: str, *, today: date | None = None) -> DecisionCommand:
    """``/decision <text>``, ``/decision``, ``/decision list``, ``/decision revoke <id> [reason]``,
    ``/decision review <id> <date|off>``, ``/decision supersede <id> <new text>``.

    ``today`` (the consortium's; default the machine's) reads relative review dates (``in 3 months``, ``fri``).
    """
    word, rest = head(text)
    if not word:
        return DecisionModal()
    if is_help(text):
        return Help()
    if word == "list":
        no_args(rest, USAGE.line("list"))
        return DecisionList()
    if word == "revoke":
        record, reason = record_id(rest, USAGE.line("revoke"), alone=False)
        return DecisionRevoke(record, checked(reason, "reason") or None)
    if word == "review":
        return _review(rest, today=today or date.today())
    if word == "supersede":
        record, new_text = record_id(rest, USAGE.line("supersede"), alone=False)
        if not new_text:
            raise ParseError(f"Say what the new decision is: `{USAGE.line('supersede')}`.", USAGE.line("supersede"))
        return DecisionSupersede(record, checked(new_text, "decision text"))
    return DecisionCreate(checked(text.strip(), "decision text"))


def _review(rest: str, *, today: date) -> DecisionReview:
    form = USAGE.line("review")
    record, when = record_id(rest, form, alone=False)
    if not when:
        raise ParseError(f"Say when it is due for review, e.g. `/decision review {record} 2027-03-01`, "
                         f"or `off`: `{form}`.", form)
    if when.strip().lower() == "off":
        return DecisionReview(record, None)
    return DecisionReview(record, parse_due_date(when, today=today))
