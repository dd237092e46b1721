"""Commitments that carry out a decision: `/commit … for #<id>`, the modal's field, the decision's button,
and the "N of M commitments done" line in the decision's thread."""

from __future__ import annotations

import json
from typing import Any

from bot.services.export import export_rows
from handlers.shared import ids
from tests.fakeslack import FakeSlack
from tests.harness import Harness
from tests.payloads import plain_value


def _commitments(accord: Harness) -> list[dict[str, Any]]:
    with accord.rt.session() as session:
        return export_rows(session, kind="commitments", consortium_id="T1")


def _decide(accord: Harness, text: str = "Adopt the data-sharing charter") -> tuple[int, str]:
    accord.command("/decision", text, user="U1")
    [announcement] = [c for c in accord.fake.calls_to("chat.postMessage") if "Decision #" in FakeSlack.all_text(c)]
    with accord.rt.session() as session:
        [row] = export_rows(session, kind="decisions", consortium_id="T1")
    return int(row["id"]), str(announcement.response["ts"])


def _progress(accord: Harness, decision_ts: str) -> list[str]:
    """The thread replies of the decision's message that count its commitments, as they read now."""
    return [m["text"] for m in accord.fake.messages("C1")
            if m.get("thread_ts") == decision_ts and "commitments done" in m["text"]]


def _flush(accord: Harness) -> None:
    accord.settle()
    accord.rt.outbox.deliver_due(budget=10)


def test_commit_for_a_decision_links_it_and_the_thread_counts_done(accord: Harness) -> None:
    did, ts = _decide(accord)
    accord.command("/commit", f"Draft the annex by 2026-12-01 for #{did}", user="U1")
    accord.command("/commit", f"Sign the annex for {'#'}{did}", user="U2")
    _flush(accord)
    rows = _commitments(accord)
    assert [(r["text"], r["decision_id"]) for r in rows] == [("Draft the annex", did), ("Sign the annex", did)]
    assert rows[0]["due_date"] == "2026-12-01"
    assert _progress(accord, ts) == [f":bar_chart: Decision #{did}: 0 of 2 commitments done"]
    accord.command("/commit", f"done {rows[0]['id']}", user="U1")
    _flush(accord)
    accord.command("/commit", f"done {rows[0]['id']}", user="U1")  # nothing changes twice
    _flush(accord)
    assert _progress(accord, ts) == [f":bar_chart: Decision #{did}: 1 of 2 commitments done"]  # one line, updated
    posts = [c for c in accord.fake.calls_to("chat.postMessage") if "commitments done" in FakeSlack.all_text(c)]
    assert len(posts) == 1


def test_unknown_or_revoked_decision_is_refused_and_records_nothing(accord: Harness) -> None:
    unknown = accord.command("/commit", "Draft the annex for #99", user="U1")
    assert "There is no decision #99" in unknown.reply_text()
    assert unknown.reply().params["response_type"] == "ephemeral"
    did, _ = _decide(accord)
    accord.command("/decision", f"revoke {did}", user="U1")
    revoked = accord.command("/commit", f"Draft the annex for #{did}", user="U1")
    assert f"Decision #{did} is revoked" in revoked.reply_text()
    assert _commitments(accord) == []


def test_the_decisions_button_opens_the_commitment_modal_with_the_decision(accord: Harness) -> None:
    did, ts = _decide(accord)
    [announcement] = [c for c in accord.fake.calls_to("chat.postMessage") if "Decision #" in FakeSlack.all_text(c)]
    buttons = [e for b in announcement.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [(ids.DECISION_ADD_COMMITMENT, str(did))]
    accord.action(ids.DECISION_ADD_COMMITMENT, str(did), user="U2")
    [opened] = accord.fake.calls_to("views.open")
    view = opened.params["view"]
    [field] = [b for b in view["blocks"] if b["block_id"] == ids.DECISION_BLOCK]
    assert field["element"]["initial_value"] == str(did)
    accord.submit(ids.COMMITMENT_MODAL, {ids.TEXT_BLOCK: {ids.TEXT_ACTION: plain_value("Brief the board")},
                                         ids.DECISION_BLOCK: {ids.DECISION_ACTION: plain_value(str(did))}},
                  user="U2", private_metadata=view["private_metadata"])
    _flush(accord)
    [row] = _commitments(accord)
    assert (row["text"], row["owner_id"], row["decision_id"], row["thread_ts"]) == ("Brief the board", "U2", did, ts)
    assert _progress(accord, ts) == [f":bar_chart: Decision #{did}: 0 of 1 commitments done"]


def test_the_modal_refuses_an_unknown_decision_in_its_field(accord: Harness) -> None:
    sent = accord.submit(ids.COMMITMENT_MODAL, {ids.TEXT_BLOCK: {ids.TEXT_ACTION: plain_value("Brief the board")},
                                                ids.DECISION_BLOCK: {ids.DECISION_ACTION: plain_value("42")}},
                         user="U2", private_metadata=json.dumps({"channel_id": "C1"}))
    answer = sent.response.json()
    assert answer["response_action"] == "errors" and "no decision #42" in answer["errors"][ids.DECISION_BLOCK]
    assert _commitments(accord) == []


def test_the_digest_shows_each_decision_with_open_commitments(accord: Harness) -> None:
    did, _ = _decide(accord)
    _decide_other = accord.command("/decision", "Publish the minutes", user="U1")
    assert _decide_other.status == 200
    accord.command("/commit", f"Draft the annex for #{did}", user="U1")
    accord.command("/commit", f"Sign the annex for #{did}", user="U2")
    rows = _commitments(accord)
    accord.command("/commit", f"done {rows[0]['id']}", user="U1")
    preview = FakeSlack.all_text(accord.command("/digest", "preview", user="U1").reply())
    assert f"#{did}" in preview and "Adopt the data-sharing charter — 1 of 2 commitments done" in preview
    assert preview.count("commitments done") == 1  # "Publish the minutes": no commitment carries it out
    accord.command("/commit", f"done {rows[1]['id']}", user="U2")
    preview = FakeSlack.all_text(accord.command("/digest", "preview", user="U1").reply())
    assert "commitments done" not in preview  # nothing open carries it out any more


def test_a_checkin_answer_that_completes_a_commitment_updates_its_decisions_line(accord: Harness) -> None:
    from tests.handlers.checkins.checkin_helpers import (
        open_modal,
        prompt_calls,
        prompt_id_of,
        seed_group,
        submit_checkin,
    )

    did, ts = _decide(accord)
    seed_group(accord, name="Industry", members=["U1"])
    accord.command("/commit", f"Draft the annex for #{did}", user="U1")
    _flush(accord)
    [row] = _commitments(accord)
    accord.command("/checkin", "now Industry", user="UFAC")
    accord.tick()
    view = open_modal(accord, user="U1", prompt_id=prompt_id_of(prompt_calls(accord.fake, "U1")[0]))
    submit_checkin(accord, view, user="U1", progress="Sent", statuses={row["id"]: "done"})
    _flush(accord)
    assert _progress(accord, ts) == [f":bar_chart: Decision #{did}: 1 of 1 commitments done"]


def test_the_button_of_a_revoked_decision_says_so_and_opens_nothing(accord: Harness) -> None:
    did, _ = _decide(accord)
    accord.command("/decision", f"revoke {did}", user="U1")
    sent = accord.action(ids.DECISION_ADD_COMMITMENT, str(did), user="U2")
    assert f"Decision #{did} is revoked" in sent.reply_text()
    assert sent.reply().params["response_type"] == "ephemeral"
    assert accord.fake.calls_to("views.open") == []
    unknown = accord.action(ids.DECISION_ADD_COMMITMENT, "not-an-id", user="U2")
    assert "is not a record id" in unknown.reply_text()
