"""The outbox's background loop: it claims rows only once one may be claimed, and then sends it once."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from handlers.shared.announcements import MESSAGE
from storage import outbox as outbox_store
from tests.harness import Harness


def _wait(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)  # the loop runs on its own thread: there is nothing of it to wait on


def test_a_row_not_yet_due_costs_no_claim_however_often_the_loop_is_woken_and_is_sent_once_due(
        accord: Harness) -> None:
    """Every claim is a write transaction (on SQLite, the one write lock the acknowledgements need). A
    live message held back after its last update, woken for on every click, must not cost one per wake."""
    now = accord.clock.now()
    with accord.rt.session() as session:
        outbox_store.rearm_at(session, team_id="T1", kind=MESSAGE, key="later",
                              ref={"channel": "C1", "text": "Held back"}, now=now, due=now + timedelta(minutes=5))
    claims: list[str] = []
    looks: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "UPDATE outbox SET lease_token" in statement:
            claims.append(statement)
        elif statement.startswith("SELECT min(") and "FROM outbox" in statement:
            looks.append(statement)

    event.listen(accord.rt.engine, "before_cursor_execute", seen)
    accord.rt.outbox.start()
    try:
        for wakes in range(1, 6):  # each wake makes the loop look again when the row may be claimed
            accord.rt.outbox.wake()
            _wait(lambda wakes=wakes: len(looks) > wakes, f"look {wakes + 1} of the loop")
        assert claims == []
        assert accord.fake.messages("C1") == []
        accord.clock.advance(timedelta(minutes=5))
        accord.rt.outbox.wake()
        _wait(lambda: len(accord.fake.messages("C1")) == 1, "the row sent once due")
        assert [m["text"] for m in accord.fake.messages("C1")] == ["Held back"]
        _wait(lambda: _state(accord, "later") == "sent", "the row marked sent")
    finally:
        accord.rt.outbox.stop()
        event.remove(accord.rt.engine, "before_cursor_execute", seen)
    assert [m["text"] for m in accord.fake.messages("C1")] == ["Held back"]


def _state(accord: Harness, key: str) -> str:
    with accord.rt.reading() as session:
        return str(outbox_store.state_by_key(session, key=key).state)
