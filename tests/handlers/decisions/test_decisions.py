"""End to end: /decision through signed requests, the real server and the fake Slack."""

from __future__ import annotations

import json

from bot.services.export import export_rows
from handlers.shared import ids
from storage.models import Decision
from tests.fakeslack import FakeSlack
from tests.harness import Harness
from tests.payloads import plain_value


def _decisions(accord: Harness) -> list[dict]:
    with accord.rt.session() as session:
        return export_rows(session, kind="decisions", consortium_id="T1")


def test_decision_is_recorded_announced_and_exported(accord: Harness) -> None:
    sent = accord.command("/decision", "We adopt the shared glossary", user="U1", channel="C1")
    assert sent.status == 200
    [post] = accord.fake.wait_for("chat.postMessage")
    assert post.params["channel"] == "C1"
    assert "We adopt the shared glossary" in FakeSlack.all_text(post)
    [row] = _decisions(accord)
    assert row["text"] == "We adopt the shared glossary"
    assert (row["team_id"], row["channel_id"], row["recorded_by"]) == ("T1", "C1", "U1")
    assert f"#{row['id']}" in FakeSlack.all_text(post)
    assert row["permalink"] and row["permalink"].startswith("https://example.slack.com/archives/C1/")


def test_decisions_are_recorded_while_slack_holds_their_announcements(accord: Harness) -> None:
    """A work thread is free once its record is committed: announcements waiting for Slack (or for the
    workspace's pace of posts) never hold up the recording of the requests behind them."""
    import threading
    import time

    from bot.app import WORK_THREADS

    release, handle = threading.Event(), accord.fake._handle

    def held(path: str, query: str, headers: object, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        if path.endswith("chat.postMessage"):
            release.wait(30)
        return handle(path, query, headers, raw)

    accord.fake._handle = held  # type: ignore[method-assign]
    count = WORK_THREADS + 3
    try:
        for i in range(count):
            assert accord.command("/decision", f"Held decision {i}", settle=False).status == 200
        deadline = time.monotonic() + 15
        while len(_decisions(accord)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(_decisions(accord)) == count  # all recorded while every post was still held
        assert not accord.fake.calls_to("chat.postMessage")
    finally:
        release.set()
    accord.settle()
    texts = [FakeSlack.all_text(c) for c in accord.fake.calls_to("chat.postMessage")]
    assert all(sum(f"Held decision {i}" in t for t in texts) == 1 for i in range(count))


def test_channel_mention_never_pings(accord: Harness) -> None:
    accord.command("/decision", "Tell <!channel> and <!here> and <!subteam^S1|@leads> about <@U7|ann>")
    [post] = accord.fake.wait_for("chat.postMessage")
    raw = json.dumps(post.params)
    assert "<!channel>" not in raw and "<!here>" not in raw and "<!subteam" not in raw
    assert "<@U7|ann>" in FakeSlack.all_text(post)


def test_long_decision_kept_whole_and_posted_within_limits(accord: Harness) -> None:
    text = ("Consensus text " * 400)[:5000]
    accord.command("/decision", text)
    [post] = accord.fake.wait_for("chat.postMessage")
    assert post.ok
    assert all(len(b["text"]["text"]) <= 3000 for b in post.params["blocks"] if b["type"] == "section")
    [row] = _decisions(accord)
    assert row["text"] == text.strip()


def test_empty_decision_opens_modal_and_submission_records_once(accord: Harness) -> None:
    accord.command("/decision", "", channel="C9")
    [opened] = accord.fake.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == ids.DECISION_MODAL
    values = {ids.TEXT_BLOCK: {ids.TEXT_ACTION: plain_value("Use CC-BY for outputs")},
              ids.RATIONALE_BLOCK: {ids.RATIONALE_ACTION: plain_value("Funders require <open> access")}}
    for _ in range(2):  # a double submission of the same view records once
        sent = accord.submit(ids.DECISION_MODAL, values, private_metadata=view["private_metadata"], view_id="VX1")
        assert sent.status == 200
    [row] = _decisions(accord)
    assert (row["text"], row["channel_id"]) == ("Use CC-BY for outputs", "C9")
    assert row["rationale"] == "Funders require <open> access"
    accord.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C9")


def test_revoke_only_by_recorder_or_facilitator(accord: Harness) -> None:
    accord.command("/decision", "Meet monthly", user="U1")
    [row] = _decisions(accord)
    refused = accord.command("/decision", f"revoke #{row['id']}", user="U2")
    assert "Only the person who recorded" in refused.reply_text()
    assert _decisions(accord)[0]["status"] == "active"
    accord.command("/decision", f"revoke {row['id']} superseded by charter", user="UFAC")
    assert _decisions(accord)[0]["status"] == "revoked"


def test_bad_signature_and_stale_request_are_rejected(accord: Harness) -> None:
    from tests.payloads import slash_command

    body, ctype = slash_command("/decision", "Sneaky")
    assert accord.post(body, ctype, secret="wrong").status_code == 401
    import time

    assert accord.post(body, ctype, timestamp=int(time.time()) - 600).status_code == 401
    accord.settle()
    assert _decisions(accord) == []
    assert accord.fake.calls_to("chat.postMessage") == []


def test_thread_decision_is_recorded_once_and_confirmed_in_thread(accord: Harness) -> None:
    from tests.payloads import message_event

    event = message_event("Decision: publish the dataset under ODbL", thread_ts="1764000000.000001")
    accord.event(event, event_id="EvSAME")
    accord.event(event, event_id="EvSAME")  # Slack's retry
    [row] = _decisions(accord)
    assert row["thread_ts"] == "1764000000.000001"
    [reply] = accord.fake.wait_for("chat.postMessage")
    assert reply.params["thread_ts"] == "1764000000.000001"
    assert f"#{row['id']}" in FakeSlack.all_text(reply)
    with accord.rt.session() as session:
        assert session.get(Decision, row["id"]).message_ts == event["ts"]


def test_a_refused_thread_confirmation_is_posted_once_slack_takes_it(accord: Harness) -> None:
    from datetime import timedelta

    from tests.harness import START
    from tests.payloads import message_event

    accord.fake.fail_next("chat.postMessage", error="internal_error")
    accord.event(message_event("Decision: adopt the charter", thread_ts="1764000000.000002"), event_id="EvConf")
    [row] = _decisions(accord)
    assert accord.fake.calls_to("chat.postMessage") == []
    accord.tick(START + timedelta(minutes=1))
    accord.tick(START + timedelta(minutes=5))
    [reply] = accord.fake.calls_to("chat.postMessage")
    assert reply.params["thread_ts"] == "1764000000.000002" and f"#{row['id']}" in FakeSlack.all_text(reply)


def test_unhandled_and_malformed_requests(accord: Harness) -> None:
    assert accord.post('{"type": "event_callback", "team_id": "T1", "event": {"type": "reaction_added"}}',
                       "application/json").status_code == 200
    assert accord.post("payload=%7Bnot-json", "application/x-www-form-urlencoded").status_code == 400
    bad = b"\xff\xfe"
    r = accord.http.post(f"{accord.url}/slack/events", content=bad, headers={"Content-Type": "text/plain"})
    assert r.status_code == 400
    assert accord.http.get(f"{accord.url}/healthz").status_code == 200
