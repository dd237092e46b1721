"""Bolt listeners: parse, call a service, render. ``register_all`` wires every feature.

Listeners are written as Bolt listeners (``ack()`` first, then the work). Except for modal
submissions, which may answer their ack with validation errors, each is registered through
:class:`Deferring`: the ack is sent from Bolt's pool at once and the rest of the listener runs
on the work pool, so a burst of requests never makes an ack wait behind earlier work.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App

logger = logging.getLogger("accord.handlers")


def _already_acked(*_args: Any, **_kwargs: Any) -> None:
    """The ack a deferred listener sees: the real one was sent before its work started."""


def deferred(listener: Callable[..., Any], work: Executor) -> Callable[..., Any]:
    """Ack at once, then run ``listener`` on the work pool (Bolt reads its parameters through wraps)."""

    def run(kwargs: dict[str, Any]) -> None:
        try:
            listener(**kwargs)
        except Exception:
            logger.exception("listener_failed listener=%s", listener.__name__)

    @functools.wraps(listener)
    def acking(**kwargs: Any) -> None:
        ack = kwargs.get("ack")
        if ack is not None:
            ack()
            kwargs["ack"] = _already_acked
        work.submit(run, kwargs)

    return acking


class Deferring:
    """What feature ``register`` functions receive: the app, with non-modal listeners deferred."""

    def __init__(self, app: App, work: Executor | None) -> None:
        self._app, self._work = app, work

    def _wrap(self, decorator: Callable[[Callable[..., Any]], Any]) -> Callable[[Callable[..., Any]], Any]:
        if self._work is None:
            return decorator
        work = self._work
        return lambda listener: decorator(deferred(listener, work))

    def command(self, *args: Any, **kwargs: Any) -> Any:
        return self._wrap(self._app.command(*args, **kwargs))

    def action(self, *args: Any, **kwargs: Any) -> Any:
        return self._wrap(self._app.action(*args, **kwargs))

    def event(self, *args: Any, **kwargs: Any) -> Any:
        return self._wrap(self._app.event(*args, **kwargs))

    def message_shortcut(self, *args: Any, **kwargs: Any) -> Any:
        return self._wrap(self._app.message_shortcut(*args, **kwargs))

    def view(self, *args: Any, **kwargs: Any) -> Any:
        return self._app.view(*args, **kwargs)


def register_all(app: App, *, work: Executor | None = None) -> None:
    """Register every listener of every feature on ``app``; deferred onto ``work`` when given."""
    from handlers import actions, commands, events, shortcuts, views

    target: Any = Deferring(app, work)
    for feature in (commands, actions, events, views, shortcuts):
        feature.register(target)
