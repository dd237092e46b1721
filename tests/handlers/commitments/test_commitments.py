"""End to end: /commit, `Action:` lines, shortcuts and the commitment modal."""

from __future__ import annotations

from bot.services.export import export_rows
from handlers.shared import ids
from storage.teams import list_audit
from tests.factories import make_group
from tests.fakeslack import FakeSlack
from tests.harness import Harness
from tests.payloads import message_event, plain_value


def _commitments(accord: Harness) -> list[dict]:
    with accord.rt.session() as session:
        return export_rows(session, kind="commitments", consortium_id="T1")


def test_commit_with_owner_and_date(accord: Harness) -> None:
    with accord.rt.session() as session:
        make_group(session, name="Academia", members=["U2"])
    sent = accord.command("/commit", "<@U2|bob> draft the charter by 2026-12-01", user="U1")
    assert sent.status == 200
    [row] = _commitments(accord)
    assert (row["owner_id"], row["due_date"], row["text"]) == ("U2", "2026-12-01", "draft the charter")
    assert (row["group"], row["created_by"], row["status"]) == ("Academia", "U1", "open")
    [post] = accord.fake.wait_for("chat.postMessage")
    assert "<@U2>" in FakeSlack.all_text(post) and "draft the charter" in FakeSlack.all_text(post)


def test_unreadable_date_is_refused_and_records_nothing(accord: Harness) -> None:
    sent = accord.command("/commit", "x by someday")
    text = sent.reply_text()
    assert "someday" in text and "/commit" in text
    assert sent.reply().params["response_type"] == "ephemeral"
    assert _commitments(accord) == []
    assert accord.fake.calls_to("chat.postMessage") == []


def test_status_changes_by_owner_or_facilitator_only(accord: Harness) -> None:
    accord.command("/commit", "circulate minutes by tomorrow", user="U1")
    [row] = _commitments(accord)
    refused = accord.command("/commit", f"done {row['id']}", user="U3")
    assert "Only the owner" in refused.reply_text()
    assert _commitments(accord)[0]["status"] == "open"
    accord.command("/commit", f"block #{row['id']} waiting for legal review", user="U1")
    assert _commitments(accord)[0]["status"] == "blocked"
    again = accord.command("/commit", f"block #{row['id']} waiting for legal review", user="U1")
    assert "already blocked" in again.reply_text()
    accord.command("/commit", f"done {row['id']} sent", user="UFAC")
    assert _commitments(accord)[0]["status"] == "done"
    with accord.rt.session() as session:
        actions = [a.action for a in list_audit(session, consortium_id="T1", entity="commitment")]
    assert actions == ["commitment.record", "commitment.block", "commitment.done"]


def test_list_scopes(accord: Harness) -> None:
    accord.command("/commit", "old thing by 2026-11-01", user="U1", channel="C1")
    accord.command("/commit", "<@U2> new thing by 2026-12-20", user="U1", channel="C2")
    overdue = accord.command("/commit", "list overdue", user="U9").reply_text()
    assert "old thing" in overdue and "new thing" not in overdue
    mine = accord.command("/commit", "list mine", user="U2").reply_text()
    assert "new thing" in mine and "old thing" not in mine
    channel = accord.command("/commit", "list", user="U9", channel="C1").reply_text()
    assert "old thing" in channel and "new thing" not in channel
    everyone = accord.command("/commit", "list all", user="U9").reply_text()
    assert "old thing" in everyone and "new thing" in everyone


def test_action_line_in_thread_records_owner_and_date(accord: Harness) -> None:
    event = message_event("Action: <@U5> send the survey by 2026-12-03", user="U1", thread_ts="1764000000.000009")
    accord.event(event)
    accord.event(event)  # delivered again under another event id: still one record
    [row] = _commitments(accord)
    assert (row["owner_id"], row["due_date"], row["thread_ts"]) == ("U5", "2026-12-03", "1764000000.000009")
    [reply] = accord.fake.wait_for("chat.postMessage")
    assert reply.params["thread_ts"] == "1764000000.000009"


def test_mention_summary_lists_the_thread(accord: Harness) -> None:
    thread = "1764000000.000020"
    accord.event(message_event("Decision: adopt the glossary", thread_ts=thread))
    accord.event(message_event("Action: write the FAQ", thread_ts=thread))
    mention = message_event("<@UACCORDBOT> summary", thread_ts=thread)
    mention["type"] = "app_mention"
    accord.event(mention)
    summaries = accord.fake.wait_for("chat.postMessage", count=3)
    text = FakeSlack.all_text(summaries[-1])
    assert "adopt the glossary" in text and "write the FAQ" in text


def test_shortcut_prefills_modal_and_submission_links_message(accord: Harness) -> None:
    accord.shortcut(ids.LOG_COMMITMENT_SHORTCUT, text="I'll review the draft &amp; comment", author="U7",
                    ts="1764000000.000300")
    [opened] = accord.fake.wait_for("views.open")
    view = opened.params["view"]
    assert view["blocks"][0]["element"]["initial_value"] == "I'll review the draft & comment"
    values = {ids.TEXT_BLOCK: {ids.TEXT_ACTION: plain_value("Review the draft & comment")},
              ids.OWNER_BLOCK: {ids.OWNER_ACTION: {"type": "users_select", "selected_user": "U7"}},
              ids.DUE_BLOCK: {ids.DUE_ACTION: {"type": "datepicker", "selected_date": "2026-12-10"}}}
    accord.submit(ids.COMMITMENT_MODAL, values, private_metadata=view["private_metadata"])
    [row] = _commitments(accord)
    assert (row["owner_id"], row["due_date"], row["thread_ts"]) == ("U7", "2026-12-10", "1764000000.000300")
    assert row["text"] == "Review the draft & comment"


def test_help_and_unknown_subcommand(accord: Harness) -> None:
    assert "/commit list" in accord.command("/commit", "help").reply_text()
    assert "/group create" in accord.command("/accord", "help").reply_text()
    assert "Usage" in accord.command("/decision", "revoke abc").reply_text()
