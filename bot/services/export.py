"""Exports of the record as JSON, CSV or Markdown, with the fields of product.md.

JSON and CSV keep the ids and add each person's name beside them (``recorded_by_name`` beside
``recorded_by``, ``user_name`` beside ``user_id``…) from the bot's cache of names: an export never
asks Slack. Markdown is a document for reading: one section per record, names instead of ids,
mentions in text as names, permalinks as links.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from bot.services.export_markdown import render_markdown
from bot.services.people import known_names
from bot.services.proposals import proposal_views
from storage import checkins as checkin_store
from storage.commitments import list_commitments
from storage.decisions import list_decisions
from storage.groups import group_names, list_groups, list_memberships
from storage.proposals import list_proposals
from storage.teams import list_audit

Row = dict[str, Any]
FIELDS: dict[str, list[str]] = {
    "decisions": ["id", "consortium_id", "team_id", "text", "rationale", "status", "channel_id", "thread_ts",
                  "permalink", "recorded_by", "recorded_by_name", "created_at", "proposal_id", "review_on",
                  "supersedes", "superseded_by"],
    "commitments": ["id", "consortium_id", "team_id", "text", "owner_id", "owner_name", "group", "organisation",
                    "due_date", "status", "channel_id", "thread_ts", "permalink", "created_by", "created_by_name",
                    "created_at", "updated_at", "decision_id"],
    "proposals": ["id", "consortium_id", "team_id", "title", "details", "status", "outcome", "channel_id", "closes_at",
                  "required_groups", "counting", "cap", "hidden", "anonymous", "positions", "conflicts"],
    "checkins": ["id", "consortium_id", "team_id", "group", "opened_at", "closed_at", "responses"],
    "groups": ["id", "consortium_id", "team_id", "name", "sector", "channel_id", "timezone", "members"],
    "audit": ["id", "consortium_id", "team_id", "created_at", "actor_id", "actor_name", "action", "entity", "entity_id",
              "detail"],
}
EXPORTERS: dict[str, Callable[..., list[Row]]] = {}


def origin(record: Any) -> str:
    """The workspace a record came from; one made without a request (a schedule) or kept from before
    workspaces were recorded comes from its consortium's own workspace (whose id is the consortium's)."""
    return str(record.team_id or record.consortium_id)


def iso(value: datetime | date | None) -> str | None:
    """ISO 8601; datetimes in UTC with offset."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


def plain(text: str | None) -> str | None:
    """Stored text (Slack's escaped form) as a reader would type it."""
    if text is None:
        return None
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def export_decisions(session: Session, consortium_id: str) -> list[Row]:
    """Every decision of a consortium, oldest first."""
    rows = list_decisions(session, consortium_id=consortium_id)
    names = known_names(session, consortium_id=consortium_id)
    return [
        {"id": d.id, "consortium_id": d.consortium_id, "team_id": origin(d), "text": plain(d.text),
         "rationale": plain(d.rationale),
         "status": d.status,
         "channel_id": d.channel_id, "thread_ts": d.thread_ts, "permalink": d.permalink, "recorded_by": d.recorded_by,
         "recorded_by_name": names.get(d.recorded_by), "created_at": iso(d.created_at), "proposal_id": d.proposal_id,
         "review_on": iso(d.review_on), "supersedes": d.supersedes, "superseded_by": d.superseded_by}
        for d in rows
    ]


def export_commitments(session: Session, consortium_id: str) -> list[Row]:
    """Every commitment of a consortium, oldest first."""
    names = group_names(session, consortium_id=consortium_id)
    people = known_names(session, consortium_id=consortium_id)
    rows = sorted(list_commitments(session, consortium_id=consortium_id, status=None), key=lambda c: c.id or 0)
    return [
        {"id": c.id, "consortium_id": c.consortium_id, "team_id": origin(c), "text": plain(c.text),
         "owner_id": c.owner_id, "owner_name": people.get(c.owner_id),
         "group": names.get(c.group_id) if c.group_id else None, "organisation": plain(c.organisation),
         "due_date": iso(c.due_date), "status": c.status,
         "channel_id": c.channel_id, "thread_ts": c.thread_ts, "permalink": c.permalink, "created_by": c.created_by,
         "created_by_name": people.get(c.created_by), "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
         "decision_id": c.decision_id}
        for c in rows
    ]


def export_proposals(session: Session, consortium_id: str, *, with_names: bool = False) -> list[Row]:
    """Every proposal of a consortium, oldest first, with its governance, required groups, positions and
    declared conflicts (a fixed number of queries). An anonymous proposal names nobody unless ``with_names``
    (the facilitators' record)."""
    names = group_names(session, consortium_id=consortium_id)
    people = known_names(session, consortium_id=consortium_id)
    views = proposal_views(session, consortium_id=consortium_id,
                           proposals=list_proposals(session, consortium_id=consortium_id))
    rows = []
    for view in views:
        p = view.proposal
        nameless = p.anonymous and not with_names

        def who(user_id: str, nameless: bool = nameless) -> str | None:
            return None if nameless else user_id

        rows.append({
            "id": p.id, "consortium_id": p.consortium_id, "team_id": origin(p), "title": plain(p.title),
            "details": plain(p.details), "status": p.status, "outcome": p.outcome, "channel_id": p.channel_id,
            "closes_at": iso(p.closes_at), "required_groups": [names[g] for g in view.required_ids if g in names],
            "counting": p.counting, "cap": p.cap, "hidden": p.hidden, "anonymous": p.anonymous,
            "positions": [{"user_id": who(pos.proxy_by or pos.user_id),
                           "user_name": None if nameless else people.get(pos.proxy_by or pos.user_id),
                           "group": names.get(pos.group_id) if pos.group_id else None,
                           "choice": pos.choice, "reason": plain(pos.reason),
                           "organisation": plain(view.organisations.get(pos.user_id)),
                           "proxy_for": who(pos.user_id) if pos.proxy_by else None,
                           "advisory": pos.user_id in view.tally.advisory}
                          for pos in view.positions if pos.user_id not in view.excluded],
            "conflicts": [{"user_id": who(c.user_id), "organisation": plain(view.organisations.get(c.user_id)),
                           "statement": plain(c.statement), "declared_at": iso(c.declared_at)}
                          for c in view.conflicts]})
    return rows


def export_checkins(session: Session, consortium_id: str) -> list[Row]:
    """Every check-in round of a consortium, oldest first, with its answers (two queries)."""
    names = group_names(session, consortium_id=consortium_id)
    people = known_names(session, consortium_id=consortium_id)
    answers: dict[int, list[Row]] = {}
    for r in checkin_store.list_responses(session, consortium_id=consortium_id):
        answers.setdefault(r.round_id, []).append({"user_id": r.user_id, "user_name": people.get(r.user_id),
                                                   "organisation": plain(r.organisation),
                                                   "text": plain(r.text),
                                                   "blockers": plain(r.blockers), "responded_at": iso(r.responded_at)})
    return [
        {"id": c.id, "consortium_id": c.consortium_id, "team_id": origin(c), "group": names.get(c.group_id),
         "opened_at": iso(c.opened_at),
         "closed_at": iso(c.closed_at), "responses": answers.get(c.id or 0, [])}
        for c in checkin_store.list_rounds(session, consortium_id=consortium_id)
    ]


def export_groups(session: Session, consortium_id: str) -> list[Row]:
    """Every stakeholder group of a consortium, by name, with its members: the organisation recorded when they
    joined, whether it is their primary group (the first they joined) and whether they only observe (two
    queries)."""
    rows = list_memberships(session, consortium_id=consortium_id)
    primary: dict[str, int] = {}
    by_group: dict[int, list[Row]] = {}
    for m in rows:
        primary.setdefault(m.user_id, m.group_id)
    for m in rows:
        by_group.setdefault(m.group_id, []).append({
            "user_id": m.user_id, "organisation": plain(m.organisation),
            "primary": primary[m.user_id] == m.group_id, "observer": m.observer})
    return [{"id": g.id, "consortium_id": g.consortium_id, "team_id": origin(g), "name": plain(g.name),
             "sector": plain(g.sector), "channel_id": g.channel_id, "timezone": g.timezone,
             "members": by_group.get(g.id or 0, [])}
            for g in list_groups(session, consortium_id=consortium_id)]


def export_audit(session: Session, consortium_id: str) -> list[Row]:
    """The audit log of a consortium, oldest first: who (id and name) did what to which record, and its details."""
    people = known_names(session, consortium_id=consortium_id)
    return [
        {"id": a.id, "consortium_id": a.consortium_id, "team_id": origin(a), "created_at": iso(a.created_at),
         "actor_id": a.actor_id, "actor_name": people.get(a.actor_id) if a.actor_id else None, "action": a.action,
         "entity": a.entity, "entity_id": a.entity_id, "detail": _detail(a.detail)}
        for a in list_audit(session, consortium_id=consortium_id)
    ]


def _detail(raw: str | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


EXPORTERS.update({"decisions": export_decisions, "commitments": export_commitments,
                  "proposals": export_proposals, "checkins": export_checkins, "groups": export_groups,
                  "audit": export_audit})


def export_rows(session: Session, *, kind: str, consortium_id: str, with_names: bool = False) -> list[Row]:
    """The rows of one kind of record for a consortium (``with_names``: anonymous proposals' names too)."""
    if kind == "proposals":
        return export_proposals(session, consortium_id, with_names=with_names)
    return EXPORTERS[kind](session, consortium_id)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render(rows: Sequence[Row], *, kind: str, fmt: str, names: Mapping[str, str] | None = None) -> str:
    """Rows as JSON (a list), CSV (nested lists as JSON cells) or a Markdown document (mentions in
    text shown with ``names``)."""
    fields = FIELDS[kind]
    if fmt == "json":
        return json.dumps(list(rows), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: _cell(row.get(k)) for k in fields} for row in rows)
        return out.getvalue()
    if fmt == "md":
        return render_markdown(rows, kind=kind, names=names)
    raise ValueError(f"unknown format {fmt!r}")
