"""Threads: records captured from `Decision:` / `Action:` messages and mentions, `@Accord summary`,
and the *Log as decision* / *Log as commitment* message shortcuts."""

from __future__ import annotations

from slack_bolt import App

from handlers.shared import ids
from handlers.threads.events import handle_app_mention, handle_message
from handlers.threads.shortcuts import handle_log_commitment, handle_log_decision


def register(app: App) -> None:
    app.event("message")(handle_message)
    app.event("app_mention")(handle_app_mention)
    app.message_shortcut(ids.LOG_DECISION_SHORTCUT)(handle_log_decision)
    app.message_shortcut(ids.LOG_COMMITMENT_SHORTCUT)(handle_log_commitment)
