"""Digest build and render time for 100, 1,000 and 10,000 open commitments.

For each size the bench creates a fresh SQLite file database (or a fresh schema of a PostgreSQL
database with ``--database-url``), migrates it, and fills it through bulk inserts with a
consortium of five groups of 40 members, the open commitments (a quarter overdue), 50 decisions
in the period, 12 open proposals with positions and a check-in round per group. It then builds
the consortium-wide digest and a group's home-channel digest ``--repeat`` times each and reports
the median build time, the median render time (Block Kit), the statements one build issues and
the size of the rendered message.

    python bench/digest.py
    python bench/digest.py --sizes 100 1000 10000 50000 --repeat 9
    python bench/digest.py --database-url postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, insert, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from bot.services.digests import Digest, build_digest  # noqa: E402
from handlers.digests.blocks import digest_blocks  # noqa: E402
from storage.db import make_engine, normalise_url, session_scope, upgrade  # noqa: E402
from storage.models import (  # noqa: E402
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

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
TEAM = "TBENCH"
GROUPS = ("Industry", "Academia", "Policy", "Civil society", "International")
MEMBERS_PER_GROUP = 40
CHOICES = ("agree", "agree", "abstain", "disagree")


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file in a temp dir, or a new PostgreSQL schema."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(sqlite)
            yield sqlite
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(normalise_url(url)).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        rendered = scoped.render_as_string(hide_password=False)
        upgrade(rendered)
        yield rendered
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def fill(engine: Engine, *, commitments: int) -> None:
    """The bench consortium, written with bulk inserts."""
    with engine.begin() as conn:
        conn.execute(insert(Consortium), [{"id": TEAM, "timezone": "UTC", "created_at": NOW}])
        conn.execute(insert(StakeholderGroup), [
            {"id": i + 1, "team_id": TEAM, "name": name, "name_key": name.casefold(), "timezone": "UTC",
             "channel_id": f"CG{i + 1}", "created_by": "UFAC", "created_at": NOW - timedelta(days=60)}
            for i, name in enumerate(GROUPS)])
        members = [(g + 1, f"U{g + 1}M{m:03d}") for g in range(len(GROUPS)) for m in range(MEMBERS_PER_GROUP)]
        conn.execute(insert(GroupMembership), [
            {"team_id": TEAM, "group_id": g, "user_id": u, "joined_at": NOW - timedelta(days=60, seconds=-i)}
            for i, (g, u) in enumerate(members)])
        conn.execute(insert(Commitment), [
            {"team_id": TEAM, "text": f"Commitment {i}: deliver the work package section {i % 97}",
             "owner_id": members[i % len(members)][1], "group_id": members[i % len(members)][0],
             "due_date": TODAY + timedelta(days=(i % 40) - 10), "status": "open", "channel_id": "C1",
             "source": "command", "created_by": "UFAC", "created_at": NOW - timedelta(days=20),
             "updated_at": NOW - timedelta(days=20)} for i in range(commitments)])
        conn.execute(insert(Decision), [
            {"team_id": TEAM, "text": f"Decision {i}", "rationale": "Because.", "status": "active",
             "channel_id": "C1", "recorded_by": "UFAC", "source": "command",
             "created_at": NOW - timedelta(hours=i + 1)} for i in range(50)])
        _proposals_and_checkins(conn, members)


def _proposals_and_checkins(conn: Any, members: list[tuple[int, str]]) -> None:
    conn.execute(insert(Proposal), [
        {"id": p + 1, "team_id": TEAM, "title": f"Proposal {p}", "author_id": "UFAC", "channel_id": "C1",
         "status": "open", "closes_at": NOW + timedelta(days=p + 1), "created_at": NOW - timedelta(days=2),
         "version": 0} for p in range(12)])
    conn.execute(insert(ProposalGroup), [{"team_id": TEAM, "proposal_id": p + 1, "group_id": g + 1}
                                         for p in range(12) for g in range(len(GROUPS))])
    conn.execute(insert(Position), [
        {"team_id": TEAM, "proposal_id": p + 1, "user_id": u, "group_id": g, "choice": CHOICES[i % 4],
         "created_at": NOW - timedelta(days=1), "updated_at": NOW - timedelta(days=1)}
        for p in range(12) for i, (g, u) in enumerate(members) if (i + p) % 7 == 0 and g != 5])
    conn.execute(insert(CheckinRound), [
        {"id": g + 1, "team_id": TEAM, "group_id": g + 1, "due_at": NOW - timedelta(days=2),
         "trigger": "schedule", "opened_at": NOW - timedelta(days=2), "remind_at": NOW - timedelta(days=1),
         "closes_at": NOW}
        for g in range(len(GROUPS))])
    conn.execute(insert(CheckinPrompt), [{"team_id": TEAM, "round_id": g, "user_id": u, "status": "sent",
                                          "attempts": 1} for g, u in members])
    conn.execute(insert(CheckinResponse), [
        {"team_id": TEAM, "round_id": g, "user_id": u, "text": "fine", "source": "modal",
         "responded_at": NOW - timedelta(days=1)} for i, (g, u) in enumerate(members) if i % 3 == 0])


def _median_seconds(work: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(engine: Engine, *, channel: str, repeat: int) -> dict[str, Any]:
    """Median build and render times of one channel's digest, its statements and its size."""
    def build() -> Digest:
        with session_scope(engine) as session:
            return build_digest(session, consortium_id=TEAM, channel_id=channel, start=NOW - timedelta(days=7),
                                end=NOW, today=TODAY)

    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    build()  # warm the pool and the statement cache
    event.listen(engine, "before_cursor_execute", listener)
    build()
    event.remove(engine, "before_cursor_execute", listener)
    build_s, digest = _median_seconds(build, repeat)
    render_s, blocks = _median_seconds(lambda: digest_blocks(digest), repeat)
    return {"build": build_s, "render": render_s, "queries": len(statements), "blocks": len(blocks),
            "chars": sum(len(b.get("text", {}).get("text", "")) for b in blocks), "open": digest.open_total}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args(argv)
    print(f"{'open commitments':>16} {'digest':<14} {'build ms':>9} {'render ms':>10} {'total ms':>9} "
          f"{'queries':>8} {'blocks':>7} {'chars':>7}")
    for size in args.sizes:
        with database(args.database_url) as url:
            engine = make_engine(url)
            fill(engine, commitments=size)
            if engine.dialect.name == "postgresql":  # what autovacuum would soon do after a bulk load
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE"))
            for label, channel in (("consortium", "C1"), ("group channel", "CG1")):
                r = measure(engine, channel=channel, repeat=args.repeat)
                print(f"{size:>16,} {label:<14} {r['build'] * 1000:>9.1f} {r['render'] * 1000:>10.1f} "
                      f"{(r['build'] + r['render']) * 1000:>9.1f} {r['queries']:>8} {r['blocks']:>7} "
                      f"{r['chars']:>7,}")
            engine.dispose()
    print(f"\nmedian of {args.repeat} runs; database: {'PostgreSQL' if args.database_url else 'SQLite file'};"
          f" period: 7 days; {len(GROUPS)} groups of {MEMBERS_PER_GROUP} members")
    return 0


if __name__ == "__main__":
    sys.exit(main())
