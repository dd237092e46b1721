"""The transparency report as files: ``index.html``, one page per part, ``report.css``.

Every user text goes through Jinja2's autoescaping; only the charts' SVG, which this package
draws, is inserted as markup. Pages link to each other by relative paths, so the site works
from a folder, a file:// URL or behind any prefix.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.engine import Engine

from bot.report.charts import Chart, balance_chart, progress_chart, totals_chart, weekly_chart
from bot.services.report import Report, build_report
from storage.db import session_scope

TEMPLATES = Path(__file__).parent / "templates"
PAGES = (("index.html", "Overview"), ("decisions.html", "Decision register"),
         ("commitments.html", "Commitments"), ("participation.html", "Participation"),
         ("audit.html", "Audit trail"))
OUTCOMES = {"consensus": "Consensus", "no_consensus": "No consensus", "blocked": "Blocked",
            "no_quorum": "No quorum", "withdrawn": "Withdrawn"}


def _when(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["when"] = _when
    env.filters["outcome"] = lambda value: OUTCOMES.get(value or "", "Open" if not value else value)
    env.filters["svg"] = lambda chart: Markup(chart.svg)  # drawn here, never user markup
    return env


def _charts(report: Report) -> dict[str, Chart]:
    part = report.participation
    charts = {
        "positions": weekly_chart(key="chart-positions", title="Positions taken per group, by week",
                                  weeks=part.weeks, series=part.positions, unit="positions"),
        "answers": weekly_chart(key="chart-answers", title="Check-in answers per group, by week",
                                weeks=part.weeks, series=part.answers, unit="answers"),
        "balance": balance_chart(key="chart-balance", title="Balance: how much each group was heard",
                                 bars={v.name: (v.members, v.positions, v.answers) for v in part.voices},
                                 least=part.least_heard),
    }
    if part.by_organisation:
        charts["organisations"] = totals_chart(
            key="chart-organisations", title="Positions and check-in answers per organisation",
            totals=part.by_organisation, unit="positions and answers", heading="Organisation")
    if report.by_group:
        charts["by_group"] = progress_chart(key="chart-progress-group", title="Commitments by group and status",
                                            rows=[(p.label, p.counts) for p in report.by_group])
    if report.by_organisation:
        charts["by_organisation"] = progress_chart(
            key="chart-progress-organisation", title="Commitments by organisation and status",
            rows=[(p.label, p.counts) for p in report.by_organisation])
    return charts


def build_site(report: Report) -> dict[str, str]:
    """The report's files by name (relative paths), ready to write or serve."""
    env = _environment()
    charts = _charts(report)
    files = {"report.css": (TEMPLATES / "report.css").read_text(encoding="utf-8")}
    for name, title in PAGES:
        files[name] = env.get_template(name).render(report=report, charts=charts, pages=PAGES, page=name,
                                                    title=title)
    return files


def write_site(files: dict[str, str], out: Path) -> None:
    """Write the report's files into ``out`` (created if missing; files of an earlier report replaced)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")


def report_files(engine: Engine, *, consortium_id: str, now: datetime, timezone: str, since: date | None = None,
                 public: bool = False) -> dict[str, str]:
    """Read the record (one session) and build the report's files."""
    with session_scope(engine) as session:
        report = build_report(session, consortium_id=consortium_id, now=now, since=since, public=public,
                              today=now.astimezone(ZoneInfo(timezone)).date())
    return build_site(report)
