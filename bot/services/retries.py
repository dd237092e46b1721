"""The one retry policy for everything Accord posts: how long to wait, and when to stop."""

from __future__ import annotations

from datetime import timedelta

FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
# Slack errors that retrying will not cure: the message is marked failed at once.
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_blocks", "invalid_blocks_format",
    "msg_too_long", "no_text", "too_many_attachments", "user_not_found", "cannot_dm_bot", "account_inactive",
    "user_disabled", "not_allowed_token_type", "invalid_auth", "token_revoked", "missing_scope",
    "message_not_found", "cant_update_message", "edit_window_closed", "restricted_action", "parent_failed",
    "not_authed", "team_access_not_granted", "channel_is_archived", "user_not_visible", "invalid_user_combination",
})


def backoff(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failed tries: 30 s, doubling, at most an hour."""
    return min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16), MAX_RETRY)
