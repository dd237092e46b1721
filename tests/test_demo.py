"""`accord demo` and `accord digest` from the command line, with no Slack settings at all."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot import demo
from bot.cli import main
from bot.clock import FakeClock
from storage.db import make_engine, session_scope
from storage.models import Commitment, Decision, DigestRun, Proposal, StakeholderGroup
from tests.fakeslack import FakeSlack

SLACK_SETTINGS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID",
                  "SLACK_CLIENT_SECRET", "SLACK_API_URL", "ACCORD_TIMEZONE")


@pytest.fixture
def demo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in SLACK_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    return tmp_path


def _counts(path: Path) -> dict[str, int]:
    engine = make_engine(f"sqlite:///{path / 'demo.db'}", single_use=True)
    with session_scope(engine) as session:
        counts = {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                  for model in (StakeholderGroup, Decision, Commitment, Proposal, DigestRun)}
    engine.dispose()
    return counts


def test_demo_prints_a_readable_digest(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert not (demo_dir / ".env").exists()
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Created the example consortium" in out
    for expected in ("Industry", "Academia", "Policy", "Civil society", "International", "Europe/Berlin",
                     "America/New_York", "Africa/Nairobi", "Asia/Kolkata", "Europe/Brussels",
                     "DECISIONS TAKEN", "OPEN COMMITMENTS", "overdue", "Not yet heard from:", "Consensus",
                     "No consensus", "Blocked", "No quorum", "Withdrawn", "answered", "Least heard",
                     "@Lena Fischer", "@Claire Dubois",
                     # what a facilitator of a consortium sees at once: organisations and their roles, observers,
                     # counting per organisation, reviews, supersessions and decisions being carried out
                     "ORGANISATIONS", "Northwind Robotics (3 members) — representative: Lena Fischer, focal point: "
                     "Marco Rossi", "Olu Adeyemi (observer)", "@Lena Fischer (Northwind Robotics)",
                     "one position per organisation", "capped at 40 %", "(superseded by #", "— supersedes #",
                     "DUE FOR REVIEW", "review due today",
                     "if it closed now: Consensus (4 agree · 0 abstain · 1 disagree · 0 block)",  # per organisation
                     "DECISIONS BEING CARRIED OUT", "1 of 2 commitments done"):
        assert expected in out, expected
    for noise in ("<@", "<!date", "<#", "&lt;", ":warning:", "*"):
        assert noise not in out, noise
    counts = _counts(demo_dir)
    assert counts["StakeholderGroup"] == 5 and counts["Proposal"] == 8 and counts["DigestRun"] == 0


def test_demo_twice_reuses_the_example(demo_dir: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Both runs at the same moment: the output shows times to the minute.
    monkeypatch.setattr(demo, "run", functools.partial(demo.run, clock=FakeClock(datetime.now(UTC))))
    assert main(["demo"]) == 0
    first = _counts(demo_dir)
    first_out = capsys.readouterr().out
    assert main(["demo"]) == 0
    second_out = capsys.readouterr().out
    assert _counts(demo_dir) == first
    assert "Reusing the example consortium" in second_out
    assert second_out.split("STAKEHOLDER GROUPS", 1)[1] == first_out.split("STAKEHOLDER GROUPS", 1)[1]


def test_digest_command_prints_a_group_channel_digest(demo_dir: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    capsys.readouterr()
    assert main(["digest", "--channel", "CINDUSTRY"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Digest: Industry")
    assert "Draft the data-sharing agreement annex" in out and "Organise the Nairobi" not in out
    assert "@Lena Fischer" in out and "UINDLENA" not in out  # names, as the demo's members are called
    assert _counts(demo_dir)["DigestRun"] == 0  # printing records nothing
    assert main(["digest", "--channel", "CNOWHERE"]) == 2
    assert "--channel CNOWHERE" in capsys.readouterr().err


def test_digest_post_without_a_token_names_the_setting(demo_dir: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    assert main(["digest", "--channel", "CINDUSTRY", "--post"]) == 2
    assert "SLACK_BOT_TOKEN" in capsys.readouterr().err


def test_digest_post_goes_through_slack_and_is_recorded(demo_dir: Path, fake_slack: FakeSlack,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    assert main(["digest", "--channel", "CINDUSTRY", "--team", "TDEMO", "--post"]) == 0
    [posted] = fake_slack.wait_for("chat.postMessage")
    assert posted.params["channel"] == "CINDUSTRY" and "Digest: Industry" in FakeSlack.all_text(posted)
    assert "Posted the digest" in capsys.readouterr().out
    engine = make_engine(f"sqlite:///{demo_dir / 'demo.db'}", single_use=True)
    with session_scope(engine) as session:
        [run] = session.exec(select(DigestRun)).all()
    engine.dispose()
    assert (run.status, run.trigger, run.message_ts) == ("posted", "cli", posted.response["ts"])


def test_demo_without_database_url_writes_its_own_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    for name in (*SLACK_SETTINGS, "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "accord-demo.db").exists() and not (tmp_path / "accord.db").exists()
    first = out.splitlines()[0]
    assert "sqlite:///accord-demo.db" in first and "accord serve" in first
    hint = out.strip().splitlines()[-1]
    assert "DATABASE_URL=sqlite:///accord-demo.db accord digest --channel CINDUSTRY" in hint
    monkeypatch.setenv("DATABASE_URL", "sqlite:///accord-demo.db")  # the hint's command finds the example
    assert main(["digest", "--channel", "CINDUSTRY", "--team", "TDEMO"]) == 0
    assert capsys.readouterr().out.startswith("Digest: Industry")


def test_demo_with_database_url_writes_there_and_says_so(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert f"sqlite:///{demo_dir / 'demo.db'}" in out.splitlines()[0] and "DATABASE_URL=" not in out
    assert not (demo_dir / "accord-demo.db").exists() and not (demo_dir / "accord.db").exists()


def test_demo_writes_the_example_report_and_says_where(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    index = demo_dir / "accord-demo-report" / "index.html"
    assert f"Transparency report of the example (open it in a browser): {index}" in out
    assert index.exists() and (demo_dir / "accord-demo-report" / "decisions.html").exists()
    decisions = (demo_dir / "accord-demo-report" / "decisions.html").read_text(encoding="utf-8")
    assert "Research data is shared under CC-BY 4.0" in decisions and "Move the secretariat to Geneva" in decisions
    assert "Lena Fischer" in (index.parent / "commitments.html").read_text(encoding="utf-8")  # the full report


def test_demo_exports_carry_organisations_observers_reviews_and_links(demo_dir: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    capsys.readouterr()

    def export(kind: str) -> list[dict[str, Any]]:
        assert main(["export", kind, "--team", "TDEMO"]) == 0
        rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
        return rows

    decisions = {d["id"]: d for d in export("decisions")}
    [old] = [d for d in decisions.values() if d["status"] == "superseded"]
    assert decisions[old["superseded_by"]]["supersedes"] == old["id"]
    [reviewed] = [d for d in decisions.values() if d["review_on"]]
    carrying = [c for c in export("commitments") if c["decision_id"] == reviewed["id"]]
    assert sorted(c["status"] for c in carrying) == ["done", "open"]
    assert {c["owner_name"]: c["organisation"] for c in carrying} == {
        "Lena Fischer": "Northwind Robotics", "Daniel Cohen": "Riverside University"}
    [governed] = [p for p in export("proposals") if p["counting"] == "organisation"]
    assert governed["cap"] == 40 and governed["status"] == "open"
    advisory = {p["user_id"] for p in governed["positions"] if p["advisory"]}
    assert advisory == {"UINDMARC", "UINDYUKI", "UACADAN"}  # Northwind counts its representative, Riverside its first
    [policy] = [g for g in export("groups") if g["name"] == "Policy"]
    assert [m["user_id"] for m in policy["members"] if m["observer"]] == ["UPOLOLU"]


def test_demo_report_shows_organisations_and_superseded_decisions(demo_dir: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    assert main(["report", "--out", str(demo_dir / "site"), "--consortium", "TDEMO"]) == 0
    decisions = (demo_dir / "site" / "decisions.html").read_text()
    assert "superseded" in decisions and "model-card template" in decisions
    assert "Northwind Robotics" in (demo_dir / "site" / "participation.html").read_text()
