"""The Block Kit of a thread: the answer to `@Accord summary`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers.shared.blocks import Block, bulleted, fit_blocks, safe, section, sections, truncate
from handlers.shared.records import commitment_line
from storage.models import Commitment, Decision


def thread_summary_blocks(
    decisions: Sequence[Decision], commitments: Sequence[Commitment], *, today: date
) -> list[Block]:
    """The reply to `@Accord summary` in a thread."""
    if not decisions and not commitments:
        return [
            section("Nothing has been recorded from this thread yet. Start a message with `Decision:` or `Action:`.")
        ]
    blocks: list[Block] = []
    if decisions:
        lines = [
            f"*#{d.id}* {truncate(safe(d.text), 400)}" + ("" if d.status == "active" else f" _({d.status})_")
            for d in decisions
        ]
        blocks += sections("*Decisions in this thread*\n" + bulleted(lines, limit=25, more="see `/decision list`"))
    if commitments:
        lines = [commitment_line(c, today=today) for c in commitments]
        blocks += sections("*Commitments in this thread*\n" + bulleted(lines, limit=25, more="see `/commit list`"))
    return fit_blocks(blocks)
