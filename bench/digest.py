"""Digest build time at 1,000, 10,000 and 100,000 open commitments, next to the same SQL on a raw cursor.

For each size the bench creates a fresh SQLite file database (or a fresh schema of a PostgreSQL
database with ``--database-url``), migrates it, and fills it through bulk inserts with a
consortium of five groups of 40 members, the open commitments (a quarter overdue), decisions in
the period and open proposals scaled with them (one decision per 20 commitments and one proposal
per 100, at least 50 and 12), positions on every proposal and a check-in round per group.

It then builds the consortium-wide digest and a group's home-channel digest
(``bot.services.digests.build_digest`` in ``read_scope``, as the digest job does), capturing
every statement and its parameters with SQLAlchemy's ``before_cursor_execute`` event. The
baseline replays exactly those statements with those parameters on a DBAPI cursor of
``engine.raw_connection()`` and fetches every row (then commits, as the session does): the time
the database and driver alone take for the same work. A third run, the SQLAlchemy floor, sends
the same compiled SQL through ``Connection.exec_driver_sql`` (Core rows, nothing built, no ORM, no
value converted): the least SQLAlchemy itself adds over the driver, which no code on top of it can
go below. The three are timed alternately ``--repeat`` times; the bench reports the medians, the
ratios, the render time (Block Kit), the number of statements and the size of the message.

    python bench/digest.py
    python bench/digest.py --sizes 100 1000 10000 --repeat 9
    python bench/digest.py --database-url postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
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
from storage.db import make_engine, normalise_url, read_scope, upgrade  # noqa: E402
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


def scaled(commitments: int) -> tuple[int, int]:
    """(decisions in the period, open proposals) for a number of open commitments."""
    return max(50, commitments // 20), max(12, commitments // 100)


def fill(engine: Engine, *, commitments: int) -> None:
    """The bench consortium, written with bulk inserts."""
    decisions, proposals = scaled(commitments)
    with engine.begin() as conn:
        conn.execute(insert(Consortium), [{"id": TEAM, "timezone": "UTC", "created_at": NOW}])
        conn.execute(insert(StakeholderGroup), [
            {"id": i + 1, "consortium_id": TEAM, "name": name, "name_key": name.casefold(), "timezone": "UTC",
             "channel_id": f"CG{i + 1}", "created_by": "UFAC", "created_at": NOW - timedelta(days=60)}
            for i, name in enumerate(GROUPS)])
        members = [(g + 1, f"U{g + 1}M{m:03d}") for g in range(len(GROUPS)) for m in range(MEMBERS_PER_GROUP)]
        conn.execute(insert(GroupMembership), [
            {"consortium_id": TEAM, "group_id": g, "user_id": u, "joined_at": NOW - timedelta(days=60, seconds=-i)}
            for i, (g, u) in enumerate(members)])
        conn.execute(insert(Commitment), [
            {"consortium_id": TEAM, "text": f"Commitment {i}: deliver the work package section {i % 97}",
             "owner_id": members[i % len(members)][1], "group_id": members[i % len(members)][0],
             "due_date": TODAY + timedelta(days=(i % 40) - 10), "status": "open", "channel_id": "C1",
             "source": "command", "created_by": "UFAC", "created_at": NOW - timedelta(days=20),
             "updated_at": NOW - timedelta(days=20)} for i in range(commitments)])
        conn.execute(insert(Decision), [
            {"consortium_id": TEAM, "text": f"Decision {i}", "rationale": "Because.", "status": "active",
             "channel_id": "C1", "recorded_by": "UFAC", "source": "command",
             "created_at": NOW - timedelta(seconds=(i + 1) * 600_000 // decisions)} for i in range(decisions)])
        _proposals_and_checkins(conn, members, proposals)


def _proposals_and_checkins(conn: Any, members: list[tuple[int, str]], proposals: int) -> None:
    conn.execute(insert(Proposal), [
        {"id": p + 1, "consortium_id": TEAM, "title": f"Proposal {p}", "author_id": "UFAC", "channel_id": "C1",
         "status": "open", "closes_at": NOW + timedelta(days=p + 1), "created_at": NOW - timedelta(days=2),
         "version": 0} for p in range(proposals)])
    conn.execute(insert(ProposalGroup), [{"consortium_id": TEAM, "proposal_id": p + 1, "group_id": g + 1}
                                         for p in range(proposals) for g in range(len(GROUPS))])
    conn.execute(insert(Position), [
        {"consortium_id": TEAM, "proposal_id": p + 1, "user_id": u, "group_id": g, "choice": CHOICES[i % 4],
         "created_at": NOW - timedelta(days=1), "updated_at": NOW - timedelta(days=1)}
        for p in range(proposals) for i, (g, u) in enumerate(members) if (i + p) % 7 == 0 and g != 5])
    conn.execute(insert(CheckinRound), [
        {"id": g + 1, "consortium_id": TEAM, "group_id": g + 1, "due_at": NOW - timedelta(days=2),
         "trigger": "schedule", "opened_at": NOW - timedelta(days=2), "remind_at": NOW - timedelta(days=1),
         "closes_at": NOW}
        for g in range(len(GROUPS))])
    conn.execute(insert(CheckinPrompt), [{"consortium_id": TEAM, "round_id": g, "user_id": u, "status": "sent",
                                          "attempts": 1} for g, u in members])
    conn.execute(insert(CheckinResponse), [
        {"consortium_id": TEAM, "round_id": g, "user_id": u, "text": "fine", "source": "modal",
         "responded_at": NOW - timedelta(days=1)} for i, (g, u) in enumerate(members) if i % 3 == 0])


def replay(engine: Engine, statements: list[tuple[str, Any]]) -> int:
    """Execute ``statements`` on a raw DBAPI cursor, fetching every row; then commit. Rows fetched."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        rows = 0
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            if cursor.description is not None:
                rows += len(cursor.fetchall())
        cursor.close()
        raw.commit()
        return rows
    finally:
        raw.close()


def replay_through_sqlalchemy(engine: Engine, statements: list[tuple[str, Any]]) -> int:
    """The same statements through SQLAlchemy's own execution and nothing more: each already compiled
    SQL string and its parameters on a pooled ``Connection`` (``exec_driver_sql``), every row fetched as
    a Core row, then a commit. No statement is built or compiled, no ORM object made, no value
    converted: the least any layer of SQLAlchemy adds over the driver. Rows fetched."""
    rows = 0
    with engine.connect() as conn:
        for statement, parameters in statements:
            result = conn.exec_driver_sql(statement, parameters)
            if result.returns_rows:
                rows += len(result.all())
        conn.commit()
    return rows


def measure(engine: Engine, *, channel: str, repeat: int) -> dict[str, Any]:
    """Median build, raw replay and render times of one channel's digest, its statements and its size."""
    def build() -> Digest:
        with read_scope(engine) as session:
            return build_digest(session, consortium_id=TEAM, channel_id=channel, start=NOW - timedelta(days=7),
                                end=NOW, today=TODAY)

    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    build()  # warm the pool and the statement cache
    event.listen(engine, "before_cursor_execute", capture)
    digest = build()
    event.remove(engine, "before_cursor_execute", capture)
    replay(engine, statements)  # warm the raw path too
    replay_through_sqlalchemy(engine, statements)
    builds, replays, floors, renders = [], [], [], []
    for _ in range(repeat):  # alternately, so that all three see the same machine
        started = time.perf_counter()
        digest = build()
        builds.append(time.perf_counter() - started)
        started = time.perf_counter()
        rows = replay(engine, statements)
        replays.append(time.perf_counter() - started)
        started = time.perf_counter()
        replay_through_sqlalchemy(engine, statements)
        floors.append(time.perf_counter() - started)
        started = time.perf_counter()
        blocks = digest_blocks(digest)
        renders.append(time.perf_counter() - started)
    build_s, replay_s = statistics.median(builds), statistics.median(replays)
    return {"build": build_s, "raw": replay_s, "floor": statistics.median(floors),
            "floor_ratios": [f / r for f, r in zip(floors, replays, strict=True)],
            "render": statistics.median(renders), "queries": len(statements),
            "rows": rows, "blocks": len(blocks), "ratios": [b / r for b, r in zip(builds, replays, strict=True)],
            "chars": sum(len(b.get("text", {}).get("text", "")) for b in blocks), "open": digest.open_total}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args(argv)
    print(f"# Digest build vs the same SQL on a raw cursor ({'PostgreSQL' if args.database_url else 'SQLite file'};"
          f" median of {args.repeat}, alternating)\n")
    print("| open commitments | decisions | proposals | digest | build ms | raw cursor ms | build / raw "
          "| target ≤ 1.2× | SQLAlchemy floor ms | floor / raw | render ms | queries | rows | blocks |")
    print("|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|", flush=True)
    for size in args.sizes:
        with database(args.database_url) as url:
            engine = make_engine(url)
            fill(engine, commitments=size)
            if engine.dialect.name == "postgresql":  # what autovacuum would soon do after a bulk load
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE"))
            decisions, proposals = scaled(size)
            for label, channel in (("consortium", "C1"), ("group channel", "CG1")):
                r = measure(engine, channel=channel, repeat=args.repeat)
                ratio = r["build"] / r["raw"]
                print(f"| {size:,} | {decisions:,} | {proposals:,} | {label} | {r['build'] * 1000:.1f} | "
                      f"{r['raw'] * 1000:.1f} | {ratio:.2f}× ({min(r['ratios']):.2f}–{max(r['ratios']):.2f}) | "
                      f"{'met' if ratio <= 1.2 else 'missed'} | {r['floor'] * 1000:.1f} | "
                      f"{r['floor'] / r['raw']:.2f}× ({min(r['floor_ratios']):.2f}–{max(r['floor_ratios']):.2f}) | "
                      f"{r['render'] * 1000:.1f} | {r['queries']} | "
                      f"{r['rows']:,} | {r['blocks']} |", flush=True)
            engine.dispose()
    print(f"\nperiod: 7 days; {len(GROUPS)} groups of {MEMBERS_PER_GROUP} members; ratio range over the "
          f"{args.repeat} alternating runs in brackets; SQLAlchemy floor: the same compiled SQL through "
          f"Connection.exec_driver_sql, Core rows, no conversion")
    return 0


if __name__ == "__main__":
    sys.exit(main())
