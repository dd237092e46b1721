"""The digest as a Slack message (Block Kit) and as plain text for a terminal.

Both renderings come from the same section builders, which write through a small formatter:
:class:`SlackFormat` makes mrkdwn (user text through ``safe()``, mentions, Slack date tokens for
instants, links) and :class:`TextFormat` makes plain text (display names, readable dates, no markup).
Long lists end with "and N more" and a pointer; the message always fits Slack's limits. The
footer says how many of Accord's posts Slack refused for good during the period, when any did.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from bot.services.consensus import CHOICES, OUTCOME_LABELS
from bot.services.digests import Digest, ProposalStatus
from handlers.shared.blocks import (
    MAX_BLOCKS,
    Block,
    context,
    divider,
    fit_blocks,
    header,
    plain_date,
    safe,
    section,
    sections,
    slack_date,
    truncate,
    unescape,
)

COMMITMENT_LINES = 40
MORE_COMMITMENTS = "see `/commit list all` or the App Home"
MORE_DECISIONS = "see `/decision list` or `accord export decisions`"
MORE_PROPOSALS = "see the proposals' messages or `accord export proposals`"
ICONS = {"decisions": ":memo:", "review": ":calendar:", "commitments": ":handshake:",
         "proposals": ":ballot_box_with_ballot:", "checkins": ":speech_balloon:", "balance": ":scales:",
         "carried_out": ":bar_chart:"}


class SlackFormat:
    """mrkdwn for Slack: user text made safe, users mentioned, instants in each reader's zone."""

    slack = True

    def text(self, raw: str, limit: int = 300) -> str:
        return truncate(safe(" ".join(raw.split())), limit)

    def user(self, user_id: str) -> str:
        return f"<@{user_id}>"

    def day(self, value: date) -> str:
        return plain_date(value)  # a calendar date: the same day for every reader

    def moment(self, value: datetime) -> str:
        return slack_date(value, "{date_short_pretty}")

    def link(self, url: str | None, label: str) -> str:
        return f"<{url}|{label}>" if url else label

    def bold(self, value: str) -> str:
        return f"*{value}*"

    def title(self, key: str, value: str) -> str:
        return f"{ICONS[key]} *{value}*"

    def more(self, rest: int, pointer: str) -> str:
        return f"_…and {rest} more — {pointer}_"


_MENTION = re.compile(r"<([@#!])([^<>|]*)(?:\|([^<>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^<>|]+)(?:\|([^<>]*))?>")


class TextFormat:
    """Plain text for a terminal: display names instead of ids, readable dates, no markup."""

    slack = False

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        self.names = dict(names or {})

    def _token(self, match: re.Match[str]) -> str:
        kind, ident, label = match.groups()
        if kind == "@":
            return self.user(ident) if ident in self.names or not label else f"@{label}"
        if kind == "#":
            return f"#{label or ident}"
        return "@" + (label or ident.split("^")[-1]).lstrip("@")

    def text(self, raw: str, limit: int = 300) -> str:
        plain = _LINK.sub(lambda m: m.group(2) or m.group(1), " ".join(raw.split()))
        return truncate(unescape(_MENTION.sub(self._token, plain)), limit)

    def user(self, user_id: str) -> str:
        return "@" + self.names.get(user_id, user_id)

    def day(self, value: date) -> str:
        return plain_date(value)

    def moment(self, value: datetime) -> str:
        return value.strftime("%Y-%m-%d %H:%M UTC")

    def link(self, url: str | None, label: str) -> str:
        return label

    def bold(self, value: str) -> str:
        return value

    def title(self, key: str, value: str) -> str:
        return value.upper()

    def more(self, rest: int, pointer: str) -> str:
        return f"…and {rest} more — {pointer.replace('`', '')}"


Format = SlackFormat | TextFormat


def _bullets(lines: list[str], *, total: int, limit: int, pointer: str, fmt: Format) -> list[str]:
    shown = [f"• {line}" for line in lines[:limit]]
    rest = total - len(shown)
    if rest > 0:
        shown.append(fmt.more(rest, pointer))
    return shown


def title_text(digest: Digest) -> str:
    """The digest's heading: whose items it covers."""
    names = digest.scope_names
    return f"Digest: {', '.join(names)}" if names else "Consortium digest"


def _n(count: int, noun: str, fmt: Format | None = None) -> str:
    number = fmt.bold(str(count)) if fmt is not None else str(count)
    return f"{number} {noun}{'' if count == 1 else 's'}"


def summary_line(digest: Digest, fmt: Format) -> str:
    """Counts at a glance."""
    def n(count: int, noun: str) -> str:
        return _n(count, noun, fmt)

    return (f"{n(digest.decisions_total, 'decision')} taken · {n(digest.open_total, 'open commitment')} "
            f"({fmt.bold(str(digest.overdue_total))} overdue) · {n(digest.proposals_total, 'open proposal')}")


def decision_lines(digest: Digest, fmt: Format) -> list[str]:
    """Decisions taken in the period, with permalinks."""
    lines = [fmt.title("decisions", "Decisions taken")]
    if not digest.decisions_total:
        return [*lines, "No decisions recorded in this period."]
    items = []
    for d in digest.decisions:
        status = "" if d.status == "active" else f" ({d.status})"
        if d.superseded_by:
            status = f" (superseded by #{d.superseded_by})"
        if d.supersedes:
            status += f" — supersedes #{d.supersedes}"
        why = f" — why: {fmt.text(d.rationale, 200)}" if d.rationale else ""
        items.append(f"{fmt.link(d.permalink, f'#{d.id}')} {fmt.text(d.text)}{status} — "
                     f"{fmt.user(d.recorded_by)}, {fmt.moment(d.created_at)}{why}")
    return lines + _bullets(items, total=digest.decisions_total, limit=len(items), pointer=MORE_DECISIONS,
                            fmt=fmt)


def review_lines(digest: Digest, fmt: Format) -> list[str]:
    """Decisions due for review (their review day is today or past); nothing when none is."""
    if not digest.due_for_review_total:
        return []
    items = [f"{fmt.link(d.permalink, f'#{d.id}')} {fmt.text(d.text)} — review "
             f"{'due today' if d.review_on == digest.today else 'was due ' + fmt.day(d.review_on)}"
             for d in digest.due_for_review if d.review_on is not None]
    return [fmt.title("review", "Due for review"),
            *_bullets(items, total=digest.due_for_review_total, limit=len(items), pointer=MORE_DECISIONS, fmt=fmt)]


def commitment_lines(digest: Digest, fmt: Format) -> list[str]:
    """Open commitments by stakeholder group, overdue first, owners mentioned."""
    lines = [fmt.title("commitments", "Open commitments")]
    if not digest.commitments:
        return [*lines, "Nothing open. Record one with `/commit <text> [@owner] [by <date>]`."]
    budget = COMMITMENT_LINES
    for group in digest.commitments:
        late = f", {group.overdue} overdue" if group.overdue else ""
        lines.append(f"{fmt.bold(fmt.text(group.name, 80))} — {group.total} open{late}")
        items = []
        for c in group.shown[:budget]:
            due = ""
            if c.due_date is not None:
                due = (f" — :warning: overdue, was due {fmt.day(c.due_date)}" if c.due_date < digest.today
                       else f" — due {fmt.day(c.due_date)}")
                due = due if fmt.slack else due.replace(":warning: ", "")
            owner = fmt.user(c.owner_id) + (f" ({fmt.text(c.organisation, 80)})" if c.organisation else "")
            items.append(f"{fmt.link(c.permalink, f'#{c.id}')} {owner}: {fmt.text(c.text, 200)}{due}")
        budget -= len(items)
        lines += _bullets(items, total=group.total, limit=len(items), pointer=MORE_COMMITMENTS, fmt=fmt)
    return lines


def carried_out_lines(digest: Digest, fmt: Format) -> list[str]:
    """Decisions that open commitments carry out, with how many of their commitments are done."""
    if not digest.carried_out:
        return []
    items = [f"{fmt.link(p.decision.permalink, f'#{p.decision.id}')} {fmt.text(p.decision.text, 150)} — "
             f"{p.done} of {p.total} commitments done" for p in digest.carried_out]
    return [fmt.title("carried_out", "Decisions being carried out"),
            *_bullets(items, total=digest.carried_out_total, limit=len(items), pointer="`/decision list`", fmt=fmt)]


def _group_counts(status: ProposalStatus, digest: Digest) -> str:
    parts = []
    for gid, counts in status.tally.by_group.items():
        label = digest.group_names.get(gid, "no group") if gid is not None else "no group"
        said = ", ".join(f"{counts[c]} {c}" for c in CHOICES if counts[c])
        if said:
            parts.append(f"{label}: {said}")
    return " · ".join(sorted(parts))


def proposal_lines(digest: Digest, fmt: Format) -> list[str]:
    """Open proposals with their consensus status by group, and those closed in the period."""
    lines = [fmt.title("proposals", "Proposals")]
    if not digest.proposals_total and not digest.closed:
        return [*lines, "No open proposals."]
    for status in digest.proposals:
        p, t = status.proposal, status.tally
        overall = " · ".join(f"{t.overall[c]} {c}" for c in CHOICES)
        title = fmt.bold(f"#{p.id} " + fmt.text(p.title, 150))
        if p.hidden:  # no tallies until it closes: only which groups have been heard from
            heard = sorted((digest.group_names.get(g, "?") for g in t.heard), key=str.casefold)
            lines.append(f"• {title} — closes {fmt.moment(p.closes_at)}; hidden until it closes"
                         + (f"; heard from: {fmt.text(', '.join(heard), 600)}" if heard else ""))
        else:
            lines.append(f"• {title} — closes {fmt.moment(p.closes_at)}; "
                         f"if it closed now: {fmt.bold(OUTCOME_LABELS[t.outcome])} ({overall})")
        if not p.hidden and (by_group := _group_counts(status, digest)):
            lines.append(f"   {fmt.text(by_group, 600)}")
        if t.silent_groups:
            names = (digest.group_names.get(g, "?") for g in t.silent_groups)
            silent = ", ".join(sorted(names, key=str.casefold))
            lines.append(f"   Not yet heard from: {fmt.text(silent, 600)}")
    if digest.proposals_total > len(digest.proposals):
        lines.append(fmt.more(digest.proposals_total - len(digest.proposals), MORE_PROPOSALS))
    for p in digest.closed:
        outcome = OUTCOME_LABELS.get(p.outcome or "", p.outcome or "closed")
        lines.append(f"• Closed: #{p.id} {fmt.text(p.title, 150)} — {fmt.bold(outcome)}")
    return lines


def checkin_lines(digest: Digest, fmt: Format) -> list[str]:
    """Check-in participation by group in the period (answered / asked)."""
    lines = [fmt.title("checkins", "Check-ins")]
    for p in digest.participation:
        rounds = _n(p.rounds, "round")
        lines.append(f"• {fmt.text(p.name, 80)}: {p.answered} of {p.asked} answered ({rounds})")
    if digest.silent_checkin_groups:
        lines.append("No check-in this period: " + fmt.text(", ".join(digest.silent_checkin_groups), 1000))
    if len(lines) == 1:
        lines.append("No stakeholder groups yet: create one with `/group create <name>`.")
    return lines


def balance_lines(digest: Digest, fmt: Format) -> list[str]:
    """Which groups were least heard this period, relative to their size."""
    heading = fmt.title("balance", "Balance")
    if not digest.voices:
        return [heading, "No stakeholder groups with members yet."]
    if not any(v.positions + v.answers for v in digest.voices):
        return [heading, "No group took a position or answered a check-in this period."]
    if not digest.least_heard:
        return [heading, "Every group was heard about equally this period."]
    named = "; ".join(f"{fmt.text(v.name, 80)} ({_n(v.positions, 'position')}, "
                      f"{_n(v.answers, 'check-in answer')}, {_n(v.members, 'member')})"
                      for v in digest.least_heard)
    return [heading, f"Least heard this period: {named}"]


def undelivered_line(digest: Digest, fmt: Format) -> str | None:
    """How many of Accord's posts Slack refused for good this period (None when none was)."""
    if not digest.undelivered:
        return None
    n = digest.undelivered
    line = (f"{n} post{'' if n == 1 else 's'} could not be delivered this period "
            "(check the logs for `delivery_failed`).")
    return f":warning: {line}" if fmt.slack else line


def _period(digest: Digest, fmt: Format) -> str:
    return f"From {fmt.moment(digest.period_start)} to {fmt.moment(digest.period_end)}"


def fallback(digest: Digest) -> str:
    """The notification text of a digest message."""
    return truncate(f"{title_text(digest)}: " + summary_line(digest, TextFormat()), 300)


PARTS = (decision_lines, review_lines, commitment_lines, carried_out_lines, proposal_lines, checkin_lines,
         balance_lines)


def digest_blocks(digest: Digest) -> list[Block]:
    """The digest message: at most 50 blocks, every section within 3000 characters."""
    fmt = SlackFormat()
    blocks: list[Block] = [header(title_text(digest)), context(_period(digest, fmt)),
                           section(summary_line(digest, fmt))]
    for part in PARTS:
        if lines := part(digest, fmt):
            blocks += [divider(), *sections("\n".join(lines))]
    footer = context(undelivered_line(digest, fmt) or "",
                     "Your own items are on Accord's App Home · `/digest preview` shows this to you only")
    return [*fit_blocks(blocks, limit=MAX_BLOCKS - 1, more=MORE_COMMITMENTS), footer]


def digest_text(digest: Digest, *, names: Mapping[str, str] | None = None) -> str:
    """The digest as plain text (terminal): display names from ``names``, no Slack markup."""
    fmt = TextFormat(names)
    title = title_text(digest)
    out = [title, "=" * len(title), _period(digest, fmt), summary_line(digest, fmt)]
    for part in PARTS:
        if lines := part(digest, fmt):
            out += ["", *lines]
    if undelivered := undelivered_line(digest, fmt):
        out += ["", undelivered]
    return "\n".join(out).replace("`", "") + "\n"
