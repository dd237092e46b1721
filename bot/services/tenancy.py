"""Which consortium a request belongs to.

In this order: by its **channel** (a channel belongs to the consortium that first recorded in it;
a shared channel has one id in every workspace); by its **installation** (the workspace's id, or
the Enterprise Grid org's id for an org-wide install); for direct messages and App Home by the
user's memberships. An installation seen for the first time is linked: with a single bot token
to the one consortium there is, under OAuth to a new consortium of its own (id = its id).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings
from bot.services import Forbidden, Invalid, ServiceError
from bot.services.access import is_facilitator
from storage import teams as store
from storage.origin import recording_from as recording_from
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


def installations_of(session: Session, workspace_or_consortium: str,
                     channel_id: str | None = None) -> list[tuple[str, bool]]:
    """Where to look for a bot token, as (workspace id, org-wide install): for a channel, the workspace
    it was first recorded from; then the workspace itself; then every workspace of the consortium
    (the one it is named after first, then by age)."""
    found: list[tuple[str, bool]] = []
    if channel_id and not is_direct(channel_id):
        home = store.channel_workspace(session, channel_id=channel_id)
        ws = store.workspace(session, workspace_id=home) if home else None
        if ws is not None:
            found.append((ws.id, ws.is_enterprise_install))
    own = store.workspace(session, workspace_id=workspace_or_consortium)
    if own is not None and (own.id, own.is_enterprise_install) not in found:
        found.append((own.id, own.is_enterprise_install))
    consortium_id = own.consortium_id if own is not None else workspace_or_consortium
    for ws in store.workspaces_of(session, consortium_id=consortium_id):
        if (ws.id, ws.is_enterprise_install) not in found:
            found.append((ws.id, ws.is_enterprise_install))
    if not found:
        found.append((workspace_or_consortium, False))
    return found


INVITE_VALID = timedelta(hours=24)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or retyped without mistakes
CODE_LENGTH = 12


def _code_hash(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def create_invite(session: Session, *, settings: Settings, consortium_id: str, user_id: str,
                  now: datetime) -> tuple[str, datetime]:
    """A facilitator's one-time code for another installation to join: (code, valid until)."""
    if not is_facilitator(session, settings=settings, consortium_id=consortium_id, user_id=user_id):
        raise Forbidden("Only facilitators can invite another workspace. Ask a facilitator, or see `/accord help`.")
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    code = "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))
    expires_at = now + INVITE_VALID
    store.add_invite(session, consortium_id=consortium_id, code_hash=_code_hash(code), created_by=user_id,
                     now=now, expires_at=expires_at)
    store.write_audit(session, consortium_id=consortium_id, actor_id=user_id, action="invite.create",
                      entity="consortium", entity_id=consortium_id, detail={"expires_at": expires_at.isoformat()})
    return code, expires_at


def join_with_code(session: Session, *, settings: Settings, code: str, origin: Origin, now: datetime) -> str:
    """Link the installation a request came from to the consortium that made ``code``; that consortium.

    Run in the joining workspace by a facilitator of its consortium so far (the installer is one);
    refused while that consortium has records of its own, so nothing is left behind or mixed.
    """
    workspace = installation_id(origin)
    user_id = origin.user_id or ""
    if not workspace:
        raise ServiceError("This request has no workspace id.")
    invite = store.find_invite(session, code_hash=_code_hash(code))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise Invalid("That code is not valid: it may be mistyped, used already or older than 24 hours. "
                      "Ask a facilitator of the consortium for a new one (`/accord invite`).")
    current = store.consortium_of_workspace(session, workspace_id=workspace)
    if current == invite.consortium_id:
        raise Invalid("This workspace already belongs to that consortium.")
    # Every installation has a consortium of its own from its first request (its installer is its
    # facilitator): one that has none yet has no one who may speak for it.
    if current is None or not is_facilitator(session, settings=settings, consortium_id=current, user_id=user_id):
        raise Forbidden("Only the person who installed Accord here or a facilitator can join this "
                        "workspace to a consortium.")
    if store.has_records(session, consortium_id=current):
        raise Invalid("This workspace already keeps a record of its own in Accord (groups, decisions, "
                      "commitments or proposals), so it cannot join another consortium: the two records "
                      "would mix. Export it first (`accord export`) and ask your administrator.")
    assert invite.id is not None
    if not store.use_invite(session, invite_id=invite.id, user_id=user_id, workspace_id=workspace, now=now):
        raise Invalid("That code was just used. Ask a facilitator of the consortium for a new one.")
    store.move_workspace(session, workspace_id=workspace, consortium_id=invite.consortium_id)
    store.write_audit(session, consortium_id=current, actor_id=user_id, action="workspace.leave",
                      entity="workspace", entity_id=workspace, detail={"joined": invite.consortium_id})
    store.write_audit(session, consortium_id=invite.consortium_id, actor_id=user_id, action="workspace.join",
                      entity="workspace", entity_id=workspace, detail={"invited_by": invite.created_by})
    return invite.consortium_id
