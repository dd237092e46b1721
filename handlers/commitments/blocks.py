"""The Block Kit of `/commit`: lists of commitments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers.shared.blocks import Block, bulleted, section, sections
from handlers.shared.records import commitment_line
from storage.models import Commitment


def commitment_list_blocks(
    commitments: Sequence[Commitment], *, title: str, today: date, groups: dict[int, str], total: int | None = None
) -> list[Block]:
    """An ephemeral list of commitments, overdue first."""
    if not commitments:
        return [section(f"*{title}*\nNothing open. Record a commitment with `/commit <text> [@owner] [by <date>]`.")]
    ordered = sorted(commitments, key=lambda c: (not (c.due_date and c.due_date < today), c.due_date or date.max))
    lines = [commitment_line(c, today=today, group=groups.get(c.group_id or 0)) for c in ordered]
    body = bulleted(lines, limit=40, more="narrow it with `/commit list mine`, `overdue` or `@user`")
    if total is not None and total > len(commitments):
        body += f"\n_…{total - len(commitments)} more not shown._"
    return [section(f"*{title}*"), *sections(body)][:50]
