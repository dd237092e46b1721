"""What a listener knows of its request: the process runtime, the workspace, and claiming a delivery once."""

from __future__ import annotations

from slack_bolt import BoltContext

from bot.runtime import Runtime
from bot.services import ServiceError
from bot.services.deliveries import claim_delivery
from storage.types import Session

RUNTIME_KEY = "accord_runtime"


def runtime(context: BoltContext) -> Runtime:
    """The process runtime, put on every request's context by the app factory."""
    rt = context.get(RUNTIME_KEY)
    assert isinstance(rt, Runtime), "the app factory installs the runtime middleware"
    return rt


def team_of(context: BoltContext) -> str:
    """The Slack team (workspace) of a request."""
    team_id = context.team_id or context.enterprise_id
    if not team_id:
        raise ServiceError("This request has no workspace id.")
    return team_id


def once(session: Session, *, team_id: str, key: str) -> bool:
    """Claim a Slack delivery in the caller's transaction; False when it was already handled."""
    return claim_delivery(session, team_id=team_id, key=key)
