"""Members' names kept by the bot: people records name are looked up in the background (``users.info``), so
exports, the terminal's digest and the report show names, never a Web API call per row when they are read."""

from __future__ import annotations

from bot.scheduler import Task
from handlers.people.jobs import NameSweep


def tasks() -> list[tuple[str, Task]]:
    """The scheduled task of one process (it paces itself: a new sweep for each scheduler)."""
    return [("name_members", NameSweep())]
