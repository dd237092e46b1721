"""`/group`: create stakeholder groups, manage members and check-in schedules, list and show them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.runtime import Runtime
from bot.services import checkins as checkin_service
from bot.services import groups as service
from bot.services.access import add_facilitators
from bot.services.organisations import is_external
from bot.values import ParseError
from handlers.groups.blocks import group_list_blocks, group_show_blocks, schedule_reply, schedule_text
from handlers.groups.grammar import (
    USAGE,
    FacilitatorAdd,
    GroupAdd,
    GroupCommand,
    GroupCreate,
    GroupList,
    GroupObserver,
    GroupRemove,
    GroupSchedule,
    GroupShow,
    parse_group_command,
)
from handlers.shared.blocks import fallback_text, safe
from handlers.shared.commands import SlashCall, slash_command
from handlers.shared.people import RememberingNames
from handlers.shared.replies import reply
from handlers.shared.workspaces import know_workspace_names

MAX_CHECKED_USERS = 25


def _people(users: Sequence[str]) -> str:
    return ", ".join(f"<@{u}>" for u in users)


def _check_users(client: Any, user_ids: Sequence[str], *, unknown_ok: bool = False,
                 teams: dict[str, str] | None = None, enterprises: dict[str, str] | None = None) -> list[str]:
    """Refuse bots, deactivated accounts and users Slack does not know (explained, not guessed).

    With ``unknown_ok`` a user Slack does not know here (``user_not_found``: what ``users.info``
    answers for many members of another organisation's workspace in a Slack Connect channel) is
    accepted instead; those users are returned. ``teams`` gets the workspace of each user Slack describes,
    ``enterprises`` the Enterprise Grid org of each user Slack places in one.
    """
    unknown: list[str] = []
    for user_id in list(user_ids)[:MAX_CHECKED_USERS]:
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as err:
            if err.response.get("error") == "user_not_found":
                if unknown_ok:
                    unknown.append(user_id)
                    continue
                raise ParseError(f"I can't find <@{user_id}> in this workspace.", USAGE.text) from None
            return unknown  # Slack won't say (e.g. a missing scope): don't block the facilitator on it
        if user.get("deleted"):
            raise ParseError(f"<@{user_id}> has a deactivated account.")
        if user.get("is_bot"):
            raise ParseError(f"<@{user_id}> is a bot; groups are for people.")
        if teams is not None and user.get("team_id"):
            teams[user_id] = str(user["team_id"])
        grid = user.get("enterprise_user")
        if enterprises is not None and isinstance(grid, dict) and grid.get("enterprise_id"):
            enterprises[user_id] = str(grid["enterprise_id"])
    return unknown


def _create(rt: Runtime, parsed: GroupCreate, *, consortium_id: str, user_id: str) -> str:
    with rt.session() as session:
        group = service.create_group(session, settings=rt.settings, consortium_id=consortium_id, actor_id=user_id,
                                     name=parsed.name, channel_id=parsed.channel_id, timezone=parsed.timezone,
                                     sector=parsed.sector, now=rt.clock.now())
    name = safe(group.name)
    channel = f"<#{group.channel_id}>" if group.channel_id else "no channel"
    return (f"Created the group *{name}* — zone {group.timezone}, {channel}"
            f"{f', sector {safe(group.sector)}' if group.sector else ''}.\n"
            f"Next: `/group add {name} @user…` and `/group schedule {name} <days> <HH:MM>`.")


def _members(rt: Runtime, client: Any, parsed: GroupAdd | GroupRemove | GroupObserver, *, consortium_id: str,
             user_id: str) -> str:
    observer = isinstance(parsed, GroupObserver)
    add = parsed.add if isinstance(parsed, GroupObserver) else isinstance(parsed, GroupAdd)
    teams: dict[str, str] = {}
    enterprises: dict[str, str] = {}
    unknown = (_check_users(client, parsed.user_ids, unknown_ok=True, teams=teams, enterprises=enterprises)
               if add else [])
    # Members of the consortium's own Grid org (installed org-wide) come from no other workspace.
    teams = {user: team for user, team in teams.items()
             if is_external(consortium_id=consortium_id, team_id=team, enterprise_id=enterprises.get(user))}
    know_workspace_names(rt, client, consortium_id=consortium_id, member_teams=teams)
    with rt.session() as session:
        group, changed, unchanged = service.change_members(
            session, settings=rt.settings, consortium_id=consortium_id, actor_id=user_id, name=parsed.name,
            user_ids=parsed.user_ids, add=add, now=rt.clock.now(), member_teams=teams, observer=observer)
    name = safe(group.name)
    lines = []
    if changed:
        what = " as observers (they take no position)" if observer and add else " as observers" if observer else ""
        lines.append(f"{'Added' if add else 'Removed'} {_people(changed)} {'to' if add else 'from'} *{name}*{what}.")
    if unchanged:
        said = (("Already observers of" if add else "Not observers of") if observer
                else ("Already in" if add else "Not members of"))
        lines.append(f"{said} *{name}*: {_people(unchanged)}.")
    unseen = [u for u in changed if u in unknown]
    if unseen:
        who = "a member" if len(unseen) == 1 else "members"
        lines.append(f"Note: added {_people(unseen)}, whom I can't look up in this workspace — probably {who} of "
                     "another organisation's workspace in a shared channel.")
    return "\n".join(lines)


def _schedule(rt: Runtime, parsed: GroupSchedule, *, consortium_id: str, user_id: str) -> str:
    now = rt.clock.now()
    with rt.session() as session:
        group = service.set_schedule(session, settings=rt.settings, consortium_id=consortium_id, actor_id=user_id,
                                     name=parsed.name, days=None if parsed.off else parsed.days,
                                     at=None if parsed.off else parsed.at, now=now)
    rt.wake_scheduler()
    return schedule_reply(group, service.next_checkin(group, after=now))


def _facilitators(rt: Runtime, client: Any, parsed: FacilitatorAdd, *, consortium_id: str, user_id: str) -> str:
    _check_users(client, parsed.user_ids)
    with rt.session() as session:
        added = add_facilitators(session, settings=rt.settings, consortium_id=consortium_id, actor_id=user_id,
                                 user_ids=list(parsed.user_ids))
    already = [u for u in parsed.user_ids if u not in added]
    lines = [f"{_people(added)} can now administer groups, schedules and records."] if added else []
    if already:
        lines.append(f"Already facilitators: {_people(already)}.")
    return "\n".join(lines)


@slash_command(USAGE, lambda call: parse_group_command(call.text))
def handle_group_command(call: SlashCall, parsed: GroupCommand) -> None:
    """`/group …`: call the service, answer the invoker."""
    rt, respond, client = call.rt, call.respond, RememberingNames(call.client)
    consortium_id = call.consortium_id
    who = {"consortium_id": consortium_id, "user_id": call.user_id}
    if isinstance(parsed, GroupCreate):
        reply(respond, _create(rt, parsed, **who))
    elif isinstance(parsed, GroupAdd | GroupRemove | GroupObserver):
        reply(respond, _members(rt, client, parsed, **who))
    elif isinstance(parsed, GroupSchedule):
        reply(respond, _schedule(rt, parsed, **who))
    elif isinstance(parsed, FacilitatorAdd):
        reply(respond, _facilitators(rt, client, parsed, **who))
    elif isinstance(parsed, GroupList):
        with rt.session() as session:
            infos = service.list_group_infos(session, consortium_id=consortium_id, now=rt.clock.now())
        reply(respond, "Stakeholder groups", group_list_blocks(infos))
    elif isinstance(parsed, GroupShow):
        with rt.session() as session:
            info = service.group_info(session, consortium_id=consortium_id, name=parsed.name, now=rt.clock.now())
            failed = checkin_service.summary_failure(session, consortium_id=consortium_id, group_id=info.group.id or 0)
        reply(respond, fallback_text(f"{info.group.name}: {schedule_text(info.group)}"),
              group_show_blocks(info, summary_failed=failed))
    client.remember(rt, team_id=str(call.command.get("team_id") or consortium_id))  # whom users.info described,
    # for the terminal's digest
