"""`accord report --out DIR [--consortium C | --team T] [--since YYYY-MM-DD] [--public]`: write the
transparency report, a static site, into a folder."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.report.site import report_files, write_site
from bot.team_option import resolve_consortium
from storage.db import make_engine, upgrade


def parse_since(raw: str | None) -> date | None:
    """``--since``'s date, or a ConfigError saying what it should look like."""
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ConfigError(f"--since {raw}: not a date; give it as YYYY-MM-DD, e.g. --since 2026-01-31") from None


def run(settings: Settings, *, out: str, consortium: str | None, team: str | None, since: str | None,
        public: bool) -> int:
    """Write the report into ``out``; the exit code."""
    start = parse_since(since)
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise ConfigError(f"--out {out}: exists and is not a folder")
    upgrade(settings.database_url)
    consortium_id = resolve_consortium(settings, consortium=consortium, team=team)
    engine = make_engine(settings.database_url, single_use=True)
    try:
        files = report_files(engine, consortium_id=consortium_id, now=datetime.now(UTC), timezone=settings.timezone,
                             since=start, public=public)
    finally:
        engine.dispose()
    write_site(files, target)
    edition = "public report" if public else "report"
    print(f"accord: wrote the {edition} to {target / 'index.html'} ({len(files)} files)", file=sys.stderr)
    return 0
