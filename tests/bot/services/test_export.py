"""Exports: names beside ids in JSON and CSV (from the cache of names, never asking Slack), a
readable Markdown document for every kind, and the audit log."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy.engine import Engine

from bot.services.export import FIELDS, export_rows, render
from bot.services.people import known_names
from storage.db import session_scope
from tests.factories import make_report_record

KINDS = ("decisions", "commitments", "proposals", "checkins", "audit")


def _export(engine: Engine, kind: str) -> tuple[list[dict], dict[str, str]]:  # type: ignore[type-arg]
    with session_scope(engine) as session:
        return export_rows(session, kind=kind, consortium_id="T1"), known_names(session, consortium_id="T1")


def test_json_and_csv_keep_ids_and_add_names(engine: Engine) -> None:
    with session_scope(engine) as session:
        make_report_record(session)
    decisions, _ = _export(engine, "decisions")
    assert [(d["recorded_by"], d["recorded_by_name"]) for d in decisions] == [("UFAC", "Fay Facilitator"),
                                                                              ("UBOB", "Bob Sample")]
    commitments, _ = _export(engine, "commitments")
    assert [(c["owner_id"], c["owner_name"], c["created_by_name"]) for c in commitments] == [
        ("UANN", "Ann Example", "Ann Example"), ("UCAT", "Cat Person", "Cat Person")]
    proposals, _ = _export(engine, "proposals")
    assert [(p["user_id"], p["user_name"]) for p in proposals[0]["positions"]] == [
        ("UANN", "Ann Example"), ("UBOB", "Bob Sample"), ("UCAT", "Cat Person")]
    checkins, _ = _export(engine, "checkins")
    assert [(r["user_id"], r["user_name"]) for r in checkins[0]["responses"]] == [("UCAT", "Cat Person")]
    rows = list(csv.DictReader(io.StringIO(render(commitments, kind="commitments", fmt="csv"))))
    assert (rows[0]["owner_id"], rows[0]["owner_name"]) == ("UANN", "Ann Example")
    assert list(rows[0]) == FIELDS["commitments"]


def test_audit_export(engine: Engine) -> None:
    with session_scope(engine) as session:
        make_report_record(session)
    rows, names = _export(engine, "audit")
    line, promoted = rows
    assert (promoted["action"], promoted["entity_id"], promoted["actor_name"]) == ("facilitator.add", "UCAT",
                                                                                   "Fay Facilitator")
    assert list(line) == FIELDS["audit"]
    assert (line["actor_id"], line["actor_name"], line["action"], line["entity"], line["entity_id"]) == (
        "UBOB", "Bob Sample", "decision.revoke", "decision", "2")
    assert line["detail"] == {"members": ["UANN"], "reason": "Recorded by mistake"}
    assert line["created_at"].endswith("+00:00")
    assert json.loads(render(rows, kind="audit", fmt="json")) == rows
    row, _ = list(csv.DictReader(io.StringIO(render(rows, kind="audit", fmt="csv"))))
    assert row["actor_name"] == "Bob Sample"
    md = render(rows, kind="audit", fmt="md", names=names)
    assert "decision.revoke (decision 2)" in md and "- **By:** Bob Sample" in md
    assert "- **Members:** Ann Example" in md and "UANN" not in md and "UBOB" not in md
    assert "facilitator.add (user Cat Person)" in md and "UCAT" not in md


@pytest.mark.parametrize("kind", KINDS)
def test_markdown_is_a_readable_document(engine: Engine, kind: str) -> None:
    with session_scope(engine) as session:
        make_report_record(session)
    rows, names = _export(engine, kind)
    md = render(rows, kind=kind, fmt="md", names=names)
    assert md.startswith("# ") and md.count("\n## ") == len(rows) > 0  # one section per record
    for user_id in ("UANN", "UBOB", "UFAC"):  # names instead of ids
        assert user_id not in md, user_id
    assert "{" not in md and "[{" not in md and "| id |" not in md  # no JSON, no table of ids
    assert "<script>" not in md  # user text is inert


def test_markdown_details(engine: Engine) -> None:
    with session_scope(engine) as session:
        make_report_record(session)
    decisions, names = _export(engine, "decisions")
    md = render(decisions, kind="decisions", fmt="md", names=names)
    assert "- **Thread:** [the thread in Slack](<https://example.slack.com/archives/C1/p1>)" in md
    assert "- **Rationale:** Agreed by @Ann Example" in md
    assert "by Fay Facilitator" in md and "\\<script\\>alert" in md
    commitments, names = _export(engine, "commitments")
    md = render(commitments, kind="commitments", fmt="md", names=names)
    assert "## Commitment 1: Draft the annex for @Cat Person" in md and "- **Owner:** Ann Example" in md
    proposals, names = _export(engine, "proposals")
    md = render(proposals, kind="proposals", fmt="md", names=names)
    assert "- Bob Sample (Industry): **disagree**: Too costly for @Cat Person's members" in md
    assert "- **Status:** closed, outcome consensus" in md
    assert render([], kind="checkins", fmt="md") == "# Check-in rounds (0)\n\nNothing recorded.\n"
