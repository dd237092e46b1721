"""Tallies counted by the database: the same as counting each position, without reading them one by one."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.services.consensus import CHOICES
from bot.services.proposals import proposal_tallies, proposal_views
from storage.db import session_scope
from storage.models import GroupMembership, Position, ProposalConflict
from tests.factories import make_group, make_proposal_with_positions
from tests.statements import statements_run

USERS = [f"U{i}" for i in range(1, 9)]
_consortia = itertools.count(1)

memberships = st.lists(st.lists(st.tuples(st.sampled_from(USERS), st.booleans()), max_size=5,
                                unique_by=lambda m: m[0]), min_size=1, max_size=3)
position_rows = st.lists(st.tuples(st.sampled_from(USERS), st.integers(-1, 3), st.sampled_from(CHOICES),
                                   st.booleans()), max_size=8, unique_by=lambda p: p[0])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(memberships, position_rows, st.lists(st.integers(0, 3), max_size=3), st.sampled_from([None, 100, 150]))
def test_a_tally_counted_by_the_database_is_the_tally_of_every_position(
        engine: Engine, groups: list[list[tuple[str, bool]]], positions: list[tuple[str, int, str, bool]],
        required: list[int], cap: int | None) -> None:
    consortium = f"TT{next(_consortia)}"
    with session_scope(engine) as session:
        ids = []
        for i, members in enumerate(groups):
            group = make_group(session, consortium_id=consortium, name=f"Group {i}")
            assert group.id is not None
            ids.append(group.id)
            session.add_all([GroupMembership(consortium_id=consortium, group_id=group.id, user_id=user,
                                             observer=observer) for user, observer in members])
        proposal = make_proposal_with_positions(
            session, consortium_id=consortium, title="Adopt the charter",
            group_ids=list(dict.fromkeys(ids[r] for r in required if r < len(ids))),
            # a position's group: none (-1), one of the consortium's groups, or a group the member is not in
            positions=[(user, ids[g] if 0 <= g < len(ids) else None, choice) for user, g, choice, _ in positions])
        proposal.cap = cap
        session.add(proposal)
        assert proposal.id is not None
        session.add_all([ProposalConflict(consortium_id=consortium, proposal_id=proposal.id, user_id=user,
                                          statement="I advise one of the parties.")
                         for user, _, _, conflicted in positions if conflicted])
    with session_scope(engine) as session:
        [view] = proposal_views(session, consortium_id=consortium, proposals=[proposal])
        [counted] = proposal_tallies(session, consortium_id=consortium, proposals=[proposal])
    assert counted.tally == view.tally
    assert counted.required_ids == view.required_ids


def test_the_database_counts_positions_of_proposals_counted_per_member_and_none_is_read(engine: Engine) -> None:
    with session_scope(engine) as session:
        group = make_group(session, name="Industry", members=USERS)
        other = make_group(session, name="Academia", members=["U9"])
        assert group.id is not None and other.id is not None
        proposal = make_proposal_with_positions(
            session, title="Adopt the charter", group_ids=[group.id, other.id],
            positions=[(user, group.id, CHOICES[i % 3]) for i, user in enumerate(USERS)])
    with session_scope(engine) as session, statements_run(engine) as statements:
        [counted] = proposal_tallies(session, consortium_id="T1", proposals=[proposal])
    with session_scope(engine) as session:
        assert len(session.exec(select(Position)).all()) == len(USERS)
    # 3 agree, 3 abstain, 2 disagree: consensus but for Academia, which has not been heard
    assert (counted.tally.overall["agree"], counted.tally.overall["abstain"], counted.tally.overall["disagree"]) \
        == (3, 3, 2)
    assert counted.tally.silent_groups == (other.id,)
    assert counted.tally.outcome == "no_quorum"
    # memberships, required groups, the counts; no statement reads positions one by one (with their reasons)
    assert len(statements) == 3, statements
    assert not [s for s in statements if "reason" in s], statements


def test_a_proposal_counted_per_organisation_is_counted_from_its_positions(engine: Engine) -> None:
    with session_scope(engine) as session:
        group = make_group(session, name="Industry", members=["U1", "U2", "U3"])
        assert group.id is not None
        proposal = make_proposal_with_positions(
            session, title="Adopt the template", group_ids=[group.id],
            positions=[("U1", group.id, "agree"), ("U2", group.id, "disagree"), ("U3", group.id, "disagree")])
        proposal.counting = "organisation"
        session.add(proposal)
        for position in session.exec(select(Position)):
            position.organisation = "Northwind"  # one organisation: its first to take a position counts for it
    with session_scope(engine) as session:
        [counted] = proposal_tallies(session, consortium_id="T1", proposals=[proposal])
    assert (counted.tally.overall["agree"], counted.tally.overall["disagree"]) == (1, 0)
    assert counted.tally.advisory == frozenset({"U2", "U3"})
