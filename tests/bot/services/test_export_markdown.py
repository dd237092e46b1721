"""The Markdown export: a readable document, organisations beside people, groups and decision links."""

from __future__ import annotations

from bot.services.export_markdown import render_markdown


def test_groups_list_members_with_their_organisation_primary_group_and_observers() -> None:
    rows = [{"id": 1, "name": "Policy", "sector": "public", "channel_id": "CPOL", "timezone": "Europe/Berlin",
             "members": [{"user_id": "U1", "organisation": "Univ. Bonn", "primary": True, "observer": False},
                         {"user_id": "U2", "organisation": None, "primary": False, "observer": True}]}]
    text = render_markdown(rows, kind="groups", names={"U1": "Lena Fischer"})
    assert text.startswith("# Stakeholder groups (1)")
    assert "- Lena Fischer, Univ. Bonn (primary group)" in text
    assert "- U2 (observer)" in text


def test_a_decision_names_what_it_supersedes_and_its_review_date() -> None:
    rows = [{"id": 5, "text": "Publish quarterly", "status": "active", "created_at": "2026-12-01T10:00:00+00:00",
             "recorded_by": "U1", "review_on": "2027-06-01", "supersedes": 2, "superseded_by": None}]
    text = render_markdown(rows, kind="decisions", names={"U1": "Lena Fischer"})
    assert "- **Review on:** 2027-06-01" in text
    assert "- **Supersedes:** Decision 2" in text
    assert "Superseded by" not in text


def test_a_position_names_the_organisation_it_was_taken_for() -> None:
    rows = [{"id": 3, "title": "Charter", "status": "open", "required_groups": [],
             "positions": [{"user_id": "U1", "organisation": "Ministry", "group": "Policy", "choice": "agree"}]}]
    text = render_markdown(rows, kind="proposals", names={})
    assert "- U1, Ministry (Policy): **agree**" in text
