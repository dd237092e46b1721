"""Making user text safe to post, and keeping every message within Slack's limits.

All user text passes through :func:`safe` before it is posted: special mentions
(``<!channel>``, ``<!here>``, ``<!everyone>``, ``<!subteam^…>``) can never ping, while user
and channel mentions and links stay as they are. Long text is split across sections or cut,
never handed to Slack to reject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

MAX_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_MESSAGE_TEXT = 3000  # the notification fallback; the whole text lives in the blocks
MAX_BUTTON_TEXT = 75
MAX_CONTEXT_ELEMENTS = 10
WORD_JOINER = "\u2060"

Block = dict[str, Any]

_TOKEN = re.compile(r"<([^<>]*)>|[<>]")  # a token, or a bracket that belongs to none
_SAFE_TOKEN = re.compile(
    r"^(?:@[UW][A-Z0-9]+(?:\|[^<>]*)?|#C[A-Z0-9]+(?:\|[^<>]*)?|(?:https?|mailto):[^<>]+|!date\^[^<>]+)$"
)
_SPECIAL = re.compile(r"^!(?:subteam\^[A-Z0-9]+\|?)?([^<>|]*)(?:\|([^<>]*))?$")


def escape(raw: str) -> str:
    """Escape text typed into a modal the way Slack escapes messages (``&``, ``<``, ``>``)."""
    return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping, for plain-text output (exports, terminals)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _neutralise(match: re.Match[str]) -> str:
    inner = match.group(1)
    if inner is None:  # a stray bracket, e.g. the outer one of <!channel|<x>>: it must not open a token
        return escape(match.group(0))
    if _SAFE_TOKEN.match(inner):
        return match.group(0)
    special = _SPECIAL.match(inner)
    if inner.startswith("!") and special:
        label = (special.group(2) or special.group(1) or "mention").lstrip("@")
        return "@" + WORD_JOINER + escape(label)
    return escape(match.group(0))


def safe(text: str) -> str:
    """User text (in Slack's escaped form) made safe to post: no channel-wide pings.

    Only ``<…>`` tokens can ping. User and channel mentions, links and dates are kept; special
    mentions become plain text; every other bracket is escaped, so that a token nested in another
    (``<!here|<@U1>>``) cannot leave a special mention behind once the inner one is handled. A
    stray ``&`` that is not an entity stays harmless.
    """
    return _TOKEN.sub(_neutralise, text)


def _cut_point(text: str, limit: int) -> int:
    """Where to cut ``text`` at most ``limit`` long: a line break or space, never inside a token."""
    window = text[:limit]
    open_tok = window.rfind("<")
    if open_tok > window.rfind(">"):
        window = window[:open_tok]
    amp = window.rfind("&")
    if amp != -1 and ";" not in window[amp:] and len(window) - amp < 8:
        window = window[:amp]
    for sep in ("\n", " "):
        pos = window.rfind(sep)
        if pos > limit // 2:
            return pos + 1
    return len(window) if window else limit


def split_text(text: str, limit: int = MAX_SECTION) -> list[str]:
    """Split text into pieces of at most ``limit`` characters at natural boundaries."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = _cut_point(text, limit)
        pieces.append(text[:cut].rstrip() or text[:cut])
        text = text[cut:]
    if text or not pieces:
        pieces.append(text)
    return pieces


def truncate(text: str, limit: int) -> str:
    """Cut text to ``limit`` characters with an ellipsis, never inside a token."""
    if len(text) <= limit:
        return text
    return text[: _cut_point(text, limit - 1)].rstrip() + "…"


def section(text: str, **extra: Any) -> Block:
    """One mrkdwn section; the text must already be safe and is cut to Slack's limit."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION) or " "}, **extra}


def sections(text: str) -> list[Block]:
    """As many mrkdwn sections as long text needs (each at most 3000 characters)."""
    return [section(piece) for piece in split_text(text) if piece.strip()] or [section(" ")]


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, MAX_HEADER) or " "}}


def context(*texts: str) -> Block:
    elements = [{"type": "mrkdwn", "text": truncate(t, MAX_SECTION)} for t in texts if t][:MAX_CONTEXT_ELEMENTS]
    return {"type": "context", "elements": elements or [{"type": "mrkdwn", "text": " "}]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, *, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, MAX_BUTTON_TEXT)},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def fallback_text(text: str) -> str:
    """The notification text of a message: safe and short."""
    return truncate(safe(text), MAX_MESSAGE_TEXT)


def plain_date(value: date) -> str:
    """A calendar date (a due date) as every reader should see it, whatever their zone: ``Mon 7 Dec 2026``."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def slack_date(value: date | datetime, fmt: str = "{date_short_pretty}") -> str:
    """An instant in Slack's date formatting, so each reader sees it in their own zone.

    A calendar date is not an instant (shown as one, a reader far east or west of UTC would see
    another day), so it is shown as itself, by :func:`plain_date`.
    """
    if not isinstance(value, datetime):
        return plain_date(value)
    stamp = int(value.timestamp())
    fallback = value.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{stamp}^{fmt} {{time}}|{fallback}>"


def bulleted(lines: Sequence[str], *, limit: int, more: str) -> str:
    """Bulleted lines, at most ``limit`` of them, ending with "and N more" and a pointer."""
    shown = [f"• {line}" for line in lines[:limit]]
    rest = len(lines) - len(shown)
    if rest > 0:
        shown.append(f"_…and {rest} more — {more}_")
    return "\n".join(shown)


def fit_blocks(blocks: list[Block], *, limit: int = MAX_BLOCKS, more: str = "") -> list[Block]:
    """Keep a message within ``limit`` blocks, saying what was left out."""
    if len(blocks) <= limit:
        return blocks
    kept = blocks[: limit - 1]
    left = len(blocks) - len(kept)
    note = f"…and {left} more" + (f" — {more}" if more else "")
    return [*kept, context(note)]
