"""Organisations: the body each member represents, set by facilitators or taken from the member's workspace.

A member has at most one organisation in a consortium. A facilitator sets it (`/org set`); a
member who comes from another workspace than the consortium's home workspace (the one whose id
the consortium carries) otherwise defaults to that workspace's organisation, named as `team.info`
names the workspace. Members of the home workspace have none until one is set. Records about a
person keep the name of their organisation as it was when they were made (:func:`organisation_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlmodel import Session

from bot.config import Settings
from bot.services import Invalid, NotFound
from bot.services.access import require_facilitator
from storage import organisations as store
from storage.models import Organisation
from storage.teams import write_audit

Role = Literal["representative", "focal"]
ROLE_COLUMNS: dict[str, str] = {"representative": "representative_user_id", "focal": "focal_user_id"}
ROLE_NAMES: dict[str, str] = {"representative": "representative", "focal": "focal point"}
NAME_FRESH_FOR = timedelta(days=1)
NO_ORGANISATION = "no organisation"


@dataclass(frozen=True)
class OrganisationInfo:
    """An organisation as `/org list` and `/org show` present it."""

    organisation: Organisation
    member_ids: list[str]


@dataclass(frozen=True)
class Assignment:
    """What `/org set` did: the organisation (and whether it is new), who was set, who already was."""

    organisation: Organisation
    created: bool
    changed: list[str]
    unchanged: list[str]


def find_organisation(session: Session, *, consortium_id: str, name: str) -> Organisation:
    """An organisation by name (case-insensitive), or NotFound naming those that exist."""
    found = store.get_organisation_by_name(session, consortium_id=consortium_id, name=name)
    if found is not None:
        return found
    known = [o.name for o in store.list_organisations(session, consortium_id=consortium_id)]
    hint = f"The organisations are: {', '.join(known[:20])}." if known else "There are no organisations yet."
    raise NotFound(f"There is no organisation named “{name}”. {hint} See `/org list`, or `/org set` to add one.")


def set_organisation(
    session: Session, *, settings: Settings, consortium_id: str, actor_id: str, name: str, user_ids: Sequence[str],
    now: datetime,
) -> Assignment:
    """A facilitator sets members' organisation, creating the organisation if it is new."""
    require_facilitator(session, settings=settings, consortium_id=consortium_id, user_id=actor_id,
                        doing="set members' organisations")
    organisation = store.get_organisation_by_name(session, consortium_id=consortium_id, name=name)
    created = False
    if organisation is None:
        organisation = store.add_organisation(session, consortium_id=consortium_id, name=name, now=now,
                                              created_by=actor_id)
        created = organisation is not None
        if organisation is None:  # made by someone else a moment ago
            organisation = find_organisation(session, consortium_id=consortium_id, name=name)
    assert organisation.id is not None
    wanted = list(dict.fromkeys(user_ids))
    current = store.organisation_ids(session, consortium_id=consortium_id, user_ids=wanted)
    # Set: members elsewhere or nowhere, and those in it only by their workspace's default.
    changed = [u for u in wanted if current.get(u, (None, None))[0] != organisation.id or current[u][1] is None]
    for user_id in changed:
        store.set_member_organisation(session, consortium_id=consortium_id, user_id=user_id,
                                      organisation_id=organisation.id, set_by=actor_id, now=now)
    if changed:
        store.clear_roles_of(session, consortium_id=consortium_id, user_ids=changed,
                             keep_organisation_id=organisation.id)
        write_audit(session, consortium_id=consortium_id, actor_id=actor_id, action="organisation.set",
                    entity="organisation", entity_id=organisation.id,
                    detail={"name": organisation.name, "user_ids": changed, "created": created})
    return Assignment(organisation=organisation, created=created, changed=changed,
                      unchanged=[u for u in wanted if u not in changed])


def set_role(
    session: Session, *, settings: Settings, consortium_id: str, actor_id: str, name: str, role: Role,
    user_id: str | None,
) -> Organisation:
    """A facilitator names an organisation's representative or focal point (one of its members), or clears it."""
    require_facilitator(session, settings=settings, consortium_id=consortium_id, user_id=actor_id,
                        doing=f"name an organisation's {ROLE_NAMES[role]}")
    organisation = find_organisation(session, consortium_id=consortium_id, name=name)
    assert organisation.id is not None
    if user_id is not None:
        mine = store.organisation_ids(session, consortium_id=consortium_id, user_ids=[user_id]).get(user_id)
        if mine is None or mine[0] != organisation.id:
            raise Invalid(f"<@{user_id}> is not a member of {organisation.name}. "
                          f"First `/org set {organisation.name} <@{user_id}>`.")
    store.set_role(session, consortium_id=consortium_id, organisation_id=organisation.id, role=ROLE_COLUMNS[role],
                   user_id=user_id)
    write_audit(session, consortium_id=consortium_id, actor_id=actor_id, action=f"organisation.{role}",
                entity="organisation", entity_id=organisation.id, detail={"user_id": user_id})
    found = store.get_organisation(session, consortium_id=consortium_id, organisation_id=organisation.id)
    assert found is not None
    return found


def list_organisation_infos(session: Session, *, consortium_id: str) -> list[OrganisationInfo]:
    """Every organisation of a consortium with its members (two queries)."""
    members = store.members_by_organisation(session, consortium_id=consortium_id)
    return [OrganisationInfo(organisation=o, member_ids=members.get(o.id or 0, []))
            for o in store.list_organisations(session, consortium_id=consortium_id)]


def organisation_info(session: Session, *, consortium_id: str, name: str) -> OrganisationInfo:
    """One organisation with its members."""
    organisation = find_organisation(session, consortium_id=consortium_id, name=name)
    members = store.members_by_organisation(session, consortium_id=consortium_id)
    return OrganisationInfo(organisation=organisation, member_ids=members.get(organisation.id or 0, []))


def organisation_of(session: Session, *, consortium_id: str, user_id: str) -> str | None:
    """The name of a member's organisation now (None without one): what a new record about them keeps."""
    return store.organisation_names(session, consortium_id=consortium_id, user_ids=[user_id]).get(user_id)


def representatives_of(session: Session, *, consortium_id: str) -> dict[str, str]:
    """Organisation name → its representative (`/org representative`), for those that have one (one query)."""
    return {o.name: o.representative_user_id for o in store.list_organisations(session, consortium_id=consortium_id)
            if o.representative_user_id}


def focal_point_of(session: Session, *, consortium_id: str, user_id: str) -> str | None:
    """The focal point of the organisation a member belongs to now (None without either)."""
    found = store.organisation_ids(session, consortium_id=consortium_id, user_ids=[user_id]).get(user_id)
    if found is None:
        return None
    organisation = store.get_organisation(session, consortium_id=consortium_id, organisation_id=found[0])
    return organisation.focal_user_id if organisation is not None else None


def organisations_of(session: Session, *, consortium_id: str, user_ids: Iterable[str] | None = None) -> dict[str, str]:
    """User id → the name of their organisation now, for members who have one (one query)."""
    return store.organisation_names(session, consortium_id=consortium_id,
                                    user_ids=None if user_ids is None else list(user_ids))


# --- the default: the organisation of the member's own workspace -------------------------------


def is_external(*, consortium_id: str, team_id: str | None, enterprise_id: str | None = None) -> bool:
    """Whether a member of workspace ``team_id`` comes from outside the consortium's home workspace.

    ``enterprise_id``: the Enterprise Grid org of the member's workspace, where Slack says. A consortium
    installed org-wide carries the org's id: a member of any of the org's own workspaces is then at
    home (one organisation); only members of workspaces outside the org come from elsewhere.
    """
    if enterprise_id and enterprise_id == consortium_id:
        return False
    return bool(team_id) and team_id != consortium_id


def needs_workspace_name(session: Session, *, consortium_id: str, user_id: str, team_id: str | None,
                         now: datetime, enterprise_id: str | None = None) -> bool:
    """Whether the member's default organisation waits on their workspace's name (unknown, or a day old)."""
    if team_id is None or not is_external(consortium_id=consortium_id, team_id=team_id, enterprise_id=enterprise_id):
        return False
    cached = store.get_workspace_name(session, team_id=team_id)
    if cached is not None and now - cached.updated_at < NAME_FRESH_FOR:
        return False
    return cached is not None or user_id not in store.organisation_ids(session, consortium_id=consortium_id,
                                                                      user_ids=[user_id])


def workspace_name_is_fresh(session: Session, *, team_id: str, now: datetime) -> bool:
    """Whether a workspace's name is known and less than a day old."""
    cached = store.get_workspace_name(session, team_id=team_id)
    return cached is not None and now - cached.updated_at < NAME_FRESH_FOR


def remember_workspace_name(session: Session, *, team_id: str, name: str, now: datetime) -> None:
    """Keep the name `team.info` just gave a workspace."""
    store.save_workspace_name(session, team_id=team_id, name=name, now=now)


def apply_workspace_default(session: Session, *, consortium_id: str, user_id: str, team_id: str | None,
                            now: datetime, enterprise_id: str | None = None) -> str | None:
    """Give a member from another workspace that workspace's organisation, unless they have one.

    Uses the workspace's known name only (no Slack call); the organisation that stands for the
    workspace is made on first need, or an organisation of that name already there is taken.
    Returns the member's organisation afterwards (None when they have none). ``enterprise_id``: the
    Enterprise Grid org of the member's workspace, where Slack says (see :func:`is_external`).
    """
    if team_id is None or not is_external(consortium_id=consortium_id, team_id=team_id, enterprise_id=enterprise_id):
        return organisation_of(session, consortium_id=consortium_id, user_id=user_id)
    current = organisation_of(session, consortium_id=consortium_id, user_id=user_id)
    cached = store.get_workspace_name(session, team_id=team_id)
    if current is not None or cached is None:
        return current
    organisation = _workspace_organisation(session, consortium_id=consortium_id, team_id=team_id,
                                           name=cached.name, now=now)
    assert organisation.id is not None
    if store.set_default_organisation(session, consortium_id=consortium_id, user_id=user_id,
                                      organisation_id=organisation.id, now=now):
        write_audit(session, consortium_id=consortium_id, actor_id=None, action="organisation.default",
                    entity="organisation", entity_id=organisation.id,
                    detail={"user_id": user_id, "team_id": team_id, "name": organisation.name})
    return organisation_of(session, consortium_id=consortium_id, user_id=user_id)


def _workspace_organisation(session: Session, *, consortium_id: str, team_id: str, name: str,
                            now: datetime) -> Organisation:
    found = store.get_organisation_by_team(session, consortium_id=consortium_id, team_id=team_id)
    if found is not None:
        return found
    made = store.add_organisation(session, consortium_id=consortium_id, name=name, now=now, team_id=team_id)
    if made is not None:
        return made
    # Taken: a facilitator made an organisation of that name (it now stands for the workspace), or
    # another request made the workspace's a moment ago.
    named = store.get_organisation_by_name(session, consortium_id=consortium_id, name=name)
    if named is not None and named.id is not None:
        store.link_team(session, consortium_id=consortium_id, organisation_id=named.id, team_id=team_id)
        return named
    found = store.get_organisation_by_team(session, consortium_id=consortium_id, team_id=team_id)
    assert found is not None
    return found
