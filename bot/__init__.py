"""Accord: decisions, commitments, check-ins, proposals and digests for consortia on Slack."""
