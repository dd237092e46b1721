"""`accord demo`: an example consortium in a local database, and its digest in the terminal.

Needs no Slack settings and no network. The database is ``DATABASE_URL`` when it is set, else its
own file ``accord-demo.db`` in the current directory (never ``accord serve``'s default
``accord.db``); running the demo again reuses the example instead of adding it twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url
from sqlmodel import Session, col, func, select

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.demo_governance import (
    GOVERNED,
    OBSERVERS,
    governance_lines,
    organisation_of,
    seed_decision_follow_up,
    seed_observers,
    seed_organisations,
)
from bot.report.site import report_files, write_site
from bot.services.consensus import OUTCOME_LABELS, Stance, tally
from bot.services.decisions import record_decision
from bot.services.digests import build_digest
from bot.services.home import next_checkin
from bot.services.people import remember_names
from handlers.digests.blocks import digest_text
from storage.db import make_engine, session_scope, upgrade
from storage.groups import list_groups, members_by_group, observer_only_ids
from storage.models import (
    CheckinPrompt,
    CheckinResponse,
    CheckinRound,
    Commitment,
    Consortium,
    Decision,
    GroupMembership,
    Position,
    Proposal,
    ProposalGroup,
    StakeholderGroup,
)
from storage.statuses import PositionChoice, PromptStatus, ProposalOutcome, ProposalStatus
from storage.teams import ensure_team, write_audit

logger = logging.getLogger("accord.demo")

TEAM = "TDEMO"
CHANNEL = "CCONSORTIUM"
REPORT_DIR = "accord-demo-report"  # where the demo writes the example's transparency report
FACILITATOR = "UFACIL"


@dataclass(frozen=True)
class DemoGroup:
    name: str
    sector: str
    timezone: str
    channel_id: str
    checkin_days: str
    checkin_time: str
    members: tuple[tuple[str, str], ...]  # (user id, display name)


GROUPS = (
    DemoGroup("Industry", "industry", "Europe/Berlin", "CINDUSTRY", "mon", "09:00",
              (("UINDLENA", "Lena Fischer"), ("UINDMARC", "Marco Rossi"), ("UINDYUKI", "Yuki Tanaka"))),
    DemoGroup("Academia", "academia", "America/New_York", "CACADEMIA", "tue,thu", "10:00",
              (("UACAPRIYA", "Priya Raman"), ("UACADAN", "Daniel Cohen"), ("UACASOFIA", "Sofia Alvarez"))),
    DemoGroup("Policy", "policy", "Europe/Brussels", "CPOLICY", "wed", "14:00",
              (("UPOLCLAIRE", "Claire Dubois"), ("UPOLJAN", "Jan de Vries"))),
    DemoGroup("Civil society", "civil-society", "Africa/Nairobi", "CCIVIL", "fri", "11:00",
              (("UCIVAMANI", "Amani Wanjiru"), ("UCIVKOFI", "Kofi Mensah"), ("UCIVNOOR", "Noor Haddad"))),
    DemoGroup("International", "international", "Asia/Kolkata", "CINTL", "mon,thu", "15:30",
              (("UINTARJUN", "Arjun Mehta"), ("UINTMEI", "Mei Lin"))),
)
NAMES = ({FACILITATOR: "Fatima (facilitator)"} | {uid: name for g in GROUPS for uid, name in g.members}
         | dict(OBSERVERS.values()))

DECISIONS = (  # (days ago, recorder, text, rationale)
    (6, "UPOLCLAIRE", "The ethics framework follows the OECD AI principles as its baseline",
     "All five groups already reference them; it avoids a sixth competing vocabulary."),
    (4, "UACAPRIYA", "Research data is shared under CC-BY 4.0 unless a partner flags personal data",
     "Funders require open licences; personal data goes through the data-sharing agreement instead."),
    (2, "UCIVAMANI", "Community consultations are held in Swahili and English",
     "Two pilot regions asked for it at the last plenary."),
    (1, FACILITATOR, "Plenary meetings rotate between 08:00 and 16:00 UTC",
     "No single time zone carries every early or late call."),
)
COMMITMENTS = (  # (owner, text, due in days: negative is overdue, None undated)
    ("UINDLENA", "Draft the data-sharing agreement annex on model access", -3),
    ("UINDMARC", "Circulate the industry survey results", 5),
    ("UINDYUKI", "Propose wording for the incident-reporting clause", None),
    ("UACAPRIYA", "Write the literature review on participatory governance", -6),
    ("UACADAN", "Book the venue for the autumn workshop", 12),
    ("UPOLCLAIRE", "Map the framework against the EU AI Act obligations", 9),
    ("UPOLJAN", "Brief the ministry on the consultation timeline", -1),
    ("UCIVAMANI", "Organise the Nairobi community consultation", 14),
    ("UCIVKOFI", "Collect feedback from the Accra partner network", 3),
    ("UINTARJUN", "Share the UNESCO readiness assessment template", 7),
    ("UINTMEI", "Translate the summary of principles into Mandarin", -2),
)
PROPOSALS = (  # (title, days ago, status, outcome or None: computed from positions, positions by user)
    ("Adopt the draft ethics framework v2 for public consultation", 3, "open", None,
     {"UINDLENA": "agree", "UINDMARC": "agree", "UACAPRIYA": "abstain", "UPOLCLAIRE": "agree"}),
    ("Publish the meeting notes openly on the consortium website", 1, "open", None, {"UCIVAMANI": "agree"}),
    ("Use a shared glossary for all deliverables", 6, "closed", None,
     {"UINDLENA": "agree", "UACADAN": "agree", "UPOLJAN": "agree", "UCIVKOFI": "agree",
      "UINTMEI": "abstain"}),
    ("Require annual third-party audits of member AI systems", 5, "closed", None,
     {"UINDMARC": "disagree", "UINDYUKI": "disagree", "UACASOFIA": "agree", "UPOLCLAIRE": "agree",
      "UCIVNOOR": "agree", "UINTARJUN": "disagree"}),
    ("Allow commercial reuse of the community-collected dataset", 4, "closed", None,
     {"UINDLENA": "agree", "UACADAN": "agree", "UPOLJAN": "abstain", "UCIVAMANI": "block",
      "UINTMEI": "agree"}),
    ("Move the secretariat to Geneva", 3, "closed", None, {"UINTARJUN": "agree", "UPOLCLAIRE": "agree"}),
    ("Add a sixth stakeholder group for funders", 2, "closed", "withdrawn", {"UINDMARC": "agree"}),
)
BLOCK_REASON = "It would break the consent terms agreed with the communities."
CHECKIN_ANSWERS = {"Industry": ("UINDLENA", "UINDMARC"), "Civil society": ("UCIVAMANI",),
                   "International": ("UINTARJUN", "UINTMEI")}


def run(settings: Settings, *, clock: Clock | None = None) -> int:
    """Create (or reuse) the example consortium, then print an overview and its digest as of ``clock``'s now."""
    url = settings.demo_database_url
    upgrade(url)
    engine = make_engine(url, single_use=True)
    now = (clock or SystemClock()).now()
    try:
        with session_scope(engine) as session:
            created = not list_groups(session, consortium_id=TEAM)
            if created:
                seed(session, now=now)
            remember_names(session, team_id=TEAM, names=NAMES, now=now)  # also for examples made before names
        with session_scope(engine) as session:
            anchor = session.get(Consortium, TEAM).created_at  # type: ignore[union-attr]
            today = now.astimezone(ZoneInfo(settings.timezone)).date()
            start = min(anchor, now) - timedelta(days=7)
            digest = build_digest(session, consortium_id=TEAM, channel_id=CHANNEL, start=start, end=now,
                                  today=today)
            overview = overview_text(session, now=now, today=today)
    finally:
        engine.dispose()
    where = "Created" if created else "Reusing"
    shown = make_url(url).render_as_string(hide_password=True)
    own = url != settings.database_url  # no DATABASE_URL: the demo's own file, not the one `accord serve` uses
    note = " (the demo's own database, apart from accord serve's; DATABASE_URL chooses another)" if own else ""
    print(f"{where} the example consortium (team {TEAM}) in {shown}{note}\n")
    print(overview)
    print(digest_text(digest, names=NAMES))
    print(f"Transparency report of the example (open it in a browser): {write_report(settings, now=now)}\n")
    prefix = f"DATABASE_URL={url} " if own else ""  # the other commands read accord.db unless told
    print(f"Explore it further: {prefix}accord export decisions --team {TEAM} --format md   ·   "
          f"{prefix}accord digest --channel {GROUPS[0].channel_id} --team {TEAM}")
    return 0


def write_report(settings: Settings, *, now: datetime) -> Path:
    """Write the example's transparency report (as `accord report` does) into ``REPORT_DIR`` of the current
    directory; the path of its first page."""
    engine = make_engine(settings.demo_database_url, single_use=True)
    try:
        files = report_files(engine, consortium_id=TEAM, now=now, timezone=settings.timezone)
    finally:
        engine.dispose()
    out = Path(REPORT_DIR).resolve()
    write_site(files, out)
    return out / "index.html"


def seed(session: Session, *, now: datetime) -> None:
    """Write the example consortium in the caller's transaction."""
    ensure_team(session, team_id=TEAM, timezone="UTC")
    team = session.get(Consortium, TEAM)
    assert team is not None
    team.created_at = now
    groups = _seed_groups(session, now=now)
    seed_observers(session, team=TEAM, groups=groups, now=now)
    seed_organisations(session, team=TEAM, facilitator=FACILITATOR, now=now)
    primary = {uid: groups[g.name].id for g in GROUPS for uid, _ in g.members}
    for days, who, text, why in DECISIONS:
        record_decision(session, consortium_id=TEAM, text=text, rationale=why, channel_id=CHANNEL, recorded_by=who,
                        now=now - timedelta(days=days), source="demo")
    today = now.date()
    for owner, text, due in COMMITMENTS:
        session.add(Commitment(consortium_id=TEAM, text=text, owner_id=owner, group_id=primary[owner],
                               organisation=organisation_of(owner), channel_id=CHANNEL, source="demo",
                               due_date=None if due is None else today + timedelta(days=due),
                               created_by=owner, created_at=now - timedelta(days=8), updated_at=now))
    session.flush()
    seed_decision_follow_up(session, team=TEAM, channel=CHANNEL, today=today, now=now)
    _seed_proposals(session, groups=groups, primary=primary, now=now)
    _seed_checkins(session, groups=groups, now=now)
    write_audit(session, consortium_id=TEAM, actor_id=None, action="demo.seed", entity="team", entity_id=TEAM)


def _seed_groups(session: Session, *, now: datetime) -> dict[str, StakeholderGroup]:
    groups = {}
    for i, spec in enumerate(GROUPS):
        group = StakeholderGroup(consortium_id=TEAM, name=spec.name, name_key=spec.name.casefold(),
                                 sector=spec.sector, channel_id=spec.channel_id, timezone=spec.timezone,
                                 checkin_days=spec.checkin_days, checkin_time=spec.checkin_time,
                                 schedule_updated_at=now, created_by=FACILITATOR,
                                 created_at=now - timedelta(days=30))
        session.add(group)
        session.flush()
        assert group.id is not None
        for j, (uid, _) in enumerate(spec.members):
            session.add(GroupMembership(consortium_id=TEAM, group_id=group.id, user_id=uid,
                                        joined_at=now - timedelta(days=30, seconds=-(i * 10 + j))))
        groups[spec.name] = group
    session.flush()
    return groups


def _seed_proposals(session: Session, *, groups: dict[str, StakeholderGroup], primary: dict[str, int | None],
                    now: datetime) -> None:
    required = [g.id for g in groups.values() if g.id is not None]
    members = members_by_group(session, consortium_id=TEAM, observers=False)
    specs: list[tuple[str, int, str, str | None, dict[str, str], str, int | None]] = [
        (*spec, "member", None) for spec in PROPOSALS]
    title, days, counting, capped, positions = GOVERNED
    specs.append((title, days, "open", None, positions, counting, capped))  # counted per organisation, capped
    for title, days, status, outcome, positions, counting, cap in specs:
        created = now - timedelta(days=days + 1)
        if status == "open":
            closes = now + timedelta(days=7 - days)
        else:
            closes = now - timedelta(days=days - 1, hours=2)
        if status == "closed" and outcome is None:
            stances = [Stance(uid, primary[uid], choice) for uid, choice in positions.items()]
            outcome = tally(stances, required_groups=required, memberships=members).outcome
        proposal = Proposal(consortium_id=TEAM, title=title, author_id=FACILITATOR, channel_id=CHANNEL,
                            status=ProposalStatus(status), outcome=ProposalOutcome(outcome) if outcome else None,
                            closes_at=closes, created_at=created,
                            closed_at=closes if status == "closed" else None,
                            closed_by=FACILITATOR if outcome == "withdrawn" else None, counting=counting, cap=cap)
        session.add(proposal)
        session.flush()
        assert proposal.id is not None
        session.add_all([ProposalGroup(consortium_id=TEAM, proposal_id=proposal.id, group_id=g) for g in required])
        session.add_all([Position(consortium_id=TEAM, proposal_id=proposal.id, user_id=uid, group_id=primary[uid],
                                  organisation=organisation_of(uid), choice=PositionChoice(choice),
                                  reason=BLOCK_REASON if choice == "block" else None,
                                  created_at=created, updated_at=created + timedelta(hours=5))
                         for uid, choice in positions.items()])
        if outcome == "consensus":
            record_decision(session, consortium_id=TEAM, text=title, rationale="Reached consensus on the proposal.",
                            channel_id=CHANNEL, recorded_by=FACILITATOR, now=closes, source="proposal",
                            proposal_id=proposal.id)
    session.flush()


def _seed_checkins(session: Session, *, groups: dict[str, StakeholderGroup], now: datetime) -> None:
    """One closed round per group two days ago: everyone asked, some answered."""
    opened = now - timedelta(days=2)
    for spec in GROUPS:
        group = groups[spec.name]
        assert group.id is not None
        remind, close = opened + timedelta(hours=24), opened + timedelta(hours=48)
        round_ = CheckinRound(consortium_id=TEAM, group_id=group.id, due_at=opened, opened_at=opened,
                              remind_at=remind, closes_at=close, reminded_at=remind, closed_at=close)
        session.add(round_)
        session.flush()
        assert round_.id is not None
        answered = CHECKIN_ANSWERS.get(spec.name, ())
        for uid, _ in spec.members:
            session.add(CheckinPrompt(consortium_id=TEAM, round_id=round_.id, user_id=uid, status=PromptStatus.SENT,
                                      attempts=1, sent_at=opened, dm_channel_id="D" + uid[1:],
                                      message_ts=f"{opened.timestamp():.0f}.{len(uid):06d}"))
            if uid in answered:
                session.add(CheckinResponse(consortium_id=TEAM, round_id=round_.id, user_id=uid,
                                            text="On track; draft shared with the group.",
                                            blockers=None, responded_at=opened + timedelta(hours=3)))
    session.flush()


def overview_text(session: Session, *, now: datetime, today: date) -> str:
    """Groups, members, zones and next check-ins, and how many records of each kind."""
    members = members_by_group(session, consortium_id=TEAM)
    columns = f"{'group':<15}{'sector':<15}{'time zone':<19}{'members':<9}next check-in (local)"
    lines = ["STAKEHOLDER GROUPS", columns]
    for group in list_groups(session, consortium_id=TEAM):
        nxt = next_checkin(group, after=now)
        local = nxt.astimezone(ZoneInfo(group.timezone)).strftime("%a %d %b %H:%M") if nxt else "-"
        lines.append(f"{group.name:<15}{group.sector or '-':<15}{group.timezone:<19}"
                     f"{len(members.get(group.id or 0, [])):<9}{local}")
        observers = set(observer_only_ids(session, consortium_id=TEAM))
        lines.append("    " + ", ".join(NAMES.get(u, u) + (" (observer)" if u in observers else "")
                                        for u in members.get(group.id or 0, [])))
    decisions = session.exec(select(func.count()).select_from(Decision).where(Decision.consortium_id == TEAM)).one()
    open_rows = session.exec(select(col(Commitment.due_date)).where(Commitment.consortium_id == TEAM,
                                                               Commitment.status == "open")).all()
    overdue = sum(1 for due in open_rows if due is not None and due < today)
    outcomes = Counter(session.exec(select(col(Proposal.outcome)).where(Proposal.consortium_id == TEAM)).all())
    by_outcome = ", ".join(f"{OUTCOME_LABELS[o]} {n}" for o, n in sorted(outcomes.items(), key=str) if o)
    lines += ["", *governance_lines(session, team=TEAM, names=NAMES), "RECORD",
              f"{decisions} decisions · {len(open_rows)} open commitments ({overdue} overdue) · "
              f"proposals: {outcomes.get(None, 0)} open, {by_outcome}", ""]
    return "\n".join(lines)
