"""Serving: the Bolt app behind Starlette under uvicorn (HTTP mode), or Socket Mode.

Bolt's own dispatch is synchronous, so each request is dispatched on a worker thread; the
listener acks at once and its slow work continues on Bolt's listener pool after the response.

At the door, in this order and before anything is parsed: a body over ``MAX_BODY`` gets 413 (by
its Content-Length at once, else as soon as the stream passes the limit, so it is never held in
memory); a request without a valid, fresh Slack signature gets 401. Only then is the body parsed
and checked (:mod:`bot.request_body`; 400 when it is not something Slack sends) and handed to Bolt
already parsed, which therefore neither parses nor verifies it again. Requests no listener
handles get 200 (Slack retries a 404). Each refusal is one warning line, never a traceback.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import SlackRequestHandler, to_starlette_response
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.config import ConfigError
from bot.manifest import INSTALL_PATH, REDIRECT_PATH
from bot.report_http import report_routes
from bot.request_body import BadBody, parse_body, storable
from bot.runtime import Runtime
from bot.services import NotFound
from bot.services.calendar import feed_calendar
from storage.db import ping, session_scope

logger = logging.getLogger("accord.server")
MAX_BODY = 1_000_000
MAX_AGE = 300  # seconds: Slack's limit for a request's timestamp, either way
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class _TooLarge(Exception):
    pass


async def _read_body(request: Request) -> bytes:
    """The body, refused (:class:`_TooLarge`) by its Content-Length or once the stream passes ``MAX_BODY``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and (len(declared) > 12 or int(declared) > MAX_BODY):
        raise _TooLarge
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > MAX_BODY:
            raise _TooLarge
    return bytes(received)


def _signature_problem(verifier: SignatureVerifier | None, body: str, headers: Any) -> str | None:
    """Why the request is not signed by Slack with our secret, or None when it is."""
    if verifier is None:
        return "no_signing_secret"
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if timestamp is None or signature is None:
        return "unsigned"
    if not _TIMESTAMP.fullmatch(timestamp):
        return "bad_timestamp"
    if abs(time.time() - int(timestamp)) > MAX_AGE:
        return "stale_timestamp"
    if not _SIGNATURE.fullmatch(signature) or not verifier.is_valid(body, timestamp, signature):
        return "bad_signature"
    return None


def _dispatch(app: App, body: dict[str, Any], request: Request) -> Response:
    # A parsed body is what Bolt takes in its non-HTTP mode: it then neither parses the body again
    # nor verifies a signature already verified here (the inbox dispatches stored bodies the same way).
    bolt_request = BoltRequest(body=body, query=request.query_params, headers=request.headers,  # type: ignore[arg-type]
                               mode="socket_mode")
    bolt_response = app.dispatch(bolt_request)
    if bolt_response.status == 404:
        logger.info("unhandled_request type=%s", bolt_request.body.get("type") or bolt_request.body.get("command"))
        return Response(status_code=200)
    return to_starlette_response(bolt_response)


def _feed(rt: Runtime, token: str) -> bytes:
    """A member's calendar feed by its token (NotFound for an unknown one)."""
    with session_scope(rt.engine) as session:
        return feed_calendar(session, token=token, now=rt.clock.now())


def create_web_app(app: App, rt: Runtime, *, on_startup: Any = None, on_shutdown: Any = None) -> Starlette:
    """The ASGI application: `POST /slack/events`, `GET /healthz`, OAuth routes when enabled, members'
    calendar feeds (`GET /calendar/<token>.ics`), and the transparency report at
    `/report/<ACCORD_REPORT_SECRET>/` when that is set."""

    secret = rt.settings.slack_signing_secret
    verifier = SignatureVerifier(secret) if secret else None

    async def slack_events(request: Request) -> Response:
        path = request.url.path
        try:
            raw = await _read_body(request)
        except _TooLarge:
            logger.warning("request_too_large path=%s limit=%s", path, MAX_BODY)
            # Closing the connection stops the rest of the body from being read at all.
            return PlainTextResponse("Request body too large", status_code=413, headers={"Connection": "close"})
        except ClientDisconnect:
            logger.info("client_disconnected path=%s", path)
            return Response(status_code=400)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            logger.warning("bad_request path=%s reason=not_utf8", path)
            return PlainTextResponse("Bad request", status_code=400)
        problem = _signature_problem(verifier, text, request.headers)
        if problem:
            logger.warning("unauthorized_request path=%s reason=%s", path, problem)
            return PlainTextResponse("Unauthorized", status_code=401)
        try:
            body = parse_body(text, request.headers.get("content-type", ""))
        except BadBody as err:
            logger.warning("bad_request path=%s reason=%s", path, err.reason)
            return PlainTextResponse("Bad request", status_code=400)
        return await run_in_threadpool(_dispatch, app, body, request)

    async def healthz(_request: Request) -> Response:
        healthy = await run_in_threadpool(ping, rt.engine)
        return JSONResponse(
            {"ok": healthy, "database": "up" if healthy else "down"}, status_code=200 if healthy else 503
        )

    async def calendar_feed(request: Request) -> Response:
        token = str(request.path_params.get("token", ""))
        try:
            body = await run_in_threadpool(_feed, rt, token)
        except NotFound:
            return PlainTextResponse("Not found", status_code=404)
        except SQLAlchemyError:
            logger.warning("calendar_unavailable reason=database")
            return PlainTextResponse("Unavailable", status_code=503)
        return Response(body, media_type="text/calendar; charset=utf-8",
                        headers={"Cache-Control": "private, max-age=300"})

    async def oauth(request: Request) -> Response:
        return await SlackRequestHandler(app).handle(request)

    routes = [Route("/slack/events", slack_events, methods=["POST"]), Route("/healthz", healthz, methods=["GET"]),
              Route("/calendar/{token}.ics", calendar_feed, methods=["GET"])]
    if app.oauth_flow is not None:
        routes += [
            Route(INSTALL_PATH, oauth, methods=["GET"]),
            Route(REDIRECT_PATH, oauth, methods=["GET"]),
        ]
    routes += report_routes(rt)

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
    class StorableHandler(SocketModeHandler):
        """Envelopes' strings made storable, as bodies over HTTP are (:func:`bot.request_body.storable`)."""

        def handle(self, client: Any, req: Any) -> None:
            req.payload = storable(req.payload)
            super().handle(client, req)

    def stop(signum: int, _frame: Any) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        logger.info("socket_mode_stopping signal=%s", signal.Signals(signum).name)
        raise _Stop

    handler = StorableHandler(app, app_token)
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
