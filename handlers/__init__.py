"""Bolt listeners: parse, call a service, render. ``register_all`` wires every feature."""

from __future__ import annotations

from slack_bolt import App


def register_all(app: App) -> None:
    """Register every listener of every feature on ``app``."""
    from handlers import actions, commands, events, shortcuts, views

    for feature in (commands, actions, events, views, shortcuts):
        feature.register(app)
