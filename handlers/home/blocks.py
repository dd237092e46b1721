"""The App Home tab (at most 100 blocks) and the small modal asking why a commitment is blocked."""

from __future__ import annotations

from typing import Any

from bot.services.home import HomeOverview
from handlers.shared import ids
from handlers.shared.blocks import (
    MAX_MODAL_BLOCKS,
    Block,
    actions,
    bulleted,
    button,
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
)
from storage.models import Commitment, Proxy

MORE_COMMITMENTS = "see `/commit list mine`"


def _commitment_blocks(c: Commitment, *, today: Any) -> list[Block]:
    due = ""
    if c.due_date is not None:
        overdue = c.status == "open" and c.due_date < today
        due = (f" — :warning: overdue, was due {plain_date(c.due_date)}" if overdue
               else f" — due {plain_date(c.due_date)}")
    state = " — :no_entry: *blocked*" if c.status == "blocked" else ""
    link = f"<{c.permalink}|#{c.id}>" if c.permalink else f"#{c.id}"
    text = f"{link} {truncate(safe(' '.join(c.text.split())), 500)}{due}{state}"
    buttons = [button("Done", action_id=ids.HOME_COMMITMENT_DONE, value=str(c.id), style="primary")]
    if c.status == "open":
        buttons.append(button("Blocked", action_id=ids.HOME_COMMITMENT_BLOCKED, value=str(c.id)))
    return [section(text), actions(*buttons, block_id=f"home_commitment_{c.id}")]


def _commitments(home: HomeOverview) -> list[Block]:
    blocks = [section(f"*Your open commitments* ({home.commitments_total})")]
    if not home.commitments:
        return [*blocks, context("Nothing open. Record one with `/commit <text> [by <date>]`.")]
    for c in home.commitments:
        blocks += _commitment_blocks(c, today=home.today)
    if home.commitments_total > len(home.commitments):
        rest = home.commitments_total - len(home.commitments)
        blocks.append(context(f"…and {rest} more — {MORE_COMMITMENTS}"))
    return blocks


def _proposals(home: HomeOverview) -> list[Block]:
    title = f"*Proposals awaiting your position* ({home.awaiting_total})"
    if not home.awaiting:
        return [section(f"{title}\nNone: you have taken a position on every open proposal of your groups.")]
    lines = [f"*#{p.id}* {truncate(safe(' '.join(p.title.split())), 200)} in <#{p.channel_id}> — closes "
             f"{slack_date(p.closes_at)}" for p in home.awaiting]
    more = home.awaiting_total - len(home.awaiting)
    body = bulleted(lines, limit=len(lines), more="")
    if more > 0:
        body += f"\n_…and {more} more — see the proposals' channels_"
    return sections(f"{title}\n{body}")


def _organisation(home: HomeOverview) -> str:
    if home.organisation is None:
        return "\n*Your organisation:* none yet (a facilitator sets it with `/org set <organisation> @you`)."
    return f"\n*Your organisation:* {safe(home.organisation)}"


def _groups(home: HomeOverview) -> list[Block]:
    if not home.groups:
        return [section("*Your groups*\nYou are not in a stakeholder group yet; a facilitator can add you "
                        "with `/group add <name> @you`." + _organisation(home))]
    lines = []
    observing = {g.id for g in home.observing}
    for entry in home.groups:
        g = entry.group
        nxt = (f"next check-in {slack_date(entry.next_checkin)}" if entry.next_checkin
               else "no check-ins scheduled")
        where = f" in <#{g.channel_id}>" if g.channel_id else ""
        role = " — _you observe: you receive its messages and take no position_" if g.id in observing else ""
        lines.append(f"*{safe(g.name)}*{where} ({g.timezone}) — {nxt}{role}")
    return sections("*Your groups*\n" + bulleted(lines, limit=20, more="see `/group list`") + _organisation(home))


def _proxy_terms(proxy: Proxy) -> str:
    """How long and for what a proxy is in force: ``until Mon 7 Dec 2026``, ``for proposal #3``."""
    terms = []
    if proxy.proposal_id is not None:
        terms.append(f"for proposal #{proxy.proposal_id}")
    else:
        terms.append("for every proposal")
    terms.append(f"until {plain_date(proxy.until)}" if proxy.until is not None else "until you turn it off")
    return " ".join(terms)


def _governance(home: HomeOverview) -> list[Block]:
    """The proxy the member gave, the members they stand in for, their declared conflicts and the decisions
    they recorded that are due for review."""
    if home.proxy is not None:
        lines = [f"*Your proxy:* <@{home.proxy.alternate_id}> may take your positions {_proxy_terms(home.proxy)}; "
                 "yours override theirs — `/proxy off` ends it"]
    else:
        lines = ["*Your proxy:* none — `/proxy @alternate [until <date>] [for <proposal id>]` names one"]
    if home.standing_in_for:
        lines.append("*You stand in for:* " + "; ".join(
            f"<@{p.member_id}> {_proxy_terms(p)}" for p in home.standing_in_for))
    if home.conflicts:
        lines.append("*Your declared conflicts* (your position is not counted):\n" + bulleted(
            [f"*#{p.id}* {truncate(safe(' '.join(p.title.split())), 200)} — "
             f"{truncate(safe(' '.join(c.statement.split())), 300)}" for c, p in home.conflicts],
            limit=len(home.conflicts), more=""))
    if home.due_for_review:
        body = bulleted([f"*#{d.id}* {truncate(safe(' '.join(d.text.split())), 200)} — review was due "
                         f"{plain_date(d.review_on)}" for d in home.due_for_review if d.review_on is not None],
                        limit=len(home.due_for_review), more="")
        more = home.due_for_review_total - len(home.due_for_review)
        if more > 0:
            body += f"\n_…and {more} more — see `/digest preview`_"
        lines.append(f"*Decisions you recorded due for review* ({home.due_for_review_total}) — "
                     f"`/decision review <id> <date>` or `/decision supersede <id> <new text>`:\n{body}")
    return sections("\n".join(lines))


def calendar_link(token: str, *, base_url: str | None) -> str:
    """Where a member's calendar feed is served."""
    return f"{base_url or ''}/calendar/{token}.ics"


def _calendar(token: str | None, base_url: str | None) -> list[Block]:
    if not token:
        return []
    link = calendar_link(token, base_url=base_url)
    where = link if base_url else f"`{link}` on Accord's web address"
    return [section(f"*Your calendar*\nSubscribe to {where} for your due dates, proposal closings and "
                    "check-ins. Keep the link to yourself; a new link stops the old one from working."),
            actions(button("New link", action_id=ids.HOME_CALENDAR_NEW_LINK, value="rotate"),
                    block_id="home_calendar")]


def home_view(home: HomeOverview, *, notice: str | None = None, calendar_token: str | None = None,
              base_url: str | None = None) -> dict[str, Any]:
    """The App Home view of one user (with their calendar feed's link when they have a token)."""
    blocks: list[Block] = [header("Accord")]
    if notice:
        blocks.append(context(notice))
    blocks += [*_commitments(home), divider(), *_proposals(home), divider(), *_groups(home), divider(),
               *_governance(home)]
    if calendar_token:
        blocks += [divider(), *_calendar(calendar_token, base_url)]
    blocks.append(context("`/digest preview` shows a channel's digest · `/accord help` lists every command"))
    return {"type": "home", "blocks": fit_blocks(blocks, limit=MAX_MODAL_BLOCKS, more=MORE_COMMITMENTS)}


def block_reason_modal(*, commitment: Commitment) -> dict[str, Any]:
    """Asks why a commitment is blocked (optional); the commitment id rides in the metadata."""
    return {
        "type": "modal",
        "callback_id": ids.HOME_BLOCK_MODAL,
        "private_metadata": str(commitment.id),
        "title": {"type": "plain_text", "text": "Blocked"},
        "submit": {"type": "plain_text", "text": "Mark blocked"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*#{commitment.id}* {truncate(safe(' '.join(commitment.text.split())), 1000)}"),
            {"type": "input", "block_id": ids.HOME_BLOCK_REASON_BLOCK, "optional": True,
             "label": {"type": "plain_text", "text": "What is it waiting for?"},
             "element": {"type": "plain_text_input", "action_id": ids.HOME_BLOCK_REASON_ACTION,
                         "multiline": True, "max_length": 2000}},
        ],
    }
