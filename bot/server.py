"""Serving: the Bolt app behind Starlette under uvicorn (HTTP mode), or Socket Mode.

Bolt's own dispatch is synchronous, so each request is dispatched on a worker thread; the
listener acks at once and its slow work continues on Bolt's listener pool after the response.
Requests Bolt cannot parse get 400, requests no listener handles get 200 (Slack retries a 404).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_sdk.errors import SlackApiError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.config import ConfigError
from bot.runtime import Runtime
from storage.db import ping

logger = logging.getLogger("accord.server")
MAX_BODY = 1_000_000


def _check_body(raw: bytes, content_type: str) -> str:
    """The body as text, or ValueError when it is not something Slack sends."""
    if len(raw) > MAX_BODY:
        raise ValueError("body too large")
    text = raw.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if not text:
        raise ValueError("empty body")
    if content_type.startswith("application/json") or text.startswith("{"):
        if not isinstance(json.loads(text), dict):
            raise ValueError("JSON body is not an object")
        return text
    params = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
    if "payload" in params and not isinstance(json.loads(params["payload"]), dict):
        raise ValueError("payload is not a JSON object")
    return text


def _dispatch(app: App, body: str, request: Request) -> Response:
    bolt_request = BoltRequest(body=body, query=request.query_params, headers=request.headers)  # type: ignore[arg-type]
    bolt_response = app.dispatch(bolt_request)
    if bolt_response.status == 404:
        logger.info("unhandled_request type=%s", bolt_request.body.get("type") or bolt_request.body.get("command"))
        return Response(status_code=200)
    return to_starlette_response(bolt_response)


def create_web_app(app: App, rt: Runtime, *, on_startup: Any = None, on_shutdown: Any = None) -> Starlette:
    """The ASGI application: `POST /slack/events`, `GET /healthz`, and OAuth routes when enabled."""

    async def slack_events(request: Request) -> Response:
        raw = await request.body()
        try:
            body = _check_body(raw, request.headers.get("content-type", ""))
        except ValueError as err:
            logger.warning("bad_request path=%s error=%s", request.url.path, type(err).__name__)
            return PlainTextResponse("Bad request", status_code=400)
        return await run_in_threadpool(_dispatch, app, body, request)

    async def healthz(_request: Request) -> Response:
        healthy = await run_in_threadpool(ping, rt.engine)
        return JSONResponse(
            {"ok": healthy, "database": "up" if healthy else "down"}, status_code=200 if healthy else 503
        )

    async def oauth(request: Request) -> Response:
        from slack_bolt.adapter.starlette.handler import SlackRequestHandler

        return await SlackRequestHandler(app).handle(request)

    routes = [Route("/slack/events", slack_events, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]
    if app.oauth_flow is not None:
        routes += [
            Route("/slack/install", oauth, methods=["GET"]),
            Route("/slack/oauth_redirect", oauth, methods=["GET"]),
        ]

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if on_startup:
            on_startup()
        try:
            yield
        finally:
            if on_shutdown:
                on_shutdown()

    return Starlette(routes=routes, lifespan=lifespan)


def serve_http(web_app: Starlette, *, host: str, port: int, log_level: str) -> None:
    """Run under uvicorn until SIGTERM/SIGINT, then shut down cleanly (exit status 0).

    uvicorn finishes in-flight requests and the lifespan shutdown, then re-raises the signal
    it caught; the handler installed here turns that into a normal exit.
    """
    import signal

    import uvicorn

    def exit_cleanly(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, exit_cleanly)
    signal.signal(signal.SIGINT, exit_cleanly)

    config = uvicorn.Config(
        web_app, host=host, port=port, log_level=log_level.lower(), access_log=False, timeout_graceful_shutdown=20
    )
    uvicorn.Server(config).run()


class _Stop(BaseException):
    """Raised in the main thread by Socket Mode's SIGTERM/SIGINT handler.

    A BaseException, like KeyboardInterrupt: slack_sdk's connect() catches every Exception, and a
    signal arriving while it runs must not be swallowed there.
    """


def serve_socket_mode(app: App, *, app_token: str, on_startup: Any = None, on_shutdown: Any = None) -> None:
    """Socket Mode: Slack connects over a WebSocket; no public URL needed.

    Runs until SIGTERM/SIGINT, then closes the connection, runs ``on_shutdown`` and returns (exit
    status 0). Bolt's ``SocketModeHandler.start()`` is not used: it blocks in an ``Event().wait()``
    that nothing ever sets, so closing the handler from a signal handler left the process running.
    A second signal during shutdown ends the process at once.
    """
    import signal
    import threading

    from slack_bolt.adapter.socket_mode import SocketModeHandler

    def stop(signum: int, _frame: Any) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        logger.info("socket_mode_stopping signal=%s", signal.Signals(signum).name)
        raise _Stop

    handler = SocketModeHandler(app, app_token)
    try:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if on_startup:
            on_startup()
        try:
            handler.connect()
        except SlackApiError as err:
            raise ConfigError(
                f"SLACK_APP_TOKEN: Slack refused the app-level token ({err.response.get('error')}); "
                "it needs the connections:write scope"
            ) from None
        logger.info("socket_mode_connected")
        threading.Event().wait()  # until a signal raises _Stop here
    except _Stop:
        pass
    finally:
        # Stop taking envelopes first (an Events API envelope left unacknowledged is delivered
        # again), then let the listeners' work finish and stop the scheduler.
        handler.close()
        if on_shutdown:
            on_shutdown()
        logger.info("socket_mode_stopped")
