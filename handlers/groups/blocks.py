"""Replies of `/group`: a group's schedule and next check-in in its own zone, the group list and details."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services.groups import GroupInfo
from handlers.shared.blocks import Block, bulleted, context, fit_blocks, safe, section, sections, slack_date
from storage.models import CheckinRound, StakeholderGroup

DAY_LABELS = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"}
MAX_MEMBERS = 100


def days_label(days: str) -> str:
    """``mon,tue,wed,thu,fri`` → ``weekdays``; ``mon,thu`` → ``Mon, Thu``."""
    parts = [d for d in days.split(",") if d]
    if len(parts) == 7:
        return "every day"
    if parts == ["mon", "tue", "wed", "thu", "fri"]:
        return "weekdays"
    if parts == ["sat", "sun"]:
        return "weekends"
    return ", ".join(DAY_LABELS.get(d, d) for d in parts)


def local_time(moment: datetime, zone: str) -> str:
    """A moment as the group's clock shows it, e.g. ``Mon 30 Nov 2026, 09:00 IST``."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y, %H:%M %Z")


def schedule_text(group: StakeholderGroup) -> str:
    """``Mon, Thu at 09:00 (Asia/Kolkata)``, or that no check-ins are scheduled."""
    if not group.checkin_days or not group.checkin_time:
        return f"no check-ins scheduled (zone {group.timezone})"
    return f"{days_label(group.checkin_days)} at {group.checkin_time} ({group.timezone})"


def next_text(group: StakeholderGroup, moment: datetime | None) -> str:
    """The next check-in in the group's zone, and in the reader's own."""
    if moment is None:
        return "none scheduled"
    return f"{local_time(moment, group.timezone)} ({slack_date(moment, '{date_short_pretty} at')} your time)"


def _title(group: StakeholderGroup) -> str:
    sector = f" _({safe(group.sector)})_" if group.sector else ""
    return f"*{safe(group.name)}*{sector}"


def _mentions(users: Sequence[str], limit: int = MAX_MEMBERS) -> str:
    if not users:
        return "nobody yet"
    shown = ", ".join(f"<@{u}>" for u in users[:limit])
    return shown + (f" and {len(users) - limit} more" if len(users) > limit else "")


def group_line(info: GroupInfo) -> str:
    """One line of `/group list`."""
    g = info.group
    channel = f"<#{g.channel_id}>" if g.channel_id else "no channel"
    members = f"{len(info.member_ids)} member{'s' if len(info.member_ids) != 1 else ''}"
    return f"{_title(g)} — {members}, {channel}, {schedule_text(g)}; next check-in: {next_text(g, info.next_checkin)}"


def group_list_blocks(infos: Sequence[GroupInfo]) -> list[Block]:
    """`/group list`."""
    if not infos:
        return [section("*Stakeholder groups*\nNo groups yet. A facilitator creates one with "
                        "`/group create <name> [#channel] [tz <zone>] [sector <sector>]`.")]
    lines = [group_line(info) for info in infos]
    return fit_blocks([section(f"*Stakeholder groups ({len(infos)})*"),
                       *sections(bulleted(lines, limit=40, more="see `/group show <name>`"))])


def group_show_blocks(info: GroupInfo, *, summary_failed: tuple[CheckinRound, str] | None = None) -> list[Block]:
    """`/group show <name>`: members, channel, zone, schedule, next check-in, the open round.

    ``summary_failed``: the last closed round and Slack's answer, when its summary could not be posted.
    """
    g = info.group
    facts = [
        f"*Channel:* {f'<#{g.channel_id}>' if g.channel_id else 'none'}",
        f"*Zone:* {g.timezone}",
        f"*Check-ins:* {schedule_text(g)}",
        f"*Next check-in:* {next_text(g, info.next_checkin)}",
        f"*Members ({len(info.member_ids)}):* {_mentions(info.member_ids)}",
    ]
    if info.observer_ids:
        facts.append(f"*Observers* (receive everything, take no position): {_mentions(info.observer_ids)}")
    blocks = [section(_title(g)), *sections("\n".join(facts))]
    state = info.open_round
    if state is not None:
        note = (f"Check-in round #{state.round.id} is open: {state.answered} of {state.asked} answered; "
                f"it closes {slack_date(state.round.closes_at)}.")
        if state.failed:
            note += f" :warning: {state.failed} prompt(s) could not be delivered."
        blocks.append(context(note))
    if summary_failed is not None:
        round_, error = summary_failed
        blocks.append(context(f":warning: The summary of check-in round #{round_.id} could not be posted in "
                              f"<#{g.channel_id}>: Slack answered `{safe(error)}`."))
    return fit_blocks(blocks)


def schedule_reply(group: StakeholderGroup, moment: datetime | None) -> str:
    """The answer to `/group schedule`."""
    if not group.checkin_days:
        return f"Check-ins of {_title(group)} are off."
    return (f"Check-ins of {_title(group)}: {schedule_text(group)}.\n"
            f"Next check-in: {next_text(group, moment)}.")
