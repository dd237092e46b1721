"""Slack plumbing every feature shares: deferral and the inbox, replies, ids, Block Kit primitives,
modal state, the outbox kinds of announcements and the record blocks several features show."""
