"""Replies of `/org`: the organisation list, one organisation's members and roles, and what was set."""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.organisations import Assignment, OrganisationInfo
from handlers.shared.blocks import Block, bulleted, fit_blocks, safe, section, sections
from storage.models import Organisation

MAX_MEMBERS = 100


def _people(users: Sequence[str], limit: int = MAX_MEMBERS) -> str:
    if not users:
        return "nobody yet"
    shown = ", ".join(f"<@{u}>" for u in users[:limit])
    return shown + (f" and {len(users) - limit} more" if len(users) > limit else "")


def _person(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "none"


def _title(organisation: Organisation) -> str:
    return f"*{safe(organisation.name)}*"


def organisation_line(info: OrganisationInfo) -> str:
    """One line of `/org list`."""
    o, count = info.organisation, len(info.member_ids)
    return (f"{_title(o)} — {count} member{'s' if count != 1 else ''}; representative: "
            f"{_person(o.representative_user_id)}; focal point: {_person(o.focal_user_id)}")


def organisation_list_blocks(infos: Sequence[OrganisationInfo]) -> list[Block]:
    """`/org list`."""
    if not infos:
        return [section("*Organisations*\nNo organisations yet. A facilitator sets members' organisation with "
                        "`/org set <organisation> @user…`.")]
    lines = [organisation_line(info) for info in infos]
    return fit_blocks([section(f"*Organisations ({len(infos)})*"),
                       *sections(bulleted(lines, limit=40, more="see `/org show <organisation>`")),
                       section("_Members with no organisation count as their own._")])


def organisation_show_blocks(info: OrganisationInfo) -> list[Block]:
    """`/org show <organisation>`: members, representative, focal point."""
    o = info.organisation
    facts = [
        f"*Representative:* {_person(o.representative_user_id)}",
        f"*Focal point:* {_person(o.focal_user_id)}",
        f"*Members ({len(info.member_ids)}):* {_people(info.member_ids)}",
    ]
    if o.team_id:
        facts.append(f"Members of Slack workspace `{o.team_id}` belong to it unless set otherwise.")
    return fit_blocks([section(_title(o)), *sections("\n".join(facts))])


def assignment_text(done: Assignment) -> str:
    """The answer to `/org set`."""
    name = _title(done.organisation)
    lines = [f"Created the organisation {name}."] if done.created else []
    if done.changed:
        lines.append(f"{_people(done.changed)} now belong{'s' if len(done.changed) == 1 else ''} to {name}.")
    if done.unchanged:
        lines.append(f"Already in {name}: {_people(done.unchanged)}.")
    return "\n".join(lines)


def role_text(organisation: Organisation, *, role: str, user_id: str | None) -> str:
    """The answer to `/org representative` and `/org focal`."""
    what = "representative" if role == "representative" else "focal point"
    if user_id is None:
        return f"{_title(organisation)} has no {what} now."
    return f"<@{user_id}> is now the {what} of {_title(organisation)}."
