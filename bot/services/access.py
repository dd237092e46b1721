"""Who may do what: facilitators and record owners."""

from __future__ import annotations

from sqlmodel import Session

from bot.config import Settings
from bot.services import Forbidden
from storage import teams


def is_facilitator(session: Session, *, settings: Settings, consortium_id: str, user_id: str) -> bool:
    """Facilitators are ``ACCORD_FACILITATORS`` plus users promoted in this team."""
    if user_id in settings.facilitators:
        return True
    return user_id in teams.list_facilitator_ids(session, consortium_id=consortium_id)


def require_facilitator(session: Session, *, settings: Settings, consortium_id: str, user_id: str, doing: str) -> None:
    """Raise Forbidden unless the user is a facilitator."""
    if not is_facilitator(session, settings=settings, consortium_id=consortium_id, user_id=user_id):
        raise Forbidden(f"Only facilitators can {doing}. Ask a facilitator, or see `/accord help`.")


def add_facilitators(
    session: Session, *, settings: Settings, consortium_id: str, actor_id: str, user_ids: list[str]
) -> list[str]:
    """A facilitator promotes users; returns those newly promoted."""
    require_facilitator(session, settings=settings, consortium_id=consortium_id, user_id=actor_id,
                        doing="add facilitators")
    added = []
    for user_id in user_ids:
        if user_id in settings.facilitators:
            continue
        if teams.add_facilitator(session, consortium_id=consortium_id, user_id=user_id, added_by=actor_id):
            teams.write_audit(
                session, consortium_id=consortium_id, actor_id=actor_id, action="facilitator.add", entity="user",
                entity_id=user_id,
            )
            added.append(user_id)
    return added


def has_facilitator(session: Session, *, settings: Settings) -> bool:
    """Whether anyone can act as a facilitator: ``ACCORD_FACILITATORS``, or a user promoted in any team."""
    return bool(settings.facilitators) or teams.any_facilitator_promoted(session)


def promote_installer(session: Session, *, settings: Settings, team_id: str, user_id: str,
                      org_wide: bool = False) -> bool:
    """The user who installed Accord becomes a facilitator of the consortium the install created.

    Only while that consortium has no promoted facilitator: a later reinstall (new scopes, another
    admin) leaves the facilitators it already has. Returns whether the user was promoted.
    """
    consortium_id = teams.consortium_of_workspace(session, workspace_id=team_id)
    if consortium_id is None:  # a new installation: a consortium of its own
        teams.ensure_consortium(session, consortium_id=team_id, timezone=settings.timezone)
        consortium_id = teams.link_workspace(session, workspace_id=team_id, consortium_id=team_id,
                                             is_enterprise_install=org_wide)
    if teams.list_facilitator_ids(session, consortium_id=consortium_id):
        return False
    if not teams.add_facilitator(session, consortium_id=consortium_id, user_id=user_id, added_by=user_id):
        return False
    teams.write_audit(session, consortium_id=consortium_id, actor_id=user_id, action="facilitator.add",
                      entity="user", entity_id=user_id, detail={"via": "install"})
    return True
