"""An export as a Markdown document for reading: one section per record, names instead of ids
(an id is shown only for someone Accord never looked up), mentions in text as names, permalinks
as links, nested records (positions, answers) as lists — never JSON."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

Row = dict[str, Any]
TITLES = {"decisions": "Decisions", "commitments": "Commitments", "proposals": "Proposals",
          "checkins": "Check-in rounds", "groups": "Stakeholder groups", "audit": "Audit log"}
_MENTION = re.compile(r"<([@#!])([^<>|]*)(?:\|([^<>]*))?>")
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _inline(text: Any) -> str:
    """One line of Markdown-inert text (markup characters escaped, line breaks kept as breaks)."""
    value = str(text).replace("\r", "")
    return "  \n  ".join(_SPECIAL.sub(r"\\\1", line) for line in value.split("\n"))


class _Doc:
    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names
        self.lines: list[str] = []

    def who(self, user_id: str | None, name: str | None = None) -> str:
        if not user_id:
            return "Accord"
        return _inline(name or self.names.get(user_id) or user_id)

    def text(self, value: str | None) -> str:
        """User text with mentions shown as names."""
        if not value:
            return ""

        def mention(m: re.Match[str]) -> str:
            kind, ref, label = m.groups()
            if kind == "@":
                return "@" + (self.names.get(ref) or label or ref)
            return ("#" if kind == "#" else "@") + (label or ref)

        return _inline(_MENTION.sub(mention, value))

    def heading(self, level: int, text: str) -> None:
        self.lines += ["", "#" * level + " " + text, ""]

    def item(self, label: str, value: str | None) -> None:
        if value:
            self.lines.append(f"- **{label}:** {value}")


def _link(url: str | None, label: str = "the thread in Slack") -> str | None:
    return f"[{label}](<{url.replace('>', '%3E').replace(' ', '%20')}>)" if url else None


def _when(value: str | None) -> str | None:
    """An exported ISO time as a reader reads it, to the minute."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return value


def _decision(doc: _Doc, row: Row) -> None:
    doc.heading(2, f"Decision {row['id']}: {doc.text(row['text'])}")
    doc.item("Status", row["status"])
    doc.item("Recorded", f"{_when(row['created_at'])} by {doc.who(row['recorded_by'], row.get('recorded_by_name'))}")
    doc.item("Rationale", doc.text(row.get("rationale")))
    doc.item("Thread", _link(row.get("permalink")))
    doc.item("From proposal", f"Proposal {row['proposal_id']}" if row.get("proposal_id") else None)
    doc.item("Review on", row.get("review_on"))
    doc.item("Supersedes", f"Decision {row['supersedes']}" if row.get("supersedes") else None)
    doc.item("Superseded by", f"Decision {row['superseded_by']}" if row.get("superseded_by") else None)


def _commitment(doc: _Doc, row: Row) -> None:
    doc.heading(2, f"Commitment {row['id']}: {doc.text(row['text'])}")
    doc.item("Owner", doc.who(row["owner_id"], row.get("owner_name")) + _of(row))
    doc.item("Group", _inline(row["group"]) if row.get("group") else None)
    doc.item("Due", row.get("due_date"))
    doc.item("Status", row["status"])
    doc.item("Recorded", f"{_when(row['created_at'])} by {doc.who(row['created_by'], row.get('created_by_name'))}")
    doc.item("Last change", _when(row.get("updated_at")))
    doc.item("Thread", _link(row.get("permalink")))


def _proposal(doc: _Doc, row: Row) -> None:
    doc.heading(2, f"Proposal {row['id']}: {doc.text(row['title'])}")
    doc.item("Status", row["status"] + (f", outcome {row['outcome'].replace('_', ' ')}" if row.get("outcome") else ""))
    doc.item("Closes", _when(row.get("closes_at")))
    doc.item("Required groups", ", ".join(_inline(g) for g in row.get("required_groups") or []) or None)
    doc.item("Details", doc.text(row.get("details")))
    if row.get("positions"):
        doc.heading(3, "Positions")
        for pos in row["positions"]:
            group = f" ({_inline(pos['group'])})" if pos.get("group") else ""
            reason = f": {doc.text(pos['reason'])}" if pos.get("reason") else ""
            doc.lines.append(f"- {doc.who(pos['user_id'], pos.get('user_name'))}{_of(pos)}{group}: "
                             f"**{pos['choice']}**{reason}")


def _checkin(doc: _Doc, row: Row) -> None:
    doc.heading(2, f"Check-in {row['id']}: {_inline(row.get('group') or 'no group')}, {_when(row['opened_at'])}")
    doc.item("Closed", _when(row.get("closed_at")) or "still open")
    if not row.get("responses"):
        doc.lines.append("- No answers.")
    for answer in row.get("responses") or []:
        blockers = f" Blockers: {doc.text(answer['blockers'])}" if answer.get("blockers") else ""
        doc.lines.append(f"- {doc.who(answer['user_id'], answer.get('user_name'))}{_of(answer)}, "
                         f"{_when(answer['responded_at'])}: {doc.text(answer.get('text')) or '(no text)'}{blockers}")


def _group(doc: _Doc, row: Row) -> None:
    doc.heading(2, f"{_inline(row['name'])}")
    doc.item("Sector", _inline(row["sector"]) if row.get("sector") else None)
    doc.item("Time zone", row.get("timezone"))
    doc.item("Channel", _inline(row["channel_id"]) if row.get("channel_id") else None)
    if not row.get("members"):
        doc.lines.append("- No members.")
    for member in row.get("members") or []:
        notes = [note for note, on in (("primary group", member.get("primary")), ("observer", member.get("observer")))
                 if on]
        doc.lines.append(f"- {doc.who(member['user_id'])}{_of(member)}" + (f" ({', '.join(notes)})" if notes else ""))


def _of(row: Row) -> str:
    """", of <organisation>" for a person's record that names one."""
    return f", {_inline(row['organisation'])}" if row.get("organisation") else ""


def _audit(doc: _Doc, row: Row) -> None:
    about = row.get("entity_id")
    if about and row["entity"] == "user":
        about = doc.names.get(about, about)
    record = f"{row['entity']} {about}" if about else row["entity"]
    doc.heading(2, f"{_when(row['created_at'])}: {_inline(row['action'])} ({_inline(record)})")
    doc.item("By", doc.who(row.get("actor_id"), row.get("actor_name")))
    detail = row.get("detail")
    if isinstance(detail, dict):
        for key, value in detail.items():
            if value is None or value == []:
                continue
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            doc.item(_inline(str(key).replace("_", " ").capitalize()), doc.text(doc.names.get(shown, shown)))
    elif detail:
        doc.item("Details", doc.text(str(detail)))


SECTIONS: dict[str, Callable[[_Doc, Row], None]] = {
    "decisions": _decision, "commitments": _commitment, "proposals": _proposal, "checkins": _checkin,
    "groups": _group, "audit": _audit}


def render_markdown(rows: Sequence[Row], *, kind: str, names: Mapping[str, str] | None = None) -> str:
    """The rows of one kind as a Markdown document."""
    doc = _Doc(names or {})
    doc.lines.append(f"# {TITLES[kind]} ({len(rows)})")
    if not rows:
        doc.lines += ["", "Nothing recorded."]
    for row in rows:
        SECTIONS[kind](doc, row)
    return "\n".join(doc.lines).strip() + "\n"
