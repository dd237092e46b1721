"""End to end: `accord report` once organisations are set with `/org set` — outcomes and commitments by
organisation, commitments by the decision they carry out, and a public edition naming no one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.cli import main
from tests.handlers.proposals.proposal_helpers import AUTHOR, decisions, propose, take
from tests.harness import Harness

FAC = "UFAC"
PEOPLE = ("U1", "U2", "U3", FAC, AUTHOR)


def _row(page: str, label: str, *, after: str = "") -> list[int]:
    """The numbers of a table's row, in the first table after the caption ``after``."""
    found = re.search(rf'<th scope="row">{re.escape(label)}</th>((?:<td>\d+</td>)+)', page[page.index(after):])
    assert found, label
    return [int(n) for n in re.findall(r"<td>(\d+)</td>", found.group(1))]


def _report(tmp_path: Path, name: str, *flags: str) -> dict[str, str]:
    out = tmp_path / name
    assert main(["report", "--out", str(out), *flags]) == 0
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}


def test_the_report_shows_organisations_set_with_org(accord: Harness, database_url: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    accord.command("/group", "create Academia", user=FAC)
    accord.command("/group", "add Academia <@U1> <@U2> <@U3>", user=FAC)
    accord.command("/org", "set Univ Bonn <@U1> <@U2>", user=FAC)
    accord.command("/org", "set Ministry of Health <@U3>", user=FAC)
    proposal_id = propose(accord, "Adopt the charter counting organisation")
    take(accord, proposal_id, "U1", "agree")
    take(accord, proposal_id, "U2", "disagree", "Needs legal review")  # advice: U1 stands in for Univ Bonn
    take(accord, proposal_id, "U3", "agree")
    accord.command("/propose", f"close {proposal_id}", user=AUTHOR)
    [decision] = decisions(accord)
    accord.command("/commit", f"Draft the annex for #{decision['id']}", user="U1")
    accord.command("/commit", f"Publish the charter for #{decision['id']}", user="U3")
    accord.command("/commit", "Book the venue", user="U2")
    accord.command("/commit", "done 1", user="U1")

    monkeypatch.setenv("DATABASE_URL", database_url)
    files = _report(tmp_path, "full")
    decisions_page = files["decisions.html"]
    assert "Outcome: <strong>Consensus</strong>" in decisions_page
    # Positions by organisation: agree, abstain, disagree, block.
    assert _row(decisions_page, "Univ Bonn") == [1, 0, 1, 0]
    assert _row(decisions_page, "Ministry of Health") == [1, 0, 0, 0]
    assert "<dt>Commitments</dt><dd>1 of 2 done</dd>" in decisions_page
    commitments = files["commitments.html"]
    by_org, by_decision = "<caption>Commitments by organisation</caption>", "<caption>Commitments by the decision"
    carried_out = f"Decision #{decision['id']}"
    # Progress: done, open, overdue, blocked, dropped, total.
    assert _row(commitments, "Univ Bonn", after=by_org) == [1, 1, 0, 0, 0, 2]
    assert _row(commitments, "Ministry of Health", after=by_org) == [0, 1, 0, 0, 0, 1]
    assert _row(commitments, carried_out, after=by_decision) == [1, 1, 0, 0, 0, 2]
    assert "<strong>Disagree</strong> from Academia (Univ Bonn), U2: “Needs legal review”" in decisions_page

    public = _report(tmp_path, "public", "--public")
    assert _row(public["decisions.html"], "Univ Bonn") == [1, 0, 1, 0]
    assert _row(public["commitments.html"], carried_out, after=by_decision) == [1, 1, 0, 0, 0, 2]
    assert "<strong>Disagree</strong> from Academia (Univ Bonn): “Needs legal review”" in public["decisions.html"]
    for name, text in public.items():
        for private in (*PEOPLE, "T1", "C1"):
            assert re.search(rf"\b{re.escape(private)}\b", text) is None, (name, private)
