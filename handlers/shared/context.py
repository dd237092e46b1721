"""What a listener knows of its request: the process runtime, the workspace, and claiming a delivery once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt import BoltContext

from bot.runtime import Runtime
from bot.services import ServiceError
from bot.services.deliveries import claim_delivery
from bot.services.tenancy import Origin
from storage.types import Session

RUNTIME_KEY = "accord_runtime"
CONSORTIUM_KEY = "accord_consortium"


def runtime(context: BoltContext) -> Runtime:
    """The process runtime, put on every request's context by the app factory."""
    rt = context.get(RUNTIME_KEY)
    assert isinstance(rt, Runtime), "the app factory installs the runtime middleware"
    return rt


def origin_of(context: BoltContext) -> Origin:
    """Where a request comes from, as Bolt read it off the payload (no database work)."""
    return Origin(team_id=context.team_id, enterprise_id=context.enterprise_id,
                  is_enterprise_install=bool(context.is_enterprise_install), channel_id=context.channel_id,
                  user_id=context.user_id)


def team_of(context: BoltContext) -> str:
    """The consortium a request belongs to: by its channel, its installation, or (direct messages,
    App Home) its user's memberships. Resolved on first use, after the ack, then kept on the context."""
    found = context.get(CONSORTIUM_KEY)
    if isinstance(found, str):
        return found
    origin = origin_of(context)
    if not (origin.team_id or origin.enterprise_id):
        raise ServiceError("This request has no workspace id.")
    consortium_id = runtime(context).consortium_of(origin)
    context[CONSORTIUM_KEY] = consortium_id
    return consortium_id


def workspace_of(context: BoltContext, body: Mapping[str, Any] | None = None) -> str | None:
    """The workspace the acting user belongs to (in a Slack Connect channel, not always the installation's).

    An interaction names the user's workspace (``user.team_id``) even where Bolt reads the installation's
    (a form opened through another workspace's installation: ``view.app_installed_team_id``).
    """
    user = (body or {}).get("user")
    if isinstance(user, Mapping) and str(user.get("team_id") or "").startswith("T"):
        return str(user["team_id"])
    return context.actor_team_id or context.team_id or context.enterprise_id


def once(session: Session, *, team_id: str, key: str) -> bool:
    """Claim a Slack delivery in the caller's transaction; False when it was already handled."""
    return claim_delivery(session, team_id=team_id, key=key)
