"""`accord serve`'s transparency report: the public edition at ``/report/<ACCORD_REPORT_SECRET>/``.

Only when the setting is set, and only under the exact secret (compared in constant time);
anything else under ``/report/`` is a 404 that says no more. The served edition is the public
one (organisations and groups, no personal names or Slack ids): a link is easily passed on.
The site is built on request and kept for ``CACHE_FOR`` seconds, so a reader clicking through
its pages, or many readers at once, cost one build.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from html import escape

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.runtime import Runtime
from storage.db import session_scope
from storage.teams import list_consortia

logger = logging.getLogger("accord.report")
CACHE_FOR = 60.0
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8"}
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer",
           # The charts' SVG carries its styles inline; nothing may run, load or be submitted.
           "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                                      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
           "X-Content-Type-Options": "nosniff"}


class ReportSite:
    """The served report's files, rebuilt at most every ``CACHE_FOR`` seconds."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.lock = threading.Lock()
        self.files: dict[str, str] = {}
        self.built_at = float("-inf")

    def get(self) -> dict[str, str]:
        with self.lock:
            if time.monotonic() - self.built_at > CACHE_FOR:
                self.files = self._build()
                self.built_at = time.monotonic()
            return self.files

    def _build(self) -> dict[str, str]:
        from bot.report.site import report_files  # matplotlib is loaded when a report is first asked for

        settings, now = self.rt.settings, self.rt.clock.now()
        with session_scope(self.rt.engine) as session:
            consortia = [(c.id, c.name) for c in list_consortia(session)]
        if len(consortia) <= 1:
            only = consortia[0][0] if consortia else ""
            return report_files(self.rt.engine, consortium_id=only, now=now, timezone=settings.timezone, public=True)
        files = {"index.html": _listing([name for _, name in consortia])}
        for i, (cid, _name) in enumerate(consortia, start=1):
            site = report_files(self.rt.engine, consortium_id=cid, now=now, timezone=settings.timezone, public=True)
            files.update({f"c{i}/{path}": text for path, text in site.items()})
        return files


def _listing(names: list[str | None]) -> str:
    items = "".join(f'<li><a href="c{i}/index.html">{escape(name or f"Consortium {i}")}</a></li>'
                    for i, name in enumerate(names, start=1))
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Accord transparency reports</title></head><body><main><h1>Accord transparency reports</h1>"
            f"<ul>{items}</ul></main></body></html>")


def report_routes(rt: Runtime) -> list[Route]:
    """The report's routes, or none when ``ACCORD_REPORT_SECRET`` is not set."""
    secret = rt.settings.report_secret
    if not secret:
        return []
    expected = secret.encode()
    site = ReportSite(rt)

    def allowed(request: Request) -> bool:
        return hmac.compare_digest(str(request.path_params["secret"]).encode(), expected)

    async def root(request: Request) -> Response:
        if not allowed(request):
            return PlainTextResponse("Not Found", status_code=404)
        return RedirectResponse(f"/report/{secret}/", status_code=308)

    def page(request: Request) -> Response:
        if not allowed(request):
            logger.warning("report_refused reason=wrong_secret")
            return PlainTextResponse("Not Found", status_code=404)
        path: str = request.path_params["path"] or "index.html"
        if path.endswith("/"):
            path += "index.html"
        files = site.get()
        kind = TYPES.get(path[path.rfind("."):] if "." in path else "")
        if path not in files or kind is None:
            return PlainTextResponse("Not Found", status_code=404)
        return Response(files[path], media_type=kind.split(";")[0], headers={**HEADERS, "Content-Type": kind})

    async def page_async(request: Request) -> Response:
        return await run_in_threadpool(page, request)

    return [Route("/report/{secret}", root, methods=["GET"]),
            Route("/report/{secret}/{path:path}", page_async, methods=["GET"])]
