"""The Block Kit of `/decision`: lists of decisions."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.shared.blocks import Block, bulleted, plain_date, safe, section, sections, slack_date, truncate
from handlers.shared.records import link
from storage.models import Decision


def decision_list_blocks(decisions: Sequence[Decision], *, title: str) -> list[Block]:
    """An ephemeral list of decisions."""
    if not decisions:
        return [section(f"*{title}*\nNo decisions recorded yet. Record one with `/decision <text>`.")]
    lines = []
    for d in decisions:
        status = "" if d.status == "active" else f" _({d.status})_"
        if d.superseded_by:
            status = f" _(superseded by #{d.superseded_by})_"
        if d.supersedes:
            status += f" _(supersedes #{d.supersedes})_"
        if d.review_on and d.status == "active":
            status += f" — review {plain_date(d.review_on)}"
        text = truncate(safe(d.text.replace("\n", " ")), 280)
        lines.append(
            f"{link(d.permalink, f'#{d.id}')} {text} — <@{d.recorded_by}>, "
            f"{slack_date(d.created_at, '{date_short}')}{status}"
        )
    return [section(f"*{title}*"), *sections(bulleted(lines, limit=40, more="see `accord export decisions`"))][:50]
