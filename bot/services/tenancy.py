"""Which consortium a request belongs to.

In this order: by its **channel** (a channel belongs to the consortium that first recorded in it;
a shared channel has one id in every workspace); by its **installation** (the workspace's id, or
the Enterprise Grid org's id for an org-wide install); for direct messages and App Home by the
user's memberships. An installation seen for the first time is linked: with a single bot token
to the one consortium there is, under OAuth to a new consortium of its own (id = its id).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import ServiceError
from storage import teams as store
from storage.types import Session


@dataclass(frozen=True)
class Origin:
    """Where a request comes from, as Slack says it."""

    team_id: str | None = None
    enterprise_id: str | None = None
    is_enterprise_install: bool = False
    channel_id: str | None = None
    user_id: str | None = None


def installation_id(origin: Origin) -> str | None:
    """The workspace row of an installation: the org's id for an org-wide install, else the team's."""
    if origin.is_enterprise_install and origin.enterprise_id:
        return origin.enterprise_id
    return origin.team_id or origin.enterprise_id


def is_direct(channel_id: str | None) -> bool:
    """A direct message (or no channel at all, as in App Home)."""
    return not channel_id or channel_id.startswith("D")


def resolve_consortium(session: Session, origin: Origin, *, single_token: bool, timezone: str = "UTC") -> str:
    """The consortium of a request; an installation seen for the first time is linked on the way."""
    if not is_direct(origin.channel_id):
        owner = store.channel_consortium(session, channel_id=str(origin.channel_id))
        if owner is not None:
            return owner
    workspace = installation_id(origin)
    if workspace:
        linked = store.consortium_of_workspace(session, workspace_id=workspace)
        if linked is not None:
            return linked
    if origin.user_id and is_direct(origin.channel_id):
        mine = store.consortia_of_member(session, user_id=origin.user_id)
        if len(mine) == 1:
            return mine[0]
    if not workspace:
        raise ServiceError("This request has no workspace id.")
    existing = store.list_consortium_ids(session) if single_token else []
    consortium_id = existing[0] if existing else workspace
    store.ensure_consortium(session, consortium_id=consortium_id, timezone=timezone)
    return store.link_workspace(session, workspace_id=workspace, consortium_id=consortium_id,
                                is_enterprise_install=origin.is_enterprise_install)


def claim_channel(session: Session, *, channel_id: str, consortium_id: str, team_id: str | None) -> bool:
    """Record that a consortium records in a channel; False when the channel belongs to another consortium."""
    if is_direct(channel_id):
        return True
    return store.claim_channel(session, channel_id=channel_id, consortium_id=consortium_id,
                               team_id=team_id) == consortium_id
