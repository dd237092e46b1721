"""Usage text for every command (`help` as any command's text, and `/accord help`)."""

from __future__ import annotations

USAGE: dict[str, list[tuple[str, str]]] = {
    "decision": [
        ("/decision <text>", "record a decision in this channel and announce it"),
        ("/decision", "open a form: decision and rationale"),
        ("/decision list", "recent decisions of this channel"),
        ("/decision revoke <id> [reason]", "revoke a decision (its recorder or a facilitator)"),
    ],
    "commit": [
        ("/commit <text> [@owner] [by <date>]", "record a commitment (owner defaults to you); dates like "
         "2026-12-01, friday, tomorrow, next week, in 3 days, Dec 1"),
        ("/commit", "open a form: commitment, owner, due date"),
        ("/commit list [mine|@user|overdue|all]", "open commitments (default: this channel)"),
        ("/commit done <id> [note]", "mark it done (owner or facilitator)"),
        ("/commit block <id> <reason>", "mark it blocked"),
        ("/commit drop <id>", "drop it"),
    ],
    "propose": [
        ("/propose <title>", "put a proposal to the consortium, with Agree / Abstain / Disagree / Block buttons"),
        ("/propose", "open a form: title, details, closing date, required groups"),
        ("/propose close <id>", "close it now (author or facilitator)"),
        ("/propose withdraw <id>", "withdraw it (author or facilitator)"),
    ],
    "group": [
        ("/group create <name> [#channel] [tz <zone>] [sector <sector>]", "create a stakeholder group (facilitator)"),
        ("/group add <name> @user…", "add members (facilitator)"),
        ("/group remove <name> @user…", "remove members (facilitator)"),
        ("/group schedule <name> <days> <HH:MM>", "check-ins on those days at that local time; `off` stops them"),
        ("/group list", "every group"),
        ("/group show <name>", "members, channel, zone and next check-in"),
        ("/group facilitator add @user", "make someone a facilitator (facilitator)"),
    ],
    "checkin": [
        ("/checkin now <group>", "start a check-in round for a group now (facilitator)"),
        ("/checkin", "open your pending check-in"),
    ],
    "digest": [
        ("/digest", "post the digest for this channel now"),
        ("/digest preview", "show it to you only"),
        ("/digest schedule <days> <HH:MM> [tz <zone>]", "post it on a schedule; `/digest schedule off` stops it"),
    ],
}

INTRO = (
    "*Accord* keeps the record and the rhythm of your consortium: it logs decisions and commitments, "
    "runs check-ins with each stakeholder group in its own time zone, drives proposals to consensus "
    "and posts digests of what is open.\n"
    "In any channel I'm in, a message starting with `Decision:` or `Action:` is recorded too; "
    "mention me with `summary` in a thread to see what it recorded."
)


def usage_text(command: str) -> str:
    """The usage of one command, as mrkdwn."""
    return f"*/{command}*\n" + "\n".join(f"• `{form}` — {what}" for form, what in USAGE[command])


def accord_help_text() -> str:
    """What Accord does and every command."""
    return INTRO + "\n\n" + "\n\n".join(usage_text(name) for name in USAGE)
