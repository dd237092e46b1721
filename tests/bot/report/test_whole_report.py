"""The report of whole consortia — the demo's example and a consortium of 5,000 decisions: valid HTML
(parsed by html5lib, a parser of the WHATWG specification, with its errors collected), every decision
in the register, and the public edition free of every name and Slack id in the database."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import html5lib
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.cli import main
from bot.report.site import PAGES
from storage.db import make_engine, session_scope, upgrade
from storage.models import (
    AuditLog,
    Commitment,
    Consortium,
    Decision,
    GroupMembership,
    Position,
    Proposal,
    StakeholderGroup,
    UserName,
    Workspace,
)
from tests.factories import fill_large_report_record

LARGE_DECISIONS = 5_000
SETTINGS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET",
            "SLACK_API_URL", "ACCORD_TIMEZONE", "ACCORD_REPORT_SECRET")


def parse(name: str, text: str) -> object:
    """The page's document tree; fails with the parser's errors (line, column, what) if it is not valid."""
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    document = parser.parse(text)
    assert parser.errors == [], f"{name} is not valid HTML: {parser.errors[:5]}"
    return document


def registered(document: object) -> dict[int, str]:
    """The decisions in a parsed register: number -> heading."""
    headings = document.iterfind(".//h3[@id]")  # type: ignore[attr-defined]
    return {int(m.group(1)): "".join(h.itertext()) for h in headings
            if (m := re.fullmatch(r"decision-(\d+)-title", h.get("id")))}


def private_terms(engine: Engine, consortium_id: str) -> set[str]:
    """Every person's name and every Slack id (members, workspaces, channels) the database holds."""
    columns: tuple[Any, ...] = (
        UserName.name, UserName.user_id, UserName.team_id, GroupMembership.user_id, Decision.recorded_by,
        Decision.revoked_by, Decision.channel_id, Commitment.owner_id, Commitment.created_by, Commitment.channel_id,
        Position.user_id, Proposal.author_id, Proposal.channel_id, AuditLog.actor_id, StakeholderGroup.channel_id,
        StakeholderGroup.created_by, Workspace.id, Consortium.id)
    with session_scope(engine) as session:
        terms = {value for column in columns for value in session.execute(select(column).distinct()).scalars()}
    terms.discard(None)
    assert len(terms) > 10 and consortium_id in terms
    return terms


def assert_public(files: dict[str, str], terms: set[str]) -> None:
    """No term stands as a word (not inside a longer word or id) in any file."""
    for name, text in files.items():
        for term in terms:
            at = text.find(term)
            while at != -1:
                before, after = text[at - 1:at], text[at + len(term):at + len(term) + 1]
                assert not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"), \
                    f"{name} names {term!r}: …{text[max(0, at - 60):at + len(term) + 60]}…"
                at = text.find(term, at + 1)


def read(out: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return tmp_path


def test_demo_report_is_valid_complete_and_public_edition_names_no_one(cli_env: Path, engine: Engine) -> None:
    assert main(["demo"]) == 0
    assert main(["report", "--out", str(cli_env / "full"), "--team", "TDEMO"]) == 0
    assert main(["report", "--out", str(cli_env / "public"), "--team", "TDEMO", "--public"]) == 0
    with session_scope(engine) as session:
        decisions = {d.id: d.text for d in session.execute(select(Decision)).scalars()}
    assert len(decisions) >= 5
    for edition in ("full", "public"):
        files = read(cli_env / edition)
        assert set(files) == {name for name, _ in PAGES} | {"report.css"}
        pages = {name: parse(f"{edition}/{name}", text) for name, text in files.items() if name.endswith(".html")}
        shown = registered(pages["decisions.html"])
        assert set(shown) == set(decisions), edition
        assert all(decisions[i] in heading for i, heading in shown.items()), edition
    full = read(cli_env / "full")
    assert "Lena Fischer" in full["commitments.html"]  # the check below could find the names
    assert_public(read(cli_env / "public"), private_terms(engine, "TDEMO"))


def test_report_of_5000_decisions_is_valid_complete_and_public_edition_names_no_one(cli_env: Path,
                                                                                      engine: Engine) -> None:
    fill_large_report_record(engine, decisions=LARGE_DECISIONS, commitments=2_000)
    assert main(["report", "--out", str(cli_env / "full")]) == 0
    assert main(["report", "--out", str(cli_env / "public"), "--public"]) == 0
    full = read(cli_env / "full")
    pages = {name: parse(f"full/{name}", text) for name, text in full.items() if name.endswith(".html")}
    shown = registered(pages["decisions.html"])
    assert sorted(shown) == list(range(1, LARGE_DECISIONS + 1))
    assert all(f"the consortium adopts option {i % 13}" in heading for i, heading in shown.items())
    assert "Member1x001 Surname1x001" in full["decisions.html"]  # names are there to be left out
    public = read(cli_env / "public")
    assert re.findall(r'<h3 id="decision-(\d+)-title">', public["decisions.html"]) == [str(i) for i in sorted(shown)]
    assert_public(public, private_terms(engine, "TBIG"))


# In a real browser (Debian's chromium, headless): each page of both reports at a phone's and a desktop's
# width, no console error, every chart drawn with the groups' names; the first page's screenshots are kept
# in test-artifacts/report/ at the repository's root.

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "report"
VIEWPORTS = {"phone": {"width": 375, "height": 800}, "desktop": {"width": 1280, "height": 900}}
GROUP_CHARTS = ("Balance: how much each group was heard", "Positions taken per group, by week",
                "Commitments by group and status")
CHARTS = """() => [...document.querySelectorAll('svg.chart')].map(svg => {
    const box = svg.getBoundingClientRect();
    return {title: svg.querySelector('title').textContent, width: box.width, height: box.height,
            marks: svg.querySelectorAll('path, rect, line, polyline').length,
            texts: [...svg.querySelectorAll('text')].map(t => t.textContent)};
})"""


def _require_chromium() -> None:
    """Skip without the browser, except in CI, where its absence is a failure."""
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs Debian's chromium", pytrace=False)
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it")


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[str]]]:
    """The demo's report and the 5,000-decision consortium's (SQLite), with their groups' names."""
    _require_chromium()
    from tests.factories import LARGE_GROUPS

    base = tmp_path_factory.mktemp("whole")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(base)
        for name in SETTINGS:
            patch.delenv(name, raising=False)
        patch.setenv("DATABASE_URL", f"sqlite:///{base / 'demo.db'}")
        assert main(["demo"]) == 0
        assert main(["report", "--out", str(base / "demo")]) == 0
        url = f"sqlite:///{base / 'large.db'}"
        upgrade(url)
        large = make_engine(url, single_use=True)
        fill_large_report_record(large, decisions=LARGE_DECISIONS, commitments=2_000)
        large.dispose()
        patch.setenv("DATABASE_URL", url)
        assert main(["report", "--out", str(base / "large")]) == 0
    from bot.demo import GROUPS

    return {"demo": (base / "demo", [g.name for g in GROUPS]), "large": (base / "large", list(LARGE_GROUPS))}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_chromium()  # the first fixture the test asks for
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("which", ["demo", "large"])
def test_whole_report_renders_without_errors_and_draws_its_charts(
        browser: Any, sites: dict[str, tuple[Path, list[str]]], which: str, viewport: str) -> None:
    site, groups = sites[which]
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(f"console: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: errors.append(f"failed to load {request.url}"))
    try:
        drawn: dict[str, dict[str, Any]] = {}
        for name, _title in PAGES:
            page.goto((site / name).as_uri(), wait_until="load")
            for chart in page.evaluate(CHARTS):
                assert chart["width"] > 0 and chart["height"] > 20 and chart["marks"] > 5, (name, chart["title"])
                drawn[chart["title"]] = chart
            if name == "index.html":
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                shot = ARTIFACTS / f"{which}-{viewport}.png"
                page.screenshot(path=str(shot))
                assert shot.stat().st_size > 10_000
        for title in GROUP_CHARTS:
            text = " ".join(drawn[title]["texts"])
            assert all(group in text for group in groups), (title, groups, text)
        assert errors == []
    finally:
        context.close()
