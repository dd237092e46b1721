"""Where the record being written comes from: the workspace of the request being worked.

A request's work runs inside :func:`recording_from` its workspace; every record it inserts carries
that workspace as its ``team_id`` (a consortium spans workspaces), and the channel it is recorded in
becomes the consortium's, if nobody recorded there before (see :func:`claim_for`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, select

from storage.db import insert_unless_taken, run_built
from storage.models import ChannelHome, utcnow

_WORKSPACE: ContextVar[str | None] = ContextVar("accord_origin_workspace", default=None)
OWNERS_KEPT = 10_000  # channels whose owner a process remembers, per database
CLAIMED_HERE = "accord_channels_claimed"  # session.info: channels this transaction claimed

# A channel's owner never changes once committed (channel_home rows are never updated or deleted), so
# a process remembers, per database, the channels it saw already belong to a consortium: a record
# claims them no more (two statements less in its transaction), and a request's consortium is
# resolved from them without a transaction (bot.runtime.Runtime.consortium_of).
_owners: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()
_owners_lock = threading.Lock()


class ChannelTaken(Exception):
    """The channel belongs to another consortium."""


@contextmanager
def recording_from(workspace_id: str | None) -> Iterator[None]:
    """Records inserted inside come from ``workspace_id``."""
    token = _WORKSPACE.set(workspace_id)
    try:
        yield
    finally:
        _WORKSPACE.reset(token)


def origin_workspace() -> str | None:
    """The workspace of the request being worked; None outside a request (scheduled work)."""
    return _WORKSPACE.get()


def stamped(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with ``team_id`` set to the request's workspace, unless given."""
    if values.get("team_id") is None and _WORKSPACE.get() is not None:
        return {**values, "team_id": _WORKSPACE.get()}
    return values


def _channel_owner() -> Any:
    return select(ChannelHome.consortium_id).where(ChannelHome.channel_id == bindparam("channel"))


def claim_for(session: Session, *, consortium_id: str, channel_id: str | None) -> None:
    """The consortium records in a channel: it becomes theirs if nobody recorded there before.

    Raises :class:`ChannelTaken` when it is another consortium's (two consortia raced to record
    first in a new channel; requests are otherwise resolved to the channel's owner beforehand).
    """
    if not channel_id or channel_id.startswith("D"):
        return
    if remembered_owner(session.get_bind(), channel_id) == consortium_id:
        return
    claimed_here: set[str] = session.info.setdefault(CLAIMED_HERE, set())
    new = insert_unless_taken(session, ChannelHome, channel_id=channel_id, consortium_id=consortium_id,
                              team_id=_WORKSPACE.get(), created_at=utcnow())
    owner = run_built(session, ("origin.channel_owner",), _channel_owner, {"channel": channel_id})[0][0]
    if owner != consortium_id:
        raise ChannelTaken(channel_id)
    if new is not None:
        claimed_here.add(channel_id)
    else:
        remember_owner(session, channel_id=channel_id, consortium_id=consortium_id)


def remembered_owner(bind: Any, channel_id: str) -> str | None:
    """The consortium this process saw own ``channel_id`` in the database ``bind`` (an engine), if any."""
    known = _owners.get(bind)
    return known.get(channel_id) if known is not None else None


def remember_owner(session: Session, *, channel_id: str, consortium_id: str) -> None:
    """Remember that the channel, as ``session`` reads it, belongs to the consortium: unless this
    transaction claimed it, since it may yet roll back."""
    if channel_id in session.info.get(CLAIMED_HERE, ()):
        return
    with _owners_lock:
        owners = _owners.setdefault(session.get_bind(), {})
        if len(owners) >= OWNERS_KEPT:
            owners.clear()
        owners[channel_id] = consortium_id
