"""The workspace a member comes from, and the organisation it gives them by default.

Slack says which workspace the user behind a request belongs to: a slash command's ``team_id``,
an event's ``user_team`` (or its ``event.user_team``), an interaction's ``user.team_id``. A member
from another workspace than the consortium's defaults to that workspace's organisation, named as
`team.info` names the workspace. The name is looked up in Accord's cache; only when it is unknown,
or a day old, is Slack asked — once per workspace and day, after the ack, never per record.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.runtime import Runtime
from bot.services import organisations
from handlers.shared.blocks import escape

logger = logging.getLogger("accord.handlers")


def user_team(body: Mapping[str, Any]) -> str | None:
    """The workspace of the user behind an interaction or event payload, when Slack says."""
    user = body.get("user")
    if isinstance(user, Mapping) and user.get("team_id"):
        return str(user["team_id"])
    event = body.get("event")
    for source in (event if isinstance(event, Mapping) else {}, body):
        if source.get("user_team"):
            return str(source["user_team"])
    return None


def workspace_name(client: Any, team_id: str) -> str | None:
    """What `team.info` calls a workspace, escaped as Slack escapes command text (as names typed in commands
    are kept); None when Slack won't say."""
    try:
        team = client.team_info(team=team_id).get("team") or {}
    except SlackApiError as err:
        logger.warning("team_info_failed team=%s error=%s", team_id, err.response.get("error"))
        return None
    name = team.get("name")
    return escape(" ".join(name.split())) if isinstance(name, str) and name.strip() else None


def apply_member_default(rt: Runtime, *, consortium_id: str, user_id: str, team_id: str | None,
                         enterprise_id: str | None = None) -> bool:
    """Give a member from another workspace that workspace's organisation, unless they have one, from what
    Accord knows (no Slack call: fit before an ack). Whether the workspace's name should be learnt first.
    ``enterprise_id``: the Enterprise Grid org of the member's workspace (Bolt's ``actor_enterprise_id``)."""
    if not organisations.is_external(consortium_id=consortium_id, team_id=team_id, enterprise_id=enterprise_id):
        return False
    now = rt.clock.now()
    with rt.session() as session:
        if organisations.needs_workspace_name(session, consortium_id=consortium_id, user_id=user_id,
                                              team_id=team_id, now=now, enterprise_id=enterprise_id):
            return True
        organisations.apply_workspace_default(session, consortium_id=consortium_id, user_id=user_id,
                                              team_id=team_id, now=now, enterprise_id=enterprise_id)
    return False


def learn_workspace_name(rt: Runtime, client: Any, *, consortium_id: str, user_id: str, team_id: str | None,
                         enterprise_id: str | None = None) -> None:
    """Ask Slack for a workspace's name, keep it, and give the member its organisation unless they have one."""
    name = workspace_name(client, team_id) if team_id else None
    now = rt.clock.now()
    with rt.session() as session:
        if name is not None and team_id is not None:
            organisations.remember_workspace_name(session, team_id=team_id, name=name, now=now)
        organisations.apply_workspace_default(session, consortium_id=consortium_id, user_id=user_id,
                                              team_id=team_id, now=now, enterprise_id=enterprise_id)


def note_member_workspace(rt: Runtime, client: Any, *, consortium_id: str, user_id: str,
                          team_id: str | None, enterprise_id: str | None = None) -> None:
    """Before recording for a member (after the ack): give one from another workspace that workspace's
    organisation, unless they have one, learning the workspace's name first when it is unknown or stale.
    A member of a workspace of the Grid org a consortium is installed in (``enterprise_id``) is at home."""
    if apply_member_default(rt, consortium_id=consortium_id, user_id=user_id, team_id=team_id,
                            enterprise_id=enterprise_id):
        learn_workspace_name(rt, client, consortium_id=consortium_id, user_id=user_id, team_id=team_id,
                             enterprise_id=enterprise_id)


def know_workspace_names(rt: Runtime, client: Any, *, consortium_id: str, member_teams: Mapping[str, str]) -> None:
    """Learn the names of the workspaces members come from, where unknown or stale (once each), so that
    recording for them can give them their workspace's organisation."""
    now = rt.clock.now()
    for team_id in dict.fromkeys(member_teams.values()):
        if not organisations.is_external(consortium_id=consortium_id, team_id=team_id):
            continue
        with rt.session() as session:
            fresh = organisations.workspace_name_is_fresh(session, team_id=team_id, now=now)
        name = None if fresh else workspace_name(client, team_id)
        if name is not None:
            with rt.session() as session:
                organisations.remember_workspace_name(session, team_id=team_id, name=name, now=now)
