"""Slack refusing a call, and work failing after the ack: the user is told, nothing is swallowed."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from bot.services import decisions as decision_service
from handlers.shared import ids
from storage.models import Commitment, Decision
from tests.factories import make_commitments
from tests.fakeslack import FakeSlack
from tests.handlers.checkins.checkin_helpers import prompts, seed_group
from tests.harness import FACILITATOR, Harness
from tests.payloads import plain_value

HOME = {"id": "VHOME", "type": "home"}


def _decisions(accord: Harness) -> list[Decision]:
    with accord.rt.session() as session:
        return list(session.exec(select(Decision)))


@pytest.mark.parametrize("command", ["/decision", "/commit", "/propose"])
def test_a_refused_modal_is_told_to_the_user(accord: Harness, command: str) -> None:
    accord.fake.fail_next("views.open", error="expired_trigger_id")
    text = accord.command(command, "").reply_text()
    assert "couldn't open the form" in text and "`expired_trigger_id`" in text and "try again" in text
    assert accord.fake.calls_to("views.open") == []
    accord.command(command, "")  # the next try opens it
    assert len(accord.fake.wait_for("views.open")) == 1


def test_checkin_modal_refused_from_its_button_is_told_in_its_thread(accord: Harness) -> None:
    seed_group(accord, name="Academia", members=["U1"])
    accord.command("/checkin", "now Academia", user=FACILITATOR)
    [prompt] = prompts(accord)
    accord.fake.fail_next("views.open", error="invalid_trigger")
    sent = accord.action(ids.OPEN_CHECKIN, str(prompt.id), user="U1", channel="D1")
    text = sent.reply_text()
    assert "couldn't open the form" in text and "`invalid_trigger`" in text
    assert sent.reply().params["response_type"] == "ephemeral"
    assert accord.fake.calls_to("views.open") == []


def test_home_blocked_modal_refused_says_so_and_changes_nothing(accord: Harness) -> None:
    with accord.rt.session() as session:
        [row] = make_commitments(session, owner_id="U1", text="Draft the annex")
    accord.fake.fail_next("views.open", error="expired_trigger_id")
    accord.action(ids.HOME_COMMITMENT_BLOCKED, str(row.id), user="U1", channel=None, view=HOME)
    [publish] = accord.fake.wait_for("views.publish")
    assert "couldn't open the form" in FakeSlack.all_text(publish)
    with accord.rt.session() as session:
        commitment = session.get(Commitment, row.id)
    assert commitment is not None and commitment.status == "open"


def test_shortcut_opens_its_modal_before_any_other_call_and_links_the_message_on_submit(accord: Harness) -> None:
    accord.shortcut(ids.LOG_DECISION_SHORTCUT, text="We adopt the glossary", ts="1764000000.000300")
    [opened] = accord.fake.wait_for("views.open")
    assert [c.method for c in accord.fake.calls if c.method != "auth.test"] == ["views.open"]
    values = {ids.TEXT_BLOCK: {ids.TEXT_ACTION: plain_value("We adopt the glossary")}}
    accord.submit(ids.DECISION_MODAL, values, private_metadata=opened.params["view"]["private_metadata"])
    [row] = _decisions(accord)
    assert row.permalink == "https://example.slack.com/archives/C1/p1764000000000300"
    assert (row.message_ts, row.thread_ts, row.source) == ("1764000000.000300", "1764000000.000300", "shortcut")


def test_shortcut_modal_refused_is_told_through_the_response_url(accord: Harness) -> None:
    accord.fake.fail_next("views.open", error="expired_trigger_id")
    accord.shortcut(ids.LOG_COMMITMENT_SHORTCUT, text="I'll draft it", response_url=accord.fake.response_url("sc"))
    [told] = accord.fake.wait_for("response_url", where=lambda c: c.params["key"] == "sc")
    assert "couldn't open the form" in FakeSlack.all_text(told) and told.params["response_type"] == "ephemeral"
    assert accord.fake.calls_to("chat.getPermalink") == []


def test_shortcut_modal_refused_without_a_response_url_is_told_in_the_channel(accord: Harness) -> None:
    accord.fake.fail_next("views.open", error="expired_trigger_id")
    accord.shortcut(ids.LOG_COMMITMENT_SHORTCUT, text="I'll draft it", user="U4")
    [told] = accord.fake.wait_for("chat.postEphemeral")
    assert told.params["user"] == "U4" and told.params["channel"] == "C1"
    assert "couldn't open the form" in FakeSlack.all_text(told)


def test_failing_work_reaches_the_error_handler_and_the_user(accord: Harness, monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(decision_service, "record_decision", broken)
    with caplog.at_level(logging.ERROR, logger="accord.app"):
        text = accord.command("/decision", "We adopt the glossary").reply_text()
    assert "Something went wrong" in text
    handled = [r for r in caplog.records if r.name == "accord.app" and "listener_failed" in r.getMessage()]
    assert handled and "type=/decision" in handled[0].getMessage() and "database on fire" in handled[0].getMessage()
    assert handled[0].exc_info is not None
    assert _decisions(accord) == []
