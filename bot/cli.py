"""The `accord` command: serve, worker, db upgrade, export, report, digest, manifest, demo, calendar."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from bot import demo, digest_cli, report_cli
from bot.app import build_runtime, create_app, worker_tasks
from bot.clock import SystemClock
from bot.config import ConfigError, Settings, settings_from_env
from bot.manifest import build_manifest
from bot.scheduler import Scheduler
from bot.server import create_web_app, serve_http, serve_socket_mode
from bot.services import ServiceError, calendar
from bot.services.access import has_facilitator
from bot.services.export import export_rows, render
from bot.services.people import known_names
from bot.team_option import resolve_consortium
from bot.worker_process import ChildWorker, follow_parent
from handlers.shared.inbox import InboxPoller
from storage.db import make_engine, session_scope, upgrade

logger = logging.getLogger("accord.cli")
EXPORT_KINDS = ("decisions", "commitments", "proposals", "checkins", "groups", "audit")


def configure_logging(level: str) -> None:
    """key=value logs on standard error (standard output is for exports)."""
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # APScheduler reports every tick at INFO; Accord logs what its ticks do.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLogger().level))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="accord", description="Accord: a Slack bot for collaboration consortia.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the bot (HTTP, or Socket Mode when SLACK_APP_TOKEN is set)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--no-worker", action="store_true",
                       help="only store and acknowledge requests; `accord worker` processes do the work")
    worker = sub.add_parser("worker", help="work stored requests, send the outbox and run the schedules (no HTTP)")
    worker.add_argument("--attached", action="store_true", help=argparse.SUPPRESS)  # `accord serve`'s own child
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply database migrations")
    export = sub.add_parser("export", help="write records to standard output")
    export.add_argument("kind", choices=EXPORT_KINDS)
    export.add_argument("--format", choices=("json", "csv", "md"), default="json")
    export.add_argument("--consortium", default=None, help="the consortium's id or name")
    export.add_argument("--team", default=None, help="the consortium of this workspace")
    report = sub.add_parser("report", help="write the transparency report (a static site) into a folder")
    report.add_argument("--out", required=True, help="the folder to write index.html and its pages into")
    report.add_argument("--consortium", default=None, help="the consortium's id or name")
    report.add_argument("--team", default=None, help="the consortium of this workspace")
    report.add_argument("--since", default=None, help="only records since this date (YYYY-MM-DD)")
    report.add_argument("--public", action="store_true",
                        help="organisations and groups only: no personal names, no Slack ids, no hidden details")
    export.add_argument("--with-names", action="store_true",
                        help="proposals: name members on anonymous proposals too (the facilitators' record)")
    digest = sub.add_parser("digest", help="print (or post) the digest for a channel")
    digest.add_argument("--channel", required=True)
    digest.add_argument("--consortium", default=None, help="the consortium's id or name")
    digest.add_argument("--team", default=None, help="the consortium of this workspace")
    digest.add_argument("--post", action="store_true")
    manifest = sub.add_parser("manifest", help="print the Slack app manifest")
    manifest.add_argument("--url", default=None, help="public base URL, e.g. https://accord.example.org")
    manifest.add_argument("--socket-mode", action="store_true",
                          help="a manifest for Socket Mode (no URLs); the default when SLACK_APP_TOKEN is set "
                               "and --url is not given")
    manifest.add_argument("--org", action="store_true",
                          help="installable org-wide on an Enterprise Grid organisation (org_deploy_enabled)")
    sub.add_parser("demo", help="fill a local database with an example consortium and print its digest")
    calendar = sub.add_parser("calendar", help="write an iCalendar file of due dates, proposal closings and check-ins")
    whose = calendar.add_mutually_exclusive_group(required=True)
    whose.add_argument("--member", nargs="+", metavar="U", help="members' Slack ids")
    whose.add_argument("--group", help="a stakeholder group's name")
    calendar.add_argument("--consortium", default=None, help="the consortium's id or name")
    calendar.add_argument("--team", default=None, help="the consortium of this workspace")
    calendar.add_argument("--out", default=None, help="the file to write (default: standard output)")
    return parser


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    consortium_id = resolve_consortium(settings, consortium=args.consortium, team=args.team)
    engine = make_engine(settings.database_url, single_use=True)
    with session_scope(engine) as session:
        rows = export_rows(session, kind=args.kind, consortium_id=consortium_id, with_names=args.with_names)
        names = known_names(session, consortium_id=consortium_id)
    engine.dispose()
    sys.stdout.write(render(rows, kind=args.kind, fmt=args.format, names=names))
    return 0


def cmd_calendar(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    consortium_id = resolve_consortium(settings, consortium=args.consortium, team=args.team)
    engine = make_engine(settings.database_url, single_use=True)
    try:
        with session_scope(engine) as session:
            if args.group:
                ics = calendar.group_calendar(session, consortium_id=consortium_id, name=args.group,
                                              now=SystemClock().now())
            else:
                ics = calendar.member_calendar(session, consortium_id=consortium_id, user_ids=args.member,
                                               now=SystemClock().now())
    except ServiceError as err:
        print(f"accord: {err.message}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if args.out:
        with open(args.out, "wb") as out:
            out.write(ics)
        logger.info("calendar_written path=%s", args.out)
    else:
        sys.stdout.buffer.write(ics)
        sys.stdout.flush()
    return 0


class Worker:
    """What works: the inbox poller, the scheduler (with its catch-up sweep) and the outbox loop."""

    def __init__(self, rt: Any, app: Any) -> None:
        self.rt = rt
        self.scheduler = Scheduler(rt, worker_tasks(app))
        self.poller = InboxPoller(rt, app)

    def start(self) -> None:
        self.scheduler.start()
        self.rt.outbox.start()
        self.poller.start()

    def stop(self) -> None:
        self.poller.stop()
        self.scheduler.shutdown()
        self.rt.drain()
        self.rt.outbox.stop()


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    settings.require_slack()
    upgrade(settings.database_url)
    rt = build_runtime(settings, works=False)  # this process stores and acknowledges; a worker process works
    warn_without_facilitator(settings, rt.engine)
    app = create_app(rt)
    child = None if args.no_worker else ChildWorker()
    if child is not None:
        rt.inbox.after_commit = child.wake
    shape = "none" if child is None else "process"

    def startup() -> None:
        if child is not None:
            child.start()

    def shutdown() -> None:
        rt.drain()
        rt.inbox.stop()
        if child is not None:
            child.stop()
        rt.engine.dispose()
    if settings.socket_mode:
        assert settings.slack_app_token
        logger.info("serving mode=socket worker=%s", shape)
        serve_socket_mode(app, app_token=settings.slack_app_token, on_startup=startup,
                          on_shutdown=shutdown)
        return 0
    port = args.port or settings.port
    logger.info("serving mode=http host=%s port=%s worker=%s", args.host, port, shape)
    web = create_web_app(app, rt, on_startup=startup, on_shutdown=shutdown)
    # Everything loaded so far lives as long as the process: keep it out of the collector's
    # full passes, which otherwise pause every request in flight.
    gc.collect()
    gc.freeze()
    serve_http(web, host=args.host, port=port, log_level=settings.log_level)
    return 0


def warn_without_facilitator(settings: Settings, engine: Any) -> None:
    """First run with a bot token: say, once, how to become a facilitator when nobody is one.

    Under OAuth the user who installs Accord becomes one, so there is nothing to set.
    """
    if settings.oauth:
        return
    with session_scope(engine) as session:
        if has_facilitator(session, settings=settings):
            return
    logger.warning("no_facilitator: nobody can create groups or add facilitators until ACCORD_FACILITATORS "
                   "lists at least one Slack member id (comma-separated, e.g. ACCORD_FACILITATORS=U012AB3CD); "
                   "find yours in Slack: your profile → ⋮ (More) → Copy member ID; then restart accord serve")


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    settings.require_token()
    stopping = threading.Event()  # a SIGTERM while starting up stops the worker cleanly once it has started
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    upgrade(settings.database_url)
    rt = build_runtime(settings)
    app = create_app(rt)
    worker = Worker(rt, app)
    worker.start()
    if args.attached:
        follow_parent(worker.poller.heard_ack)
    logger.info("worker_started")
    while not stopping.wait(1.0):
        pass
    logger.info("worker_stopping")
    worker.stop()
    rt.engine.dispose()
    logger.info("worker_stopped")
    return 0


def cmd_manifest(settings: Settings, args: argparse.Namespace) -> int:
    """The manifest on standard output; on standard error, which one it is and where Slack will call."""
    if args.url is not None and not args.url.startswith("https://"):
        raise ConfigError(f"--url {args.url}: Slack only calls https:// URLs; give the public base URL, "
                          "e.g. --url https://accord.example.org")
    socket_mode = args.socket_mode or (settings.socket_mode and args.url is None)
    manifest = build_manifest(args.url, socket_mode=socket_mode, oauth=settings.oauth, org=args.org)
    print(json.dumps(manifest, indent=2))
    print(f"accord: {manifest_summary(manifest, oauth=settings.oauth, placeholder=args.url is None)}", file=sys.stderr)
    return 0


def manifest_summary(manifest: dict[str, Any], *, oauth: bool, placeholder: bool) -> str:
    """One line saying which manifest this is: Socket Mode, or HTTP with the URLs Slack will call."""
    settings = manifest["settings"]
    if settings["socket_mode_enabled"]:
        text = "printed the Socket Mode manifest (no request URLs; `accord serve` needs SLACK_APP_TOKEN)"
        if oauth:
            text += "; no OAuth redirect URL: the install pages are served in HTTP mode only"
    else:
        text = f"printed the HTTP manifest: requests to {settings['event_subscriptions']['request_url']}"
        for url in manifest["oauth_config"].get("redirect_urls", []):
            text += f", OAuth redirect to {url}"
        if placeholder:
            text += " (a placeholder: give your public URL with --url https://…)"
    if settings["org_deploy_enabled"]:
        text += "; installable org-wide on Enterprise Grid"
    return text


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings.database_url)
    logger.info("database_upgraded")
    return 0


def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    return digest_cli.run(settings, channel=args.channel, consortium=args.consortium, team=args.team,
                          post=args.post)


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    return report_cli.run(settings, out=args.out, consortium=args.consortium, team=args.team, since=args.since,
                          public=args.public)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    return demo.run(settings)


COMMANDS = {"serve": cmd_serve, "worker": cmd_worker, "db": cmd_db, "export": cmd_export, "manifest": cmd_manifest,
            "digest": cmd_digest, "demo": cmd_demo, "report": cmd_report, "calendar": cmd_calendar}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `accord` console script."""
    args = _parser().parse_args(argv)
    try:
        settings = settings_from_env()
        configure_logging(settings.log_level)
        return COMMANDS[args.command](settings, args)
    except ConfigError as err:
        print(f"accord: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
