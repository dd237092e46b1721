"""Calendars: `accord calendar` for members and groups, and each member's feed served over HTTP,
parsed back with icalendar."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar

from bot.cli import main
from handlers.shared import ids
from tests.factories import make_commitments, make_group, make_proposal_with_positions
from tests.fakeslack import FakeSlack
from tests.harness import START, Harness

HOME = {"id": "VHOME", "type": "home"}


def _seed(accord: Harness) -> dict[str, int]:
    with accord.rt.session() as session:
        academia = make_group(session, name="Academia", members=["U1", "U2"], timezone="Europe/Berlin")
        academia.checkin_days, academia.checkin_time = "mon", "09:30"
        session.add(academia)
        industry = make_group(session, name="Industry", members=["U3"])
        assert academia.id is not None and industry.id is not None
        ours = make_proposal_with_positions(session, title="Adopt the charter", group_ids=[academia.id],
                                            closes_at=START + timedelta(days=7))
        theirs = make_proposal_with_positions(session, title="Industry only", group_ids=[industry.id])
        [mine] = make_commitments(session, owner_id="U1", group_id=academia.id, text="Draft the annex & <notes>",
                                  due_date=date(2026, 12, 1))
        make_commitments(session, owner_id="U1", group_id=academia.id, text="Undated")
        [other] = make_commitments(session, owner_id="U3", group_id=industry.id, text="Someone else's",
                                   due_date=date(2026, 12, 2))
    assert ours.id and theirs.id and mine.id and other.id
    return {"proposal": ours.id, "other_proposal": theirs.id, "commitment": mine.id, "other": other.id}


def _events(ics: bytes) -> dict[str, object]:
    cal = Calendar.from_ical(ics)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_member_calendar_file_has_due_dates_closings_and_checkins_with_stable_uids(
        accord: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded = _seed(accord)
    monkeypatch.setenv("DATABASE_URL", accord.rt.settings.database_url)
    out = tmp_path / "u1.ics"
    assert main(["calendar", "--member", "U1", "--out", str(out)]) == 0
    events = _events(out.read_bytes())
    due = events[f"commitment-{seeded['commitment']}@t1.accord"]
    assert due.decoded("DTSTART") == date(2026, 12, 1)  # type: ignore[attr-defined]
    assert str(due["SUMMARY"]) == "Due: Draft the annex & <notes>"  # type: ignore[index]
    assert "DTSTAMP" in due  # type: ignore[operator]
    closing = events[f"proposal-closes-{seeded['proposal']}@t1.accord"]
    assert closing.decoded("DTSTART") == START + timedelta(days=7)  # type: ignore[attr-defined]
    checkins = sorted(e.decoded("DTSTART") for u, e in events.items() if u.startswith("checkin-"))  # type: ignore[attr-defined]
    # Mondays at 09:30 in Berlin (08:30 UTC in winter, 07:30 in summer), from the next Monday on (the command
    # runs on the real clock).
    now = datetime.now(UTC)
    assert now < checkins[0] <= now + timedelta(days=7) and len(checkins) >= 7
    assert all(c.weekday() == 0 and (c.hour, c.minute) in ((8, 30), (7, 30)) for c in checkins)
    assert f"commitment-{seeded['other']}@t1.accord" not in events  # someone else's
    assert f"proposal-closes-{seeded['other_proposal']}@t1.accord" not in events  # not required of U1's group
    first = out.read_bytes()
    assert main(["calendar", "--member", "U1", "--out", str(out)]) == 0
    assert out.read_bytes() == first  # the same records give the same file: subscriptions update, not duplicate


def test_group_calendar_to_standard_output_and_unknown_group(accord: Harness, monkeypatch: pytest.MonkeyPatch,
                                                             capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    seeded = _seed(accord)
    monkeypatch.setenv("DATABASE_URL", accord.rt.settings.database_url)
    assert main(["calendar", "--group", "industry", "--consortium", "T1"]) == 0
    events = _events(capsysbinary.readouterr().out)
    assert set(events) == {f"commitment-{seeded['other']}@t1.accord",
                           f"proposal-closes-{seeded['other_proposal']}@t1.accord"}
    assert main(["calendar", "--group", "Nobody"]) == 2
    assert b"Nobody" in capsysbinary.readouterr().err


def _home_token(accord: Harness, *, action: str | None = None) -> str:
    before = len(accord.fake.calls_to("views.publish"))
    if action is None:
        accord.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    else:
        accord.action(action, "rotate", user="U1", channel=None, view=HOME)
    view = accord.fake.wait_for("views.publish", count=before + 1)[-1]
    match = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", FakeSlack.all_text(view))
    assert match, FakeSlack.all_text(view)
    return match.group(1)


def test_feed_is_served_by_token_and_a_new_link_retires_the_old_one(accord: Harness) -> None:
    seeded = _seed(accord)
    token = _home_token(accord)
    assert len(token) >= 40
    assert _home_token(accord) == token  # the same link every time the App Home opens
    response = httpx.get(f"{accord.url}/calendar/{token}.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert f"commitment-{seeded['commitment']}@t1.accord" in _events(response.content)
    new = _home_token(accord, action=ids.HOME_CALENDAR_NEW_LINK)
    assert new != token
    assert httpx.get(f"{accord.url}/calendar/{token}.ics").status_code == 404
    assert httpx.get(f"{accord.url}/calendar/{new}.ics").status_code == 200
    for bad in ("x" * 43, "nope", "%2e%2e", "a" * 5000):
        assert httpx.get(f"{accord.url}/calendar/{bad}.ics").status_code == 404
