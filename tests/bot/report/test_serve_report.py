"""`accord serve` serves the public report at /report/<ACCORD_REPORT_SECRET>/ and nowhere else."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from bot.config import ConfigError, settings_from_env
from storage.db import session_scope
from tests.factories import make_report_record
from tests.fakeslack import FakeSlack
from tests.harness import Harness, start_harness

SECRET = "r3port-Secret_0123456789"


@pytest.fixture
def served(fake_slack: FakeSlack, database_url: str) -> Iterator[Harness]:
    harness = start_harness(fake_slack, database_url, report_secret=SECRET)
    with session_scope(harness.rt.engine) as session:
        make_report_record(session)
    yield harness
    harness.stop()


def test_report_is_served_under_its_secret_only(served: Harness) -> None:
    index = httpx.get(f"{served.url}/report/{SECRET}/", timeout=30)
    assert index.status_code == 200 and index.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Overview:" in index.text and 'href="decisions.html"' in index.text
    policy = index.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy  # nothing runs; the charts' styles apply
    assert "style-src 'self' 'unsafe-inline'" in policy and index.headers["x-robots-tag"] == "noindex"
    decisions = httpx.get(f"{served.url}/report/{SECRET}/decisions.html", timeout=10)
    assert decisions.status_code == 200 and "Adopt the charter" in decisions.text
    css = httpx.get(f"{served.url}/report/{SECRET}/report.css", timeout=10)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    bare = httpx.get(f"{served.url}/report/{SECRET}", timeout=10)
    assert bare.status_code == 308 and bare.headers["location"] == f"/report/{SECRET}/"
    for page in (index.text, decisions.text):  # the served edition is the public one
        for private in ("UANN", "Ann Example", "Fay Facilitator", "slack.com"):
            assert re.search(rf"\b{private}\b", page) is None
    for wrong in (f"/report/{SECRET[:-1]}/", f"/report/{SECRET}x/decisions.html", "/report/", "/report//index.html",
                  f"/report/{SECRET}/../healthz", f"/report/{SECRET}/nothing.html", f"/report/{SECRET}/x.py"):
        assert httpx.get(served.url + wrong, timeout=10).status_code == 404, wrong


def test_report_is_not_served_without_the_setting(accord: Harness) -> None:
    with session_scope(accord.rt.engine) as session:
        make_report_record(session)
    for path in ("/report/", "/report/anything/", "/report/anything/index.html"):
        assert httpx.get(accord.url + path, timeout=10).status_code == 404


def test_report_secret_setting() -> None:
    assert settings_from_env({"ACCORD_REPORT_SECRET": SECRET}, dotenv=False).report_secret == SECRET
    assert settings_from_env({}, dotenv=False).report_secret is None
    for weak in ("short", "has spaces in it, quite long", "slash/in/the/middle/of/it"):
        with pytest.raises(ConfigError, match="ACCORD_REPORT_SECRET"):
            settings_from_env({"ACCORD_REPORT_SECRET": weak}, dotenv=False)


def test_several_consortia_each_get_their_report(served: Harness) -> None:
    with session_scope(served.rt.engine) as session:
        make_report_record(session, consortium_id="T2")
    index = httpx.get(f"{served.url}/report/{SECRET}/", timeout=30)
    assert index.status_code == 200
    assert index.text.count('<li><a href="c') == 2 and "T1" not in index.text and "T2" not in index.text
    for i in (1, 2):
        page = httpx.get(f"{served.url}/report/{SECRET}/c{i}/decisions.html", timeout=30)
        assert page.status_code == 200 and "Adopt the charter" in page.text
        assert httpx.get(f"{served.url}/report/{SECRET}/c{i}/report.css", timeout=10).status_code == 200


def test_served_report_is_rebuilt_once_its_minute_is_over(served: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import report_http
    from storage.models import Decision

    url = f"{served.url}/report/{SECRET}/decisions.html"
    assert "Publish the minutes" not in httpx.get(url, timeout=30).text
    with session_scope(served.rt.engine) as session:
        session.add(Decision(consortium_id="T1", text="Publish the minutes", channel_id="C1", recorded_by="UANN"))
    assert "Publish the minutes" not in httpx.get(url, timeout=30).text  # the same minute: the same build
    monkeypatch.setattr(report_http, "CACHE_FOR", 0.0)
    assert "Publish the minutes" in httpx.get(url, timeout=30).text
