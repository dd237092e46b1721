"""Simultaneous requests for one state change, through the real server: the record changes once.

Each burst is twenty signed requests sent at the same moment from twenty threads (twenty
deliveries: each has its own trigger id, as repeated clicks and commands do). Exactly one of
them changes the status, writes the history row and the audit line and posts; the others
change nothing and say so.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlmodel import col, select

from handlers.shared import ids
from storage.models import AuditLog, Commitment, CommitmentUpdate, Decision, GroupMembership
from tests import payloads
from tests.factories import make_commitments, make_group
from tests.fakeslack import FakeSlack
from tests.handlers.proposals.proposal_helpers import live_text, make_groups, positions_of, propose
from tests.harness import FACILITATOR, SECRET, Harness

BURST = 20
HOME = {"id": "VHOME", "type": "home"}


def send_together(url: str, requests: Sequence[tuple[str, str]]) -> list[int]:
    """POST every (body, content type) to ``url``/slack/events at once, one thread each; the statuses."""
    barrier = threading.Barrier(len(requests))

    def send(request: tuple[str, str]) -> int:
        body, content_type = request
        with httpx.Client(timeout=30) as http:
            barrier.wait()
            headers = {"Content-Type": content_type, **payloads.sign(body, secret=SECRET)}
            return http.post(f"{url}/slack/events", content=body.encode(), headers=headers).status_code

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


def commands(fake: FakeSlack, command: str, text: str, *, user: str, prefix: str) -> list[tuple[str, str]]:
    """``BURST`` deliveries of one command, each answering to its own response URL ``<prefix><n>``."""
    return [payloads.slash_command(command, text, user=user, response_url=fake.response_url(f"{prefix}{n}"))
            for n in range(BURST)]


def home_done_clicks(commitment_id: int, *, user: str) -> list[tuple[str, str]]:
    return [payloads.block_action(ids.HOME_COMMITMENT_DONE, str(commitment_id), user=user, channel=None, view=HOME)
            for _ in range(BURST)]


def replies(fake: FakeSlack, prefix: str) -> list[str]:
    """The texts answered to the burst's response URLs (one each), in request order."""
    calls = fake.wait_for("response_url", count=BURST, where=lambda c: str(c.params["key"]).startswith(prefix),
                          timeout=30)
    by_key = {c.params["key"]: FakeSlack.all_text(c) for c in calls}
    return [by_key[f"{prefix}{n}"] for n in range(BURST)]


def posts_containing(fake: FakeSlack, text: str) -> list[str]:
    return [c.params.get("text", "") for c in fake.calls_to("chat.postMessage", include_failed=True)
            if text in c.params.get("text", "")]


def _commitment(accord: Harness, owner: str = "U1") -> int:
    with accord.rt.session() as session:
        [row] = make_commitments(session, owner_id=owner, text="Draft the annex")
    assert row.id is not None
    return row.id


def _history(accord: Harness, commitment_id: int) -> tuple[str, list[tuple[str, str]], list[str]]:
    with accord.rt.session() as session:
        row = session.get(Commitment, commitment_id)
        assert row is not None
        updates = session.exec(select(CommitmentUpdate).where(CommitmentUpdate.commitment_id == commitment_id))
        audit = session.exec(select(AuditLog.action).where(AuditLog.entity == "commitment",
                                                           AuditLog.entity_id == str(commitment_id)))
        return row.status, [(u.old_status, u.new_status) for u in updates], list(audit)


def test_simultaneous_home_done_clicks_mark_done_once(accord: Harness) -> None:
    commitment_id = _commitment(accord)
    statuses = send_together(accord.url, home_done_clicks(commitment_id, user="U1"))
    assert statuses == [200] * BURST
    accord.settle(60)
    status, history, audit = _history(accord, commitment_id)
    assert (status, history, audit) == ("done", [("open", "done")], ["commitment.done"])
    assert len(posts_containing(accord.fake, f"Commitment #{commitment_id} marked done")) == 1
    notices = [FakeSlack.all_text(c) for c in accord.fake.wait_for("views.publish", count=BURST, timeout=30)]
    assert sum(f"Commitment #{commitment_id} marked done" in n for n in notices) == 1
    assert sum(f"Commitment #{commitment_id} is already done" in n for n in notices) == BURST - 1


def test_simultaneous_commit_done_commands_mark_done_once(accord: Harness) -> None:
    commitment_id = _commitment(accord)
    requests = commands(accord.fake, "/commit", f"done {commitment_id} sent", user="U1", prefix="done")
    assert send_together(accord.url, requests) == [200] * BURST
    accord.settle(60)
    status, history, audit = _history(accord, commitment_id)
    assert (status, history, audit) == ("done", [("open", "done")], ["commitment.done"])
    assert len(posts_containing(accord.fake, f"Commitment #{commitment_id} marked done")) == 1
    answers = replies(accord.fake, "done")
    assert sum(a == f"Commitment #{commitment_id} marked done." for a in answers) == 1
    assert sum(a == f"Commitment #{commitment_id} is already done." for a in answers) == BURST - 1


def test_simultaneous_revokes_revoke_once(accord: Harness) -> None:
    accord.command("/decision", "Meet monthly", user="U1")
    with accord.rt.session() as session:
        decision_id = session.exec(select(Decision.id)).one()
    requests = commands(accord.fake, "/decision", f"revoke {decision_id} superseded", user=FACILITATOR,
                        prefix="revoke")
    assert send_together(accord.url, requests) == [200] * BURST
    accord.settle(60)
    with accord.rt.session() as session:
        decision = session.get(Decision, decision_id)
        audit = list(session.exec(select(AuditLog.action).where(AuditLog.entity == "decision")))
    assert decision is not None and (decision.status, decision.revoked_by) == ("revoked", FACILITATOR)
    assert audit == ["decision.record", "decision.revoke"]
    assert len(posts_containing(accord.fake, f"Decision #{decision_id} was revoked")) == 1
    answers = replies(accord.fake, "revoke")
    assert sum(a == f"Decision #{decision_id} is revoked." for a in answers) == 1
    assert sum("is already revoked" in a for a in answers) == BURST - 1


def test_simultaneous_group_adds_add_each_member_once(accord: Harness) -> None:
    with accord.rt.session() as session:
        make_group(session, name="Academia", members=["U1"])
    requests = commands(accord.fake, "/group", "add academia <@U7|eve> <@U8|sam>", user=FACILITATOR, prefix="add")
    assert send_together(accord.url, requests) == [200] * BURST
    accord.settle(60)
    with accord.rt.session() as session:
        members = list(session.exec(select(GroupMembership.user_id).order_by(col(GroupMembership.id))))
    assert members == ["U1", "U7", "U8"]
    answers = replies(accord.fake, "add")
    assert not [a for a in answers if "wrong" in a or ":warning:" in a], answers
    assert sum("Added" in a for a in answers) >= 1, answers


def test_simultaneous_agree_clicks_of_one_member_count_once_and_update_once(accord: Harness) -> None:
    make_groups(accord, {"Industry": ["UI1"], "Policy": ["UP1"]})
    pid = propose(accord, "Adopt the shared roadmap")
    clicks = [payloads.block_action(ids.POSITION_AGREE, str(pid), user="UI1",
                                    response_url=accord.fake.response_url(f"agree{n}")) for n in range(BURST)]
    assert send_together(accord.url, clicks) == [200] * BURST
    accord.settle(60)
    assert positions_of(accord, pid) == {"UI1": "agree"}
    with accord.rt.session() as session:
        audit = list(session.exec(select(AuditLog.action).where(AuditLog.action == "position.take")))
    assert audit == ["position.take"]
    answers = replies(accord.fake, "agree")
    assert sum(a.startswith(f"You agree with proposal #{pid}") for a in answers) == 1
    assert sum(f"You already agree with proposal #{pid}" in a for a in answers) == BURST - 1
    assert "*Industry*: 1 agree" in live_text(accord, pid)
    assert len(accord.fake.calls_to("chat.update")) == 1  # one change, one update
