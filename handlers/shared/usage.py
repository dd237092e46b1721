"""A command's usage, written once with its feature: its forms, what each does, and what Slack shows.

Each feature's ``grammar.py`` holds one :class:`CommandUsage`. From it come the command's `help`
reply (:func:`usage_text`), the "Usage:" line of its errors (:meth:`CommandUsage.line` and
:attr:`CommandUsage.text`), its part of `/accord help`, and its usage hint in the app manifest
(:attr:`CommandUsage.hint`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Form:
    """One way to write a command, e.g. ``/decision revoke <id> [reason]``, and what it does."""

    text: str
    does: str


@dataclass(frozen=True)
class CommandUsage:
    """Every form of one slash command, and its one-line description for Slack's command list."""

    command: str  # "/decision"
    description: str
    forms: tuple[Form, ...]

    @property
    def name(self) -> str:
        """The command without its slash: ``decision``."""
        return self.command.lstrip("/")

    @property
    def text(self) -> str:
        """Every form, one a line: the usage of an error that names no single form."""
        return "\n".join(form.text for form in self.forms)

    def line(self, start: str) -> str:
        """The first form that starts with ``<command> <start>``: the usage of an error in that form."""
        prefix = f"{self.command} {start}"
        return next(form.text for form in self.forms if form.text.startswith(prefix))

    @property
    def hint(self) -> str:
        """The manifest's usage hint: free text and each subcommand word, then ``help``."""
        parts: list[str] = []
        for form in self.forms:
            rest = form.text[len(self.command):].strip()
            if not rest:
                continue
            part = rest if rest[0] in "<[" else rest.split()[0]
            if part not in parts:
                parts.append(part)
        if "help" not in parts:
            parts.append("help")
        return " | ".join(parts)


def usage_text(usage: CommandUsage) -> str:
    """The usage of one command, as mrkdwn (the reply to `help` as its text)."""
    return f"*{usage.command}*\n" + "\n".join(f"• `{form.text}` — {form.does}" for form in usage.forms)


def help_text(intro: str, usages: Sequence[CommandUsage]) -> str:
    """An introduction followed by the usage of every command."""
    return intro + "\n\n" + "\n\n".join(usage_text(usage) for usage in usages)
