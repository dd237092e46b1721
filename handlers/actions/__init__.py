"""Button clicks."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Buttons of every feature are registered here."""
