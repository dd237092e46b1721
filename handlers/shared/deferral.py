"""Deferral: how listeners are registered so that no ack waits behind earlier work.

Listeners are written as Bolt listeners (``ack()`` first, then the work). The app processes
"before responding" (Bolt runs the listener on the request's own thread and answers when it
returns), and each listener is registered through :class:`Deferring` so that it returns at its ack:
- most acknowledge at once and hand the rest of their work to the work pool (or, in a process
  that only stores and acknowledges, to a worker process through the inbox);
- modal submissions, which may answer their ack with validation errors, run on the ack pool, and
  the request's thread answers the moment they ack.
So a burst of requests never makes an ack wait behind earlier work, and no ack waits for Bolt to
notice it (Bolt's own way of answering before the listener returns polls every 10 ms).
"""

from __future__ import annotations

import inspect
import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.kwargs_injection.args import Args

from bot.services.tenancy import recording_from
from handlers.shared.context import runtime, workspace_of
from handlers.shared.inbox import ticket_of, work_from_inbox
from handlers.shared.replies import report_failure

logger = logging.getLogger("accord.handlers")


def _already_acked(*_args: Any, **_kwargs: Any) -> None:
    """The ack a deferred listener sees: the real one was sent before its work started."""


def _named_like(listener: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Name a wrapper after its listener (Bolt logs it) without hiding the wrapper's own ``args``."""

    def name(wrapper: Callable[..., Any]) -> Callable[..., Any]:
        wrapper.__name__ = listener.__name__
        wrapper.__qualname__ = listener.__qualname__
        wrapper.__doc__ = listener.__doc__
        return wrapper
    return name


def _parameters(listener: Callable[..., Any]) -> tuple[str, ...]:
    """The names of the arguments ``listener`` asks for (read once, when it is registered)."""
    return tuple(inspect.getfullargspec(listener).args)


def _arguments(names: tuple[str, ...], args: Args) -> dict[str, Any]:
    """The keyword arguments named ``names``, taken from everything Bolt offers."""
    return {name: getattr(args, name, None) for name in names}


def _failed(listener: Callable[..., Any], kwargs: dict[str, Any]) -> Callable[[Exception], None]:
    def report(error: Exception) -> None:  # the app's error handler logs it, with the traceback
        report_failure(kwargs, error)
    return report


def _recording(context: BoltContext, body: Any, listener: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    """Run a listener's work; what it records comes from the acting user's workspace."""
    with recording_from(workspace_of(context, body if isinstance(body, dict) else None)):
        return listener(**kwargs)


def deferred(listener: Callable[..., Any], work: Executor) -> Callable[..., Any]:
    """Ack at once, then run ``listener`` on the work pool from its inbox row (Bolt reads its parameters
    through wraps)."""

    def run(context: BoltContext, body: Any, kwargs: dict[str, Any]) -> None:
        work_from_inbox(runtime(context), ticket_of(context), lambda: _recording(context, body, listener, kwargs),
                        on_error=_failed(listener, kwargs))

    names = _parameters(listener)

    @_named_like(listener)
    def acking(args: Args) -> None:
        args.ack()
        if not runtime(args.context).works and ticket_of(args.context) is not None:
            return  # stored, acknowledged: a worker process does the rest
        kwargs = _arguments(names, args)
        if "ack" in kwargs:
            kwargs["ack"] = _already_acked
        work.submit(run, args.context, args.body, kwargs)

    return acking


def inboxed(listener: Callable[..., Any], acks: Executor) -> Callable[..., Any]:
    """Run a listener that answers in its ack (modal submissions) from its inbox row on the ack pool, and
    answer as soon as it acks: what it does after its ack goes on while the answer is on its way.

    An error before the ack goes to Bolt's error handler, which answers the submission with it; an
    error after it is reported as any failure after an ack is.
    """

    names = _parameters(listener)

    @_named_like(listener)
    def run(args: Args) -> None:
        kwargs = _arguments(names, args)
        acked = threading.Event()
        before_ack: list[Exception] = []

        def ack(*a: Any, **kw: Any) -> Any:
            try:
                return args.ack(*a, **kw)
            finally:
                acked.set()

        def failed(error: Exception) -> None:
            if acked.is_set():
                report_failure(kwargs, error)
            else:
                before_ack.append(error)

        def work() -> None:
            try:
                work_from_inbox(runtime(args.context), ticket_of(args.context),
                                lambda: _recording(args.context, args.body, listener, kwargs), on_error=failed)
            finally:
                acked.set()  # a listener that never acked: Bolt answers for it

        if "ack" in kwargs:
            kwargs["ack"] = ack
        acks.submit(work)
        acked.wait()
        if before_ack:
            raise before_ack[0]  # to Bolt's error handler, which answers the submission with an error

    return run


def _as_args_listener(listener: Callable[..., Any]) -> Callable[[Args], Any]:
    """``listener`` called with Bolt's ``Args``: as it is when that is what it takes, else with the keyword
    arguments it names (read once)."""
    names = _parameters(listener)
    if names == ("args",):
        return listener
    return lambda args: listener(**_arguments(names, args))


def _command_of(body: dict[str, Any]) -> str | None:
    return body.get("command")


def _action_of(body: dict[str, Any]) -> str | None:
    # What Bolt's action matcher compares: a block action's action_id, else the payload's callback_id.
    actions = body.get("actions")
    if body.get("type") == "block_actions" and isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return actions[0].get("action_id")
    return body.get("callback_id")


def _view_of(body: dict[str, Any]) -> str | None:
    view = body.get("view")
    return view.get("callback_id") if isinstance(view, dict) else None


def _shortcut_of(body: dict[str, Any]) -> str | None:
    return body.get("callback_id")


# The id each routed kind of request is registered by, read from its body.
ROUTED: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "command": _command_of, "action": _action_of, "view": _view_of, "message_shortcut": _shortcut_of,
}
# The order Bolt tries them in: one listener per routed kind, and the events' own listeners.
ORDER = ("command", "action", "event", "view", "message_shortcut")


class Deferring:
    """What feature ``register`` functions receive: the app, with non-modal listeners deferred.

    Bolt tries its listeners one after another until one matches, and each try builds every argument
    a listener could ask for (about 10 µs). With a listener per id, a request for an id registered
    late paid for every one before it. So the listeners of a kind (commands, actions, modal
    submissions, message shortcuts) are kept here by id, and :meth:`finish` registers one Bolt
    listener per kind, matching exactly those ids, that calls the listener of the request's id.
    Events (three types) are registered with Bolt as they are, after the commands and actions.
    """

    def __init__(self, app: App, work: Executor | None, acks: Executor | None = None) -> None:
        self._app, self._work, self._acks = app, work, acks
        self._routes: dict[str, dict[str, Callable[[Args], Any]]] = {kind: {} for kind in ROUTED}
        self._events: list[tuple[Any, Any, Callable[..., Any]]] = []

    def _deferred(self, listener: Callable[..., Any]) -> Callable[..., Any]:
        return listener if self._work is None else deferred(listener, self._work)

    def _route(self, kind: str, key: Any, listener: Callable[..., Any]) -> Callable[..., Any]:
        if not isinstance(key, str):
            raise TypeError(f"{kind} listeners are registered by their exact id, not {key!r}")
        if key in self._routes[kind]:
            raise ValueError(f"a {kind} listener for {key!r} is registered already")
        self._routes[kind][key] = _as_args_listener(listener)
        return listener

    def command(self, name: str) -> Any:
        return lambda listener: self._route("command", name, self._deferred(listener))

    def action(self, action_id: str) -> Any:
        return lambda listener: self._route("action", action_id, self._deferred(listener))

    def message_shortcut(self, callback_id: str) -> Any:
        return lambda listener: self._route("message_shortcut", callback_id, self._deferred(listener))

    def view(self, callback_id: str) -> Any:
        acks = self._acks
        return lambda listener: self._route("view", callback_id,
                                            listener if acks is None else inboxed(listener, acks))

    def event(self, *args: Any, **kwargs: Any) -> Any:
        def register(listener: Callable[..., Any]) -> Callable[..., Any]:
            self._events.append((args, kwargs, self._deferred(listener)))
            return listener
        return register

    def finish(self) -> None:
        """Register what was collected with Bolt: one listener per kind, then the events."""
        for kind in ORDER:
            if kind == "event":
                for args, kwargs, listener in self._events:
                    self._app.event(*args, **kwargs)(listener)
            elif table := self._routes[kind]:
                exactly = re.compile("^(?:" + "|".join(re.escape(key) for key in sorted(table)) + ")$")
                getattr(self._app, kind)(exactly)(_router(kind, table, ROUTED[kind]))


def _router(kind: str, table: dict[str, Callable[[Args], Any]],
            key_of: Callable[[dict[str, Any]], str | None]) -> Callable[[Args], Any]:
    def route(args: Args) -> Any:
        body = args.body if isinstance(args.body, dict) else {}
        return table[key_of(body) or ""](args)  # Bolt matched one of the table's ids exactly

    route.__name__ = route.__qualname__ = f"route_{kind}"
    return route
