"""Routes for channel and DM messages that a feature other than thread capture answers.

One listener (:mod:`handlers.threads.events`) receives every message event. Before it looks for
`Decision:` / `Action:` lines it offers the message to the routes features add here (check-ins
add their DM thread replies): the first route that returns True has handled it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.runtime import Runtime

MessageRoute = Callable[..., bool]  # route(rt, client, *, consortium_id, event) -> handled

_ROUTES: list[MessageRoute] = []


def add_message_route(route: MessageRoute) -> None:
    """Offer every message to ``route`` first (registering the same route again changes nothing)."""
    if route not in _ROUTES:
        _ROUTES.append(route)


def route_message(rt: Runtime, client: Any, *, consortium_id: str, event: dict[str, Any]) -> bool:
    """Offer a message to each route in turn; True when one handled it."""
    return any(route(rt, client, consortium_id=consortium_id, event=event) for route in list(_ROUTES))
