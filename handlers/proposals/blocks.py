"""Messages for proposals: the live proposal, its closing, reminders (the forms are in forms.py).

Every list here is bounded (groups, silent groups, reasons) and every user text passes through
``safe()``, so a proposal's message fits Slack's limits however many members, groups and
reasons there are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from bot.services.consensus import CHOICES, OUTCOME_LABELS, ProposalView
from handlers.shared import ids
from handlers.shared.blocks import (
    MAX_SECTION,
    Block,
    actions,
    button,
    context,
    divider,
    fallback_text,
    fit_blocks,
    safe,
    section,
    sections,
    slack_date,
    truncate,
)

BUTTONS = ((ids.POSITION_AGREE, "Agree", "primary"), (ids.POSITION_ABSTAIN, "Abstain", None),
           (ids.POSITION_DISAGREE, "Disagree", None), (ids.POSITION_BLOCK, "Block", "danger"))
CHOICE_OF_ACTION = {ids.POSITION_AGREE: "agree", ids.POSITION_ABSTAIN: "abstain",
                    ids.POSITION_DISAGREE: "disagree", ids.POSITION_BLOCK: "block"}
ICONS = {"agree": ":white_check_mark:", "abstain": ":zipper_mouth_face:", "disagree": ":thumbsdown:",
         "block": ":no_entry:"}
OUTCOME_ICONS = {"consensus": ":white_check_mark:", "no_consensus": ":heavy_minus_sign:",
                 "blocked": ":no_entry:", "no_quorum": ":hourglass:", "withdrawn": ":wastebasket:"}
MAX_GROUP_LINES = 40
MAX_SILENT_NAMES = 25
MAX_CONCERNS = 12
MAX_REASON = 300
MAX_TITLE = 1000
MORE = "see `accord export proposals`"
POSITIONS_BLOCK = "accord_positions"


def counts_text(counts: Mapping[str, int]) -> str:
    """``3 agree · 1 abstain · 0 disagree · 0 block``."""
    return " · ".join(f"{counts.get(choice, 0)} {choice}" for choice in CHOICES)


def position_buttons(proposal_id: int, *, conflict: bool = False) -> Block:
    """Agree / Abstain / Disagree / Block (and *Declare a conflict*), each carrying the proposal id."""
    buttons = [button(label, action_id=action, value=str(proposal_id), style=style) for action, label, style in BUTTONS]
    if conflict:
        buttons.append(button("Declare a conflict", action_id=ids.DECLARE_CONFLICT, value=str(proposal_id)))
    return actions(*buttons, block_id=f"{POSITIONS_BLOCK}_{proposal_id}")


def proxy_offer_blocks(text: str, *, proposal_id: int, members: Sequence[str]) -> list[Block]:
    """An alternate's answer after their own click: the same position "for @member", one button each."""
    rows = [{**section(f"You hold <@{m}>'s proxy."),
             "accessory": button("Same for them", action_id=ids.POSITION_FOR, value=f"{proposal_id}:{m}")}
            for m in members[:20]]
    return [section(text), *rows,
            context("The button takes, for them, the position you now hold. Their own position, if they take "
                    "one, overrides it.")]


def proxied_lines(view: ProposalView) -> list[str]:
    """``Agree — by @alt for @member`` for every position an alternate took."""
    if view.proposal.anonymous:
        return [f"{ICONS[p.choice]} {p.choice.capitalize()} — by an alternate for a member"
                for p in view.positions if p.proxy_by and p.user_id not in view.excluded]
    return [f"{ICONS[p.choice]} {p.choice.capitalize()} — by <@{p.proxy_by}> for <@{p.user_id}>"
            for p in view.positions if p.proxy_by and p.user_id not in view.excluded]


def conflict_reply(proposal_id: int, withdrawn: str | None) -> str:
    """What a member hears once their conflict is recorded."""
    text = f"Your conflict of interest on proposal #{proposal_id} is recorded and shown on the proposal."
    if withdrawn:
        text += f" Your position ({withdrawn}) is withdrawn."
    return text + " You take no position on it."


def names_line(names: Sequence[str], *, limit: int = MAX_SILENT_NAMES) -> str:
    """Group names joined with commas, cut with "and N more"."""
    shown = ", ".join(f"*{safe(name)}*" for name in names[:limit])
    rest = len(names) - min(len(names), limit)
    return truncate(shown + (f" and {rest} more" if rest else ""), MAX_SECTION - 100)


def packed_sections(heading: str, lines: Sequence[str], *, max_sections: int, limit: int) -> list[Block]:
    """Bulleted lines in at most ``max_sections`` sections; what does not fit ends in "and N more"."""
    texts: list[str] = []
    current = heading
    shown = [truncate(line, MAX_SECTION // 2) for line in lines[:limit]]
    for i, line in enumerate(shown):
        candidate = f"{current}\n• {line}" if current else f"• {line}"
        if len(candidate) <= MAX_SECTION - 100:
            current = candidate
            continue
        if len(texts) + 1 >= max_sections:
            current += f"\n_…and {len(lines) - i} more — {MORE}_"
            break
        texts.append(current)
        current = f"• {line}"
    else:
        if len(lines) > len(shown):
            current += f"\n_…and {len(lines) - len(shown)} more — {MORE}_"
    texts.append(current)
    return [section(text) for text in texts]


def _title(view: ProposalView) -> list[Block]:
    p = view.proposal
    when = (f"closes {slack_date(p.closes_at)}" if view.is_open
            else f"closed {slack_date(p.closed_at or p.closes_at)}")
    blocks = [section(f":ballot_box_with_ballot: *Proposal #{p.id}* by <@{p.author_id}> — {when}"),
              section(f"*{truncate(safe(' '.join(p.title.split())), MAX_TITLE)}*")]
    if p.details:
        blocks += sections(truncate(safe(p.details), 2 * MAX_SECTION - 200))[:2]
    return blocks


def _group_lines(view: ProposalView) -> list[str]:
    lines = []
    advised = {p.group_id for p in view.positions if p.user_id in view.tally.advisory}
    for g in view.groups:
        name = f"*{truncate(safe(g.name), 100)}*" if g.name else "_No group_"
        note = ""
        if g.group_id is not None and not g.required:
            note = " _(not required)_"
        elif not any(g.counts.values()) and g.group_id in advised:
            note = " _(heard through advice: its organisations are counted through other members)_"
        elif not any(g.counts.values()):
            note = " _(heard through members counted with their primary group)_"
        lines.append(f"{name}: {counts_text(g.counts)}{note}")
    return lines


def _who(view: ProposalView, user_id: str) -> str:
    """A member as a message names them: a mention, or nobody on an anonymous proposal."""
    return "a member" if view.proposal.anonymous else f"<@{user_id}>"


def _weight(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.2f}"


def governance_line(view: ProposalView) -> str | None:
    """How this proposal counts, when it is not the plain default: ``Counting: per organisation · cap 25 %``."""
    p = view.proposal
    parts = ["Counting: per organisation" if p.counting == "organisation" else None,
             f"cap {p.cap} % per organisation" if p.cap is not None else None,
             "hidden until it closes" if p.hidden else None, "anonymous" if p.anonymous else None]
    shown = [part for part in parts if part]
    return " · ".join(shown) if shown else None


def _weighted_text(view: ProposalView) -> str | None:
    t = view.tally
    if not t.weighted:
        return None
    total = t.agree_weight + t.disagree_weight
    share = f" — {float(t.agree_weight / total) * 100:.1f} % agree" if total else ""
    return (f"*Weighted (cap {view.proposal.cap} %):* {_weight(t.agree_weight)} agree · "
            f"{_weight(t.disagree_weight)} disagree{share}")


def _governance_blocks(view: ProposalView) -> list[Block]:
    """Stand-ins, advice and declared conflicts."""
    blocks: list[Block] = []
    if proxied := proxied_lines(view):
        blocks += packed_sections("*By proxy*", proxied, max_sections=1, limit=MAX_CONCERNS)
    stand_ins = [f"{_who(view, user)} stands in for *{truncate(safe(org), 100)}* (first to take a position; "
                 "no representative set)" for org, user in view.tally.stand_ins.items()]
    if stand_ins:
        blocks += packed_sections("*Standing in*", stand_ins, max_sections=1, limit=MAX_CONCERNS)
    advice = [f"{ICONS[a.choice]} *{a.choice}* — {_who(view, a.user_id)}"
              + (f" ({truncate(safe(a.organisation), 80)})" if a.organisation else "")
              + (f": {truncate(safe(' '.join(a.reason.split())), MAX_REASON)}" if a.reason else "")
              for a in view.advice]
    if advice:
        blocks += packed_sections("*Advice (not counted)*", advice, max_sections=2, limit=MAX_CONCERNS)
    conflicts = [f"{_who(view, c.user_id)}: {truncate(safe(' '.join(c.statement.split())), MAX_REASON)}"
                 for c in view.conflicts]
    if conflicts:
        blocks += packed_sections("*Conflicts declared* (their positions do not count)", conflicts,
                                  max_sections=1, limit=MAX_CONCERNS)
    return blocks


def hidden_blocks(view: ProposalView) -> list[Block]:
    """A hidden proposal while it is open: which groups have been heard from and how many members, nothing else."""
    heard = sorted((g.name for g in view.groups if g.heard and g.name), key=str.casefold)
    count = view.members_heard
    text = (f":see_no_evil: *Hidden until it closes.* {count} member{'s' if count != 1 else ''} "
            f"{'have' if count != 1 else 'has'} taken a position.")
    if heard:
        text += f"\n*Heard from:* {names_line(heard)}"
    blocks = [section(text)]
    if view.silent:
        blocks.append(section(f"*Not yet heard from:* {names_line(view.silent)}"))
    return blocks


def standing_blocks(view: ProposalView) -> list[Block]:
    """Counts overall and per group, the groups not yet heard from, and the outcome (now, or final)."""
    if view.is_open and view.proposal.hidden:
        return hidden_blocks(view)
    label = OUTCOME_LABELS[view.outcome]
    lead = "*Outcome:*" if not view.is_open else "*If it closed now:*"
    head = f"{lead} {OUTCOME_ICONS.get(view.outcome, '')} *{label}*\n*Positions:* {counts_text(view.tally.overall)}"
    if weighted := _weighted_text(view):
        head += f"\n{weighted}"
    blocks = [section(head)]
    lines = _group_lines(view)
    if lines:
        blocks += packed_sections("*By group*", lines, max_sections=3, limit=MAX_GROUP_LINES)
    if view.silent:
        blocks.append(section(f"*Not yet heard from:* {names_line(view.silent)}"))
    concerns = [f"{ICONS[c.choice]} *{c.choice}* — {_who(view, c.user_id)}"
                + (f" ({' · '.join(truncate(safe(n), 80) for n in (c.organisation, c.group) if n)})"
                   if c.organisation or c.group else "")
                + (f": {truncate(safe(' '.join(c.reason.split())), MAX_REASON)}" if c.reason else "")
                for c in view.concerns]
    if concerns:
        blocks += packed_sections("*Blocks and disagreements*", concerns, max_sections=3, limit=MAX_CONCERNS)
    return blocks + _governance_blocks(view)


def proposal_blocks(view: ProposalView) -> list[Block]:
    """The live proposal message: title, details, standing, and the buttons while it is open."""
    p = view.proposal
    body = fit_blocks([*_title(view), divider(), *standing_blocks(view)], limit=47, more=MORE)
    if view.is_open:
        note = "Change your position any time until it closes. A block needs a reason."
        return [*body, position_buttons(p.id or 0, conflict=True), context(note, _required_note(view))]
    closer = f"Closed by <@{p.closed_by}>" if p.closed_by else "Closed automatically at its closing time"
    return [*body, context(closer, _required_note(view))]


def _required_note(view: ProposalView) -> str:
    note = ("No stakeholder groups were required." if not view.required
            else "Required groups: " + names_line(view.required, limit=10))
    governance = governance_line(view)
    return f"{note} · {governance}" if governance else note


def proposal_text(view: ProposalView) -> str:
    """The notification text of the proposal message (a hidden one's tells no outcome until it closes)."""
    if view.is_open and view.proposal.hidden:
        return fallback_text(f"Proposal #{view.proposal.id}: {view.proposal.title} (hidden until it closes)")
    return fallback_text(f"Proposal #{view.proposal.id}: {view.proposal.title} "
                         f"({OUTCOME_LABELS[view.outcome]}{' so far' if view.is_open else ''})")


def closing_reply(view: ProposalView, *, decision_id: int | None) -> str:
    """The thread reply under the proposal when it closes."""
    p = view.proposal
    if view.outcome == "withdrawn":
        who = f" by <@{p.closed_by}>" if p.closed_by else ""
        return (f":wastebasket: Proposal #{p.id} was withdrawn{who}. "
                f"Final positions: {counts_text(view.tally.overall)}.")
    text = (f":checkered_flag: Proposal #{p.id} closed: *{OUTCOME_LABELS[view.outcome]}*. "
            f"Final positions: {counts_text(view.tally.overall)}.")
    if view.outcome == "no_quorum" and view.silent:
        text += f"\n*Not yet heard from:* {names_line(view.silent)}"
    if decision_id is not None:
        text += f"\nRecorded as *decision #{decision_id}*."
    return truncate(text, MAX_SECTION)


def outcome_blocks(view: ProposalView, *, decision_id: int | None, link: str | None) -> list[Block]:
    """The channel message announcing a proposal's outcome."""
    p = view.proposal
    label = OUTCOME_LABELS[view.outcome]
    title = truncate(safe(" ".join(p.title.split())), 1500)
    text = f"{OUTCOME_ICONS.get(view.outcome, '')} *Proposal #{p.id}: {label}*\n{title}"
    if decision_id is not None:
        text += f"\nRecorded as *decision #{decision_id}*."
    blocks = [section(text), context(f"Final positions: {counts_text(view.tally.overall)}")]
    if link:
        blocks.append(context(f"<{link}|See the proposal and its thread>"))
    return blocks


def outcome_text(view: ProposalView) -> str:
    p = view.proposal
    return fallback_text(f"Proposal #{p.id}: {OUTCOME_LABELS[view.outcome]} — {p.title}")


def reminder_blocks(view: ProposalView, *, groups: Sequence[str], link: str | None) -> list[Block]:
    """The one reminder a member of a silent required group gets before the proposal closes."""
    p = view.proposal
    title = truncate(safe(" ".join(p.title.split())), 1500)
    whose = "Your group" if len(groups) == 1 else "Your groups"
    text = (f":wave: *Proposal #{p.id}* closes {slack_date(p.closes_at)}: {title}\n"
            f"{whose} {names_line(groups, limit=10)} {'has' if len(groups) == 1 else 'have'} not taken "
            "a position yet. Where do you stand?")
    blocks = [section(truncate(text, MAX_SECTION)), position_buttons(p.id or 0)]
    if link:
        blocks.append(context(f"<{link}|See the proposal>"))
    return blocks


def reminder_text(view: ProposalView) -> str:
    return fallback_text(f"Your group has not taken a position on proposal #{view.proposal.id} yet")
