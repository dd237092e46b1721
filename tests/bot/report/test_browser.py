"""The report in a real browser (Debian's chromium, headless, JavaScript off), on a phone's width
and a desktop's: headings in order, tables and charts rendered with their names, nothing wider
than the screen, and the pages reachable from each other."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.report.site import PAGES, build_site, write_site
from bot.services.report import build_report
from storage.db import session_scope
from tests.factories import T0, make_report_record

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
VIEWPORTS = [{"width": 375, "height": 800}, {"width": 1280, "height": 900}]
CHARTS = {"participation.html": ["Balance: how much each group was heard", "Positions taken per group, by week",
                                 "Check-in answers per group, by week"],
          "commitments.html": ["Commitments by group and status"],
          "index.html": ["Balance: how much each group was heard"]}
TABLES = {"decisions.html": 2, "commitments.html": 2, "audit.html": 1}  # visible ones; charts' tables are folded

if not CHROMIUM.exists() and IN_CI:
    pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs Debian's chromium (apt-get install chromium)",
                pytrace=False)
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason=f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it")


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Path:
    with session_scope(engine) as session:
        make_report_record(session)
    with session_scope(engine) as session:
        report = build_report(session, consortium_id="T1", now=T0 + timedelta(days=10))
    write_site(build_site(report), tmp_path / "site")
    return tmp_path / "site"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


HEADINGS = "() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => Number(h.tagName[1]))"
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["phone", "desktop"])
def test_report_renders_in_a_browser(browser: Any, site: Path, viewport: dict[str, int]) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport=viewport, java_script_enabled=False)
    page = context.new_page()
    try:
        for name, title in PAGES:
            page.goto((site / name).as_uri())
            expect(page.get_by_role("heading", level=1)).to_have_text(f"{title}: T1")
            levels = page.evaluate(HEADINGS)
            assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (name, levels)
            assert page.evaluate(OVERFLOW) <= 0, f"{name} is wider than {viewport['width']} px"
            assert page.locator("html").get_attribute("lang") == "en"
            for chart in CHARTS.get(name, []):
                image = page.get_by_role("img", name=chart, exact=True).first
                expect(image).to_be_visible()
                box = image.bounding_box()
                assert box is not None and 0 < box["width"] <= viewport["width"] and box["height"] > 20
            tables = page.get_by_role("table")
            assert tables.count() >= TABLES.get(name, 0)
            for i in range(tables.count()):
                assert tables.nth(i).locator("th[scope]").count() > 0
                scrolls = tables.nth(i).evaluate("t => getComputedStyle(t.parentElement).overflowX")
                assert scrolls == "auto", f"a table of {name} does not scroll in its own box"
        page.goto((site / "participation.html").as_uri())
        page.get_by_text("Balance: how much each group was heard: the numbers").click()  # a chart's text alternative
        numbers = page.get_by_role("table", name="Balance: how much each group was heard")
        expect(numbers).to_be_visible()
        expect(numbers.get_by_role("rowheader", name="Industry")).to_be_visible()
        page.goto((site / "index.html").as_uri())
        page.get_by_role("navigation").get_by_role("link", name="Decision register").click()
        assert page.url.endswith("/decisions.html")
        expect(page.get_by_role("heading", name='#2: <script>alert("x")</script> & "quotes"')).to_be_visible()
        page.get_by_role("link", name="Audit trail").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail: T1")
        page.get_by_role("link", name="Overview").click()
        assert page.url.endswith("/index.html")
    finally:
        context.close()
