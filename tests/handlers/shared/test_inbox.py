"""The durable inbox and the outbox, through the real server: replays, recovery, refusals, a dead database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from sqlmodel import select

from bot.services import decisions as decision_service
from bot.services.export import export_rows
from handlers.shared import ids
from handlers.shared.inbox import BacklogReport
from storage import inbox as inbox_store
from storage.db import make_engine
from storage.models import InboxRequest, OutboxMessage
from tests import payloads
from tests.handlers.proposals.proposal_helpers import make_groups, propose
from tests.harness import Harness
from tests.payloads import plain_value
from tests.processes import wait_until

DEAD_DATABASE = "postgresql://postgres@127.0.0.1:1/unreachable"


def _decisions(accord: Harness) -> list[dict[str, Any]]:
    with accord.rt.session() as session:
        return export_rows(session, kind="decisions", consortium_id="T1")


def _announcements(accord: Harness, text: str) -> list[Any]:
    return [c for c in accord.fake.calls_to("chat.postMessage") if text in accord.fake.all_text(c)]


def _inbox(accord: Harness) -> list[InboxRequest]:
    with accord.rt.session() as session:
        return list(session.exec(select(InboxRequest).order_by(InboxRequest.id)))  # type: ignore[arg-type]


def _stored_unworked(accord: Harness, text: str, *, token: str, received: datetime, lease_until: datetime) -> None:
    """A /decision stored and acknowledged under ``token``'s lease, and not worked."""
    body, _ = payloads.slash_command("/decision", text, response_url=accord.fake.response_url(text))
    parsed = dict(parse_qsl(body))
    with accord.rt.engine.begin() as conn:
        inbox_store.add_request(conn, team_id="T1", kind="command", key=f"cmd:{parsed['trigger_id']}",
                                body=json.dumps(parsed), token=token, now=received, lease_until=lease_until)


def test_a_replayed_signed_command_records_once(accord: Harness) -> None:
    body, ctype = payloads.slash_command("/decision", "Adopt the charter", response_url=accord.fake.response_url("r"))
    answers = [accord.post(body, ctype) for _ in range(5)]
    accord.settle()
    assert [a.status_code for a in answers] == [200] * 5
    assert [d["text"] for d in _decisions(accord)] == ["Adopt the charter"]
    assert len(_announcements(accord, "Adopt the charter")) == 1
    [row] = _inbox(accord)
    assert (row.kind, row.state) == ("command", "done")


def test_a_message_delivered_as_two_events_and_retried_records_once(accord: Harness) -> None:
    event = payloads.message_event("Decision: publish the minutes", ts="1764000000.000100")
    for _ in range(3):  # Slack's retries carry the same event id
        accord.event(event, event_id="EvSAME")
    accord.event(event, event_id="EvOTHER")  # the same message under another event id
    assert [d["text"] for d in _decisions(accord)] == ["publish the minutes"]
    assert len(_announcements(accord, "Recorded *decision")) == 1


def test_a_request_left_in_the_inbox_by_a_dead_process_is_worked_once(accord: Harness) -> None:
    """A row stored and acknowledged whose process died before working it: the next tick works it."""
    now = accord.clock.now()
    _stored_unworked(accord, "Share the dataset", token="dead-process", received=now - timedelta(minutes=2),
                     lease_until=now - timedelta(minutes=1))
    assert _decisions(accord) == []
    accord.tick()
    accord.tick()
    assert [d["text"] for d in _decisions(accord)] == ["Share the dataset"]
    assert len(_announcements(accord, "Share the dataset")) == 1
    [row] = _inbox(accord)
    assert row.state == "done" and row.attempts == 2


def test_work_that_fails_is_retried_from_the_inbox(accord: Harness, monkeypatch: Any) -> None:
    real = decision_service.record_decision
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the disk hiccuped")
        return real(*args, **kwargs)

    monkeypatch.setattr(decision_service, "record_decision", flaky)
    sent = accord.command("/decision", "Retry me")
    assert sent.status == 200
    assert "Something went wrong" in sent.reply_text()
    assert _decisions(accord) == []
    [row] = _inbox(accord)
    assert row.state == "pending" and row.last_error and "hiccuped" in row.last_error
    accord.clock.advance(timedelta(minutes=2))
    accord.tick()
    assert [d["text"] for d in _decisions(accord)] == ["Retry me"]
    assert [r.state for r in _inbox(accord)] == ["done"]


def _decision_submission(text: str) -> tuple[str, str]:
    """A decision modal's submission with the view's blocks, as Slack sends it."""
    body, ctype = payloads.view_submission(ids.DECISION_MODAL, {ids.TEXT_BLOCK: {ids.TEXT_ACTION: plain_value(text)}})
    payload = json.loads(dict(parse_qsl(body))["payload"])
    payload["view"]["blocks"] = [{"type": "input", "block_id": ids.TEXT_BLOCK,
                                  "element": {"type": "plain_text_input", "action_id": ids.TEXT_ACTION},
                                  "label": {"type": "plain_text", "text": "Decision"}}]
    return payloads.interactive(payload)


def test_a_replayed_submission_records_once_and_a_corrected_one_is_new(accord: Harness) -> None:
    body, ctype = _decision_submission("Fund the pilot")
    for _ in range(3):
        assert accord.post(body, ctype).status_code == 200
    accord.settle()
    assert [d["text"] for d in _decisions(accord)] == ["Fund the pilot"]


def test_when_the_database_is_down_the_sender_is_told(accord: Harness) -> None:
    alive = accord.rt.engine
    accord.rt.engine = make_engine(DEAD_DATABASE)
    try:
        command = accord.command("/decision", "Lost?")
        event = accord.event(payloads.message_event("Decision: lost?"))
        submission = accord.post(*_decision_submission("Lost too?"))
    finally:
        accord.rt.engine.dispose()
        accord.rt.engine = alive
    assert command.status == 200
    assert command.response.json()["response_type"] == "ephemeral"
    assert "nothing was recorded" in command.response.json()["text"]
    assert event.status == 503  # Slack delivers it again
    assert submission.status_code == 200
    answer = submission.json()
    assert answer["response_action"] == "errors"
    assert "nothing was recorded" in answer["errors"][ids.TEXT_BLOCK]
    assert _decisions(accord) == []
    assert _inbox(accord) == []


def test_a_refused_closing_announcement_is_posted_once_later(accord: Harness) -> None:
    make_groups(accord, {"Industry": ["UI1"]})
    pid = propose(accord, "Adopt the roadmap")
    accord.action(ids.POSITION_AGREE, str(pid), user="UI1")
    accord.fake.fail_next("chat.postMessage", error="fatal_error", count=10)
    accord.command("/propose", f"close {pid}", user="UAUTH")

    def outcome_posts() -> list[Any]:
        return [c for c in accord.fake.calls_to("chat.postMessage")
                if "Consensus" in accord.fake.all_text(c) and not c.params.get("thread_ts")]

    for _ in range(12):
        if outcome_posts():
            break
        accord.clock.advance(timedelta(hours=1))
        accord.tick()
    assert len(outcome_posts()) == 1
    accord.clock.advance(timedelta(hours=2))
    accord.tick()
    assert len(outcome_posts()) == 1
    with accord.rt.session() as session:
        rows = list(session.exec(select(OutboxMessage).where(OutboxMessage.key.startswith(f"proposal:{pid}:"))))  # type: ignore[attr-defined]
    assert {r.state for r in rows} == {"sent"}


def test_a_waiting_backlog_is_logged_and_its_clearing_too(accord: Harness, caplog: Any) -> None:
    now = accord.clock.now()
    with accord.rt.engine.begin() as conn:
        inbox_store.add_requests(conn, [{"team_id": "T1", "kind": "command", "key": f"cmd:waiting-{i}", "body": "{}",
                                         "token": "t", "now": now, "lease_until": now + timedelta(hours=1)}
                                        for i in range(3)])
    report = BacklogReport(large=3, old=timedelta(minutes=5), every=0)
    caplog.set_level("INFO", logger="accord.inbox")
    assert report(accord.rt)[0] == 3
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "inbox_backlog pending=3 oldest_age_s=0"]
    accord.clock.advance(timedelta(minutes=6))
    with accord.rt.engine.begin() as conn:  # two are worked; the one left is old now
        conn.execute(InboxRequest.__table__.update().where(  # type: ignore[attr-defined]
            InboxRequest.key != "cmd:waiting-0").values(state="done"))
    assert report(accord.rt)[0] == 1
    assert "inbox_backlog pending=1 oldest_age_s=360" in caplog.text
    with accord.rt.engine.begin() as conn:
        conn.execute(InboxRequest.__table__.update().values(state="done"))  # type: ignore[attr-defined]
    assert report(accord.rt) == (0, None)
    assert "inbox_backlog_cleared" in caplog.text


def _lease_renewals(accord: Harness) -> tuple[list[str], Any]:
    """Capture the statements that renew an inbox row's lease (and only set its lease)."""
    seen: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        flat = " ".join(statement.split()).lower()
        if flat.startswith("update inbox set lease_until"):
            seen.append(flat)
    return seen, capture


def test_a_request_stored_a_moment_ago_is_worked_without_renewing_its_lease(accord: Harness) -> None:
    from sqlalchemy import event
    seen, capture = _lease_renewals(accord)
    event.listen(accord.rt.engine, "before_cursor_execute", capture)
    try:
        sent = accord.command("/decision", "Adopt the budget")
        accord.settle()
    finally:
        event.remove(accord.rt.engine, "before_cursor_execute", capture)
    assert sent.status == 200
    assert [d["text"] for d in _decisions(accord)] == ["Adopt the budget"]
    assert [r.state for r in _inbox(accord)] == ["done"]
    assert seen == []


def test_a_request_whose_lease_ran_low_renews_it_before_its_work(accord: Harness) -> None:
    """Work that starts late (its lease half gone) renews the lease first, and stops if another worker has the row."""
    from bot.inbox import Ticket
    from handlers.shared.inbox import work_from_inbox
    body, _ = payloads.slash_command("/decision", "Late work")
    now = accord.clock.now()
    with accord.rt.engine.begin() as conn:
        [request_id] = inbox_store.add_requests(conn, [{"team_id": "T1", "kind": "command", "key": "cmd:late",
                                                        "body": body, "token": "mine", "now": now,
                                                        "lease_until": now + timedelta(seconds=5)}])
    assert request_id is not None
    late = Ticket(request_id=request_id, token="mine", leased_until=now + timedelta(seconds=5))
    seen, capture = _lease_renewals(accord)
    from sqlalchemy import event
    event.listen(accord.rt.engine, "before_cursor_execute", capture)
    ran: list[str] = []
    try:
        work_from_inbox(accord.rt, late, lambda: ran.append("worked"), on_error=lambda err: ran.append(repr(err)))
        taken = Ticket(request_id=request_id, token="someone-else", leased_until=now + timedelta(seconds=5))
        work_from_inbox(accord.rt, taken, lambda: ran.append("worked twice"), on_error=lambda err: ran.append("x"))
    finally:
        event.remove(accord.rt.engine, "before_cursor_execute", capture)
    assert ran == ["worked"]
    assert len(seen) == 2  # both renewed first; the second found the row no longer its own
    assert [r.state for r in _inbox(accord)] == ["done"]


class _Moments:
    """A monotonic clock that moves only when the test moves it."""

    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


def _store_for_any_worker(accord: Harness, text: str) -> None:
    """A /decision stored and acknowledged by a process that does not work it (`serve`'s side)."""
    now = accord.clock.now()
    _stored_unworked(accord, text, token="serve", received=now, lease_until=now - timedelta(seconds=1))


def _until(condition: Any, what: str) -> None:
    wait_until(condition, timeout=10, what=what, logs=lambda: "")


def _held_back_polls(acks: Any) -> list[float]:
    """Wrap ``acks.wait`` to keep every answer it gives the poller."""
    answers: list[float] = []
    real = acks.wait

    def wait() -> float:
        answers.append(real())
        return answers[-1]
    acks.wait = wait
    return answers


def test_a_worker_hearing_acknowledgements_holds_its_work_back_until_they_pause(accord: Harness) -> None:
    from bot.inbox import AckYield
    from handlers.shared.inbox import InboxPoller
    moments = _Moments()
    acks = AckYield(quiet=0.1, longest=3.0, clock=moments)
    answers = _held_back_polls(acks)
    _store_for_any_worker(accord, "Adopt the roadmap")
    poller = InboxPoller(accord.rt, accord.app, acks=acks)
    poller.heard_ack()  # serve acknowledged it a moment ago, and more may be coming
    poller.start()
    try:
        _until(lambda: len(answers) >= 3, "the poller to look three times")
        accord.settle()
        assert all(a > 0 for a in answers)
        assert _decisions(accord) == [] and [r.state for r in _inbox(accord)] == ["pending"]

        moments.at += 0.1  # the acknowledgements paused: the work is claimed
        _until(lambda: bool(_decisions(accord)), "the decision to be recorded")
        accord.settle()
    finally:
        poller.stop()
    assert [d["text"] for d in _decisions(accord)] == ["Adopt the roadmap"]
    assert len(_announcements(accord, "Adopt the roadmap")) == 1
    assert [r.state for r in _inbox(accord)] == ["done"]


def test_a_worker_holds_back_at_most_three_seconds_under_acknowledgements_that_never_pause(
        accord: Harness) -> None:
    from bot.inbox import AckYield
    from handlers.shared.inbox import InboxPoller
    moments = _Moments()
    acks = AckYield(quiet=0.1, longest=3.0, clock=moments)
    answers = _held_back_polls(acks)
    _store_for_any_worker(accord, "Adopt the budget")
    poller = InboxPoller(accord.rt, accord.app, acks=acks)
    poller.heard_ack()
    poller.start()
    try:
        _until(lambda: len(answers) >= 2, "the poller to hold back")
        for _ in range(29):  # acknowledgements every 0.1 s for 2.9 s: still held back
            moments.at += 0.1
            poller.heard_ack()
        seen = len(answers)
        _until(lambda: len(answers) >= seen + 2, "the poller to look again")
        assert _decisions(accord) == []
        moments.at += 0.1  # 3 s after it began to hold back, another ack arrives: it works anyway
        poller.heard_ack()
        _until(lambda: bool(_decisions(accord)), "the decision to be recorded")
        accord.settle()
    finally:
        poller.stop()
    assert [d["text"] for d in _decisions(accord)] == ["Adopt the budget"]


def test_holding_back_for_acknowledgements_starts_afresh_once_the_backlog_was_empty() -> None:
    from bot.inbox import AckYield
    moments = _Moments()
    acks = AckYield(quiet=0.1, longest=3.0, clock=moments)
    assert acks.wait() == 0  # nothing heard: work at once
    acks.heard()
    assert abs(acks.wait() - 0.1) < 1e-9  # a lone request waits the quiet moment
    moments.at += 0.04
    assert abs(acks.wait() - 0.06) < 1e-9
    moments.at += 3.0
    acks.heard()
    assert acks.wait() == 0  # held back since 3.04 s ago: no longer
    acks.idle()  # the worker emptied its backlog: a new burst is held back again
    assert abs(acks.wait() - 0.1) < 1e-9


def _work_backlog(accord: Harness, texts: list[str]) -> int:
    """Run a worker's inbox poller until every one of ``texts`` is recorded and announced once more;
    how many were recorded when the first announcement reached Slack."""
    from handlers.shared.inbox import InboxPoller
    recorded_at_first_post: list[int] = []
    handle = accord.fake._handle

    def watching(path: str, query: str, headers: Any, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        if path.endswith("chat.postMessage") and not recorded_at_first_post:
            recorded_at_first_post.append(len(_decisions(accord)))
        return handle(path, query, headers, raw)

    accord.fake._handle = watching  # type: ignore[method-assign]
    poller = InboxPoller(accord.rt, accord.app)
    poller.start()
    try:
        _until(lambda: len(_decisions(accord)) == len(texts), "every request recorded")
        _until(lambda: len(accord.fake.calls_to("chat.postMessage")) >= len(texts), "every record announced")
        accord.settle()
    finally:
        poller.stop()
    assert recorded_at_first_post, "nothing was announced"
    return recorded_at_first_post[0]


def test_a_worker_with_a_backlog_records_every_request_before_it_announces_them(accord: Harness) -> None:
    """Announcing costs a worker more than recording: a backlog is recorded first, then announced, each once."""
    from bot.inbox import RecordFirst
    # The longest hold is not what is tested here: long enough that a loaded machine never reaches it.
    accord.rt.record_first = RecordFirst(longest=60.0)
    texts = [f"Backlog decision {i} of 24" for i in range(24)]
    for text in texts:
        _store_for_any_worker(accord, text)
    room = accord.rt.work_executor._max_workers * 2  # what the poller claims at most while the pool is busy
    recorded_at_first_post = _work_backlog(accord, texts)
    # at most the last claims were still being recorded when the first announcement went out
    assert recorded_at_first_post >= len(texts) - room
    assert sorted(d["text"] for d in _decisions(accord)) == sorted(texts)
    for text in texts:
        assert len(_announcements(accord, text)) == 1, text
    assert {r.state for r in _inbox(accord)} == {"done"}


def test_a_full_batch_holds_back_announcements_from_its_first_record(accord: Harness) -> None:
    """A batch that fills the poller's room says so before it is dispatched: records of that batch made
    while the rest of it is still being dispatched are kept back too."""
    from bot.inbox import RecordFirst
    accord.rt.record_first = RecordFirst(longest=60.0)
    room = accord.rt.work_executor._max_workers * 2
    texts = [f"Batch decision {i} of {room + 4}" for i in range(room + 4)]
    for text in texts:
        _store_for_any_worker(accord, text)
    dispatch = accord.app.dispatch
    dispatched: list[str] = []

    def dispatch_then_record(request: Any) -> Any:
        # Each request of the backlog is recorded before the next is dispatched.
        response = dispatch(request)
        dispatched.append(request.body["text"])
        _until(lambda: len(_decisions(accord)) >= len(dispatched), "the request just dispatched recorded")
        return response

    accord.app.dispatch = dispatch_then_record
    recorded_at_first_post = _work_backlog(accord, texts)
    assert len(dispatched) == len(texts)
    # Every request was recorded as it was dispatched: nothing was announced before the backlog drained.
    assert recorded_at_first_post == len(texts)
    for text in texts:
        assert len(_announcements(accord, text)) == 1, text


def test_the_outbox_loop_sends_nothing_while_a_backlog_is_recorded_first(accord: Harness) -> None:
    from bot.inbox import RecordFirst
    from handlers.shared.announcements import enqueue_message
    moments = _Moments()
    first = accord.rt.record_first = RecordFirst(longest=5.0, clock=moments)
    looks: list[float] = []
    real = first.holding

    def holding() -> float:
        looks.append(real())
        return looks[-1]
    first.holding = holding  # type: ignore[method-assign]
    first.busy()
    with accord.rt.session() as session:
        enqueue_message(session, accord.rt, consortium_id="T1", key="kept", channel="C1", text="Kept back")
    accord.rt.outbox.start()
    try:
        _until(lambda: len(looks) >= 3, "the outbox loop to look three times")
        assert all(held > 0 for held in looks) and accord.fake.messages("C1") == []
        first.drained()
        _until(lambda: len(accord.fake.messages("C1")) == 1, "the message sent once the backlog is recorded")
    finally:
        accord.rt.outbox.stop()
    assert [m["text"] for m in accord.fake.messages("C1")] == ["Kept back"]


def test_announcements_kept_back_for_recording_wait_at_most_the_longest_hold(caplog: Any) -> None:
    from bot.inbox import RecordFirst
    caplog.set_level("INFO", logger="accord.inbox")
    moments = _Moments()
    first = RecordFirst(longest=5.0, clock=moments)
    sent: list[str] = []
    assert first.defer(lambda: sent.append("alone")) is False  # no backlog: announce at once
    first.busy()
    assert first.defer(lambda: sent.append("a")) is True
    moments.at += 4.0
    first.busy()  # still busy: the spell began 4 s ago
    assert abs(first.holding() - 1.0) < 1e-9
    assert first.defer(lambda: sent.append("b")) is True and sent == []
    moments.at += 1.0  # 5 s kept back: both are released, and nothing more is kept in this spell
    assert first.holding() == 0 and sent == ["a", "b"]
    first.busy()
    assert first.defer(lambda: sent.append("c")) is False
    first.drained()  # the backlog was recorded: the next one is kept back again
    first.busy()
    assert first.defer(lambda: sent.append("d")) is True
    first.drained()
    assert sent == ["a", "b", "d"]
    released = [r.getMessage() for r in caplog.records if r.getMessage().startswith("announcements_released")]
    assert released == ["announcements_released count=2 held_s=5.0 reason=longest_hold",
                        "announcements_released count=1 held_s=0.0 reason=recorded"]


def test_a_kept_back_announcement_that_cannot_be_handed_on_does_not_hold_up_the_others(caplog: Any) -> None:
    from bot.inbox import RecordFirst
    first = RecordFirst(longest=5.0, clock=_Moments())
    sent: list[str] = []

    def broken() -> None:
        raise RuntimeError("cannot schedule new futures after shutdown")

    first.busy()
    assert first.defer(broken) and first.defer(lambda: sent.append("after it"))
    first.drained()  # the poller's loop goes on: nothing is raised to it
    assert sent == ["after it"]
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == ["announcement_release_failed"]
