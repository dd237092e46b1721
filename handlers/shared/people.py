"""Members' names, noted where Accord already asks Slack about them (`users.info`)."""

from __future__ import annotations

from typing import Any

from bot.runtime import Runtime
from bot.services.people import display_name, remember_names


class RememberingNames:
    """A Web API client that notes the name of every user ``users.info`` describes.

    Wraps the listener's client; once the listener's own work is done, :meth:`remember` keeps the
    names for text read outside Slack (the terminal's digest).
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self.names: dict[str, str] = {}

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._client, attr)

    def users_info(self, **kwargs: Any) -> Any:
        response = self._client.users_info(**kwargs)
        user = response.get("user") or {}
        name = display_name(user)
        if user.get("id") and name:
            self.names[user["id"]] = name
        return response

    def remember(self, rt: Runtime, *, team_id: str) -> None:
        """Keep the names noted so far (after the listener's record is written: a cache, never first)."""
        if self.names:
            with rt.session() as session:
                remember_names(session, team_id=team_id, names=self.names, now=rt.clock.now())
            self.names = {}
