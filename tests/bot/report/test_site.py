"""`accord report`: a static, accessible site whose user text is inert, and whose public edition
names no person and carries no Slack id in any file."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.cli import main
from bot.report.site import PAGES, build_site
from bot.services.report import build_report
from storage.db import session_scope
from tests.factories import T0, make_report_record

PRIVATE = ("UANN", "UBOB", "UCAT", "UFAC", "Ann Example", "Bob Sample", "Cat Person", "Fay Facilitator", "T1", "C1",
           "slack.com")


@pytest.fixture
def record(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    with session_scope(engine) as session:
        ids = make_report_record(session)
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("ACCORD_TIMEZONE", "ACCORD_REPORT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return ids


def _files(out: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}


def test_report_writes_linked_accessible_pages(record: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert main(["report", "--out", str(out)]) == 0
    files = _files(out)
    assert set(files) == {name for name, _ in PAGES} | {"report.css"}
    for name, _title in PAGES:
        page = files[name]
        assert '<html lang="en">' in page and 'name="viewport"' in page and page.count("<h1>") == 1
        assert all(f'href="{other}"' in page for other, _ in PAGES)  # every page reaches every other
        assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
        assert re.search(r"<(link|img|script)[^>]+https?://", page) is None  # nothing fetched at view time
    decisions = files["decisions.html"]
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;" in decisions
    assert "Fay Facilitator" in decisions and "Too costly for &lt;@UCAT&gt;" in decisions
    assert "Revoked</dt><dd>" in decisions and "Recorded by mistake" in decisions
    assert 'href="https://example.slack.com/archives/C1/p1"' in decisions  # the thread, in the full report
    assert "Civil &lt;b&gt;&#34;society&#34;&lt;/b&gt;" in decisions and "<b>" not in decisions
    participation = files["participation.html"]
    assert participation.count('<svg ') == 3 and participation.count('role="img" aria-labelledby=') == 3
    assert '<title id="chart-balance-title">Balance: how much each group was heard</title>' in participation
    assert '<th scope="col">Week of</th>' in participation and '<th scope="row">' in participation
    assert "Civil &lt;b&gt;&#34;society&#34;&lt;/b&gt;" in participation and "<b>" not in participation
    assert "Ann Example" in files["audit.html"] and "decision.revoke" in files["audit.html"]
    assert "overflow-x: auto" in files["report.css"]


def test_public_report_has_no_names_or_slack_ids_in_any_file(record: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "public"
    assert main(["report", "--out", str(out), "--public"]) == 0
    files = _files(out)
    assert len(files) == len(PAGES) + 1
    for name, text in files.items():
        for private in PRIVATE:
            assert re.search(rf"\b{re.escape(private)}\b", text) is None, (name, private)
    assert "Industry" in files["decisions.html"] and "Breaks the funding rules" in files["decisions.html"]
    assert "(public)" in files["index.html"]


def test_since_and_bad_arguments(record: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "since"
    assert main(["report", "--out", str(out), "--since", (T0 + timedelta(days=4)).date().isoformat()]) == 0
    decisions = (out / "decisions.html").read_text()
    assert "Adopt the charter</h3>" not in decisions and "Recorded by mistake" in decisions
    assert main(["report", "--out", str(tmp_path / "x"), "--since", "last week"]) == 2
    assert "--since last week: not a date; give it as YYYY-MM-DD" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert main(["report", "--out", str(tmp_path / "file")]) == 2
    assert main(["report", "--out", str(tmp_path / "y"), "--consortium", "TNOPE"]) == 2


def test_same_record_same_files(record: dict[str, int], engine: Engine) -> None:
    with session_scope(engine) as session:
        report = build_report(session, consortium_id="T1", now=T0 + timedelta(days=10))
    assert build_site(report) == build_site(report)


def test_report_of_an_empty_database(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["report", "--out", str(tmp_path / "empty"), "--public"]) == 0
    files = _files(tmp_path / "empty")
    assert "<h1>Overview: the consortium</h1>" in files["index.html"]
    assert "No decisions recorded." in files["decisions.html"] and files["participation.html"].count("<svg ") == 3


def test_installed_command_writes_the_report_from_any_directory(record: dict[str, int], database_url: str,
                                                                tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ACCORD_")) and k != "PYTHONPATH"}
    env["DATABASE_URL"] = database_url
    result = subprocess.run([sys.executable, "-m", "bot.cli", "report", "--out", "out"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and "wrote the report to out/index.html" in result.stderr
    assert "Adopt the charter" in (tmp_path / "out" / "decisions.html").read_text()


def test_organisations_get_their_chart_once_recorded(record: dict[str, int], engine: Engine) -> None:
    from dataclasses import replace

    with session_scope(engine) as session:
        report = build_report(session, consortium_id="T1", now=T0 + timedelta(days=10))
    assert "No organisations are recorded" in build_site(report)["participation.html"]
    with_orgs = replace(report, participation=replace(report.participation,
                                                      by_organisation={"Uni <A>": 3, "Ministry B": 1}))
    page = build_site(with_orgs)["participation.html"]
    assert page.count("<svg ") == 4 and "Positions and check-in answers per organisation</title>" in page
    assert '<th scope="row">Uni &lt;A&gt;</th><td>3</td>' in page and "Uni <A>" not in page
