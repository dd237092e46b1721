"""The demo's consortium as a facilitator runs it: organisations with a representative and a focal point,
an observer, a proposal counted per organisation under a cap, a decision due for review, one superseded,
and commitments carrying out a decision. Written by :mod:`bot.demo` in its seeding transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.services.decisions import claim_superseded, record_decision
from storage.models import Commitment, Decision, GroupMembership, Proposal, StakeholderGroup
from storage.organisations import (
    add_organisation,
    list_organisations,
    members_by_organisation,
    set_member_organisation,
    set_role,
)
from storage.statuses import CommitmentStatus

ORGANISATIONS = (  # (name, members, representative, focal point) as `/org set`, `/org representative`, `/org focal`
    ("Northwind Robotics", ("UINDLENA", "UINDMARC", "UINDYUKI"), "UINDLENA", "UINDMARC"),
    ("Riverside University", ("UACAPRIYA", "UACADAN"), None, None),
    ("Ministry of Digital Affairs", ("UPOLCLAIRE", "UPOLJAN"), None, None),
    ("Open Data Kenya", ("UCIVAMANI", "UCIVKOFI"), None, None),
)
ORGANISATION_OF = {uid: name for name, members, _, _ in ORGANISATIONS for uid in members}
OBSERVERS = {"Policy": ("UPOLOLU", "Olu Adeyemi")}  # group -> (user id, name): hears everything, takes no position
GOVERNED = ("Adopt a common model-card template for partners' AI systems", 2, "organisation", 40,
            {"UINDLENA": "agree", "UINDMARC": "agree", "UINDYUKI": "disagree", "UACAPRIYA": "agree",
             "UACADAN": "agree", "UPOLCLAIRE": "disagree", "UCIVAMANI": "agree", "UINTMEI": "agree"})
SUPERSEDED = "The ethics framework follows the OECD AI principles as its baseline"
SUPERSEDING = ("UPOLCLAIRE", "The ethics framework follows the OECD AI principles and the UNESCO Recommendation "
               "on the Ethics of AI as its baseline")
REVIEWED = "Research data is shared under CC-BY 4.0 unless a partner flags personal data"  # due for review today
CARRYING_OUT = (  # (owner, text, status) of commitments carrying out the reviewed decision, besides one below
    ("UACADAN", "Publish the CC-BY licence notice on the data portal", CommitmentStatus.DONE),
)
CARRIES_OUT = {"Draft the data-sharing agreement annex on model access": REVIEWED}  # existing commitment -> decision


def seed_organisations(session: Session, *, team: str, facilitator: str, now: datetime) -> None:
    """The organisations, their members, representative and focal point."""
    for name, members, representative, focal in ORGANISATIONS:
        organisation = add_organisation(session, consortium_id=team, name=name, now=now - timedelta(days=29),
                                        created_by=facilitator)
        assert organisation is not None and organisation.id is not None
        for uid in members:
            set_member_organisation(session, consortium_id=team, user_id=uid, organisation_id=organisation.id,
                                    set_by=facilitator, now=now - timedelta(days=29))
        for role, holder in (("representative_user_id", representative), ("focal_user_id", focal)):
            if holder:
                set_role(session, consortium_id=team, organisation_id=organisation.id, role=role, user_id=holder)
    for membership in session.exec(select(GroupMembership).where(GroupMembership.consortium_id == team)):
        membership.organisation = ORGANISATION_OF.get(membership.user_id)
        session.add(membership)


def seed_observers(session: Session, *, team: str, groups: Mapping[str, StakeholderGroup], now: datetime) -> None:
    """One observer per group named in :data:`OBSERVERS`."""
    for group_name, (uid, _) in OBSERVERS.items():
        group = groups[group_name]
        assert group.id is not None
        session.add(GroupMembership(consortium_id=team, group_id=group.id, user_id=uid, observer=True,
                                    joined_at=now - timedelta(days=20)))
    session.flush()


def seed_decision_follow_up(session: Session, *, team: str, channel: str, today: date, now: datetime) -> None:
    """Supersede one decision, set another's review day to today, and link commitments that carry it out."""
    by_text = {d.text: d for d in session.exec(select(Decision).where(Decision.consortium_id == team))}
    old = by_text[SUPERSEDED]
    assert old.id is not None and claim_superseded(session, consortium_id=team, decision_id=old.id)
    who, text = SUPERSEDING
    record_decision(session, consortium_id=team, text=text, channel_id=channel, recorded_by=who,
                    rationale="International partners asked for the UNESCO text beside the OECD one.",
                    now=now - timedelta(hours=20), source="demo", supersedes=old.id)
    reviewed = by_text[REVIEWED]
    reviewed.review_on = today
    session.add(reviewed)
    carried = {c.text: c for c in session.exec(select(Commitment).where(Commitment.consortium_id == team))}
    for text, decision_text in CARRIES_OUT.items():
        carried[text].decision_id = by_text[decision_text].id
        session.add(carried[text])
    for owner, text, status in CARRYING_OUT:
        session.add(Commitment(consortium_id=team, text=text, owner_id=owner, channel_id=channel, source="demo",
                               organisation=ORGANISATION_OF.get(owner), status=status, created_by=owner,
                               decision_id=reviewed.id, created_at=now - timedelta(days=3), updated_at=now))
    session.flush()


def governance_lines(session: Session, *, team: str, names: Mapping[str, str]) -> list[str]:
    """The overview's organisations (members, representative, focal point), observers and governed proposals."""
    members = members_by_organisation(session, consortium_id=team)
    lines = ["ORGANISATIONS"]
    for o in list_organisations(session, consortium_id=team):
        roles = [f"{label}: {names.get(uid, uid)}" for label, uid in
                 (("representative", o.representative_user_id), ("focal point", o.focal_user_id)) if uid]
        count = f"{o.name} ({len(members.get(o.id or 0, []))} members)"
        lines.append(count + (f" — {', '.join(roles)}" if roles else ""))
        lines.append("    " + ", ".join(names.get(u, u) for u in members.get(o.id or 0, [])))
    observers = session.exec(select(GroupMembership.user_id, StakeholderGroup.name)
                             .join(StakeholderGroup, col(StakeholderGroup.id) == col(GroupMembership.group_id))
                             .where(GroupMembership.consortium_id == team, col(GroupMembership.observer))).all()
    for uid, group in observers:
        lines.append(f"Observer: {names.get(uid, uid)} in {group} (hears everything, takes no position)")
    governed = session.exec(select(Proposal).where(Proposal.consortium_id == team, Proposal.counting == "organisation")
                            .order_by(col(Proposal.id))).all()
    for p in governed:
        cap = f", each organisation capped at {p.cap} % of the weight" if p.cap else ""
        lines.append(f"Proposal #{p.id} {p.title}: one position per organisation (its representative's, else its "
                     f"first member's){cap}")
    return [*lines, ""]


def organisation_of(user_id: str) -> str | None:
    """A demo member's organisation."""
    return ORGANISATION_OF.get(user_id)
