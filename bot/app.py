"""The composition root: settings, engine, clock, Slack client, the Bolt app and its listeners."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.executors import ListenerExecutor
from bot.identity import BotIdentity
from bot.manifest import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH
from bot.runtime import Runtime
from bot.services.access import promote_installer
from bot.slack import make_client
from handlers import register_all, scheduled_tasks
from handlers.shared.context import RUNTIME_KEY
from handlers.shared.inbox import BacklogReport, prune, recover, store_before_ack
from storage.db import make_engine, pool_capacity

logger = logging.getLogger("accord.app")


PRUNE_EVERY = 600.0  # seconds between inbox prunes
OUTBOX_TICK_BUDGET = 5.0  # seconds of sending per scheduler tick (the outbox loop sends the rest)
ACK_THREADS = 32
WORK_THREADS = 4


def build_runtime(
    settings: Settings, *, engine: Engine | None = None, clock: Clock | None = None, client: WebClient | None = None,
    works: bool = True,
) -> Runtime:
    """The process's runtime, complete: one engine, one clock, one Web API client, its thread pools, and
    the installations (OAuth) or the bot's identity (one workspace).

    Two pools, so that an ack never waits behind another request's work:
    - Bolt's pool runs listeners up to their ack (no database work, except modal submissions,
      which validate before they ack); many cheap threads.
    - the work pool runs everything after the ack (database, Slack calls); each thread holds at
      most one database connection, so it is never larger than the engine's pool, and it is
      small because the work is bound by Python's interpreter lock, not by waiting.
    ``works``: False for `accord serve --no-worker`, which only stores and acknowledges requests.
    """
    engine = engine or make_engine(settings.database_url)
    installation_store = identity = None
    if settings.oauth:
        # Its tables come from the migrations (revision 0002_slack_oauth), like every other table.
        installation_store = SQLAlchemyInstallationStore(client_id=settings.slack_client_id or "", engine=engine)
    else:
        # The bot's identity is learnt in the background, never on a request (see bot.identity).
        identity = BotIdentity(make_client(settings, retries=0), token=settings.slack_bot_token or "")
    return Runtime(
        settings=settings,
        engine=engine,
        clock=clock or SystemClock(),
        client=client or make_client(settings),
        listener_executor=ListenerExecutor(ACK_THREADS, name="accord-ack"),
        work_executor=ListenerExecutor(min(WORK_THREADS, pool_capacity(engine)), name="accord-work"),
        installation_store=installation_store,
        identity=identity,
        works=works,
    )


def _oauth_settings(settings: Settings, rt: Runtime) -> OAuthSettings:
    state_store = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=rt.engine)
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=BOT_SCOPES,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=rt.installation_store,
        state_store=state_store,
        callback_options=_install_callbacks(rt),
    )


def _install_callbacks(rt: Runtime) -> CallbackOptions:
    """After Slack's OAuth callback stored the installation: its installer becomes a facilitator."""

    def installed(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        # An org-wide install (Enterprise Grid) belongs to the enterprise, not to one of its workspaces.
        tenant = installation.enterprise_id if installation.is_enterprise_install else installation.team_id
        promoted = False
        if tenant and installation.user_id:
            try:
                with rt.session() as session:
                    promoted = promote_installer(session, settings=rt.settings, team_id=tenant,
                                                 user_id=installation.user_id,
                                                 org_wide=bool(installation.is_enterprise_install))
            except SQLAlchemyError as err:  # the install itself is stored: say so, and let them finish
                logger.warning("installer_not_promoted team=%s user=%s error=%s", tenant, installation.user_id,
                               type(err).__name__)
        logger.info("installed team=%s enterprise_install=%s installer=%s facilitator=%s", tenant,
                    installation.is_enterprise_install, installation.user_id, promoted)
        return args.default.success(args)

    def failed(args: FailureArgs) -> BoltResponse:
        return args.default.failure(args)

    return CallbackOptions(success=installed, failure=failed)


def create_app(rt: Runtime) -> App:
    """A Bolt app with every Accord listener, acking at once and working after the ack."""
    settings = rt.settings
    kwargs: dict[str, Any] = {
        "signing_secret": settings.slack_signing_secret or "socket-mode-unused",
        "process_before_response": True,  # listeners return at their ack (handlers.shared.deferral)
        "listener_executor": rt.listener_executor,
        "token_verification_enabled": False,
        "request_verification_enabled": not settings.socket_mode,
    }
    if settings.oauth:
        kwargs["oauth_settings"] = _oauth_settings(settings, rt)
        kwargs["client"] = make_client(settings, token=None)
    elif rt.identity is not None:
        rt.identity.start()
        kwargs["authorize"] = rt.identity.bolt_authorize()
        kwargs["client"] = rt.client
    app = App(**kwargs)

    @app.middleware
    def runtime_and_inbox(req: BoltRequest, resp: BoltResponse, next: Any) -> BoltResponse | None:  # noqa: A002
        # One middleware, not two: Bolt builds every middleware's arguments on every request. Nothing
        # more here: the request's consortium is resolved after the ack, on first use.
        req.context[RUNTIME_KEY] = rt
        return store_before_ack(req, resp, next)

    @app.error
    def log_errors(error: Exception, body: dict[str, Any]) -> None:
        logger.error("listener_failed type=%s error=%s", body.get("type") or body.get("command"), error,
                     exc_info=error)

    register_all(app, work=rt.work_executor, acks=rt.listener_executor)
    return app


def worker_tasks(app: App) -> list[tuple[str, Any]]:
    """What a worker runs on every tick: stale inbox rows first, then the scheduled jobs, then the outbox."""
    pruned: dict[str, float] = {}
    report_backlog = BacklogReport()

    def recover_inbox(rt: Runtime, _now: Any) -> None:
        recover(rt, app)
        report_backlog(rt)
        last = pruned.get("at", 0.0)
        if time.monotonic() - last > PRUNE_EVERY:
            pruned["at"] = time.monotonic()
            prune(rt)

    def deliver_outbox(rt: Runtime, now: Any) -> None:
        rt.outbox.deliver_due(budget=OUTBOX_TICK_BUDGET, now=now)

    return [("inbox.recover", recover_inbox), *scheduled_tasks(), ("outbox.deliver", deliver_outbox)]
