"""Transparency report build time for 5,000 decisions and 20,000 commitments, next to its SQL on a raw cursor.

For each size the bench creates a fresh SQLite file database (or a fresh schema of a PostgreSQL
database with ``--database-url``), migrates it and fills it through bulk inserts with
``tests.factories.fill_large_report_record``: five groups of 40 named members, the decisions (one
in 20 from a proposal with positions, one in 50 revoked) and the commitments carrying them out,
over 26 weeks, with organisations, weekly check-in rounds and answers and an audit line per
decision. The default sizes are the target's (5,000 decisions, 20,000 commitments) and half of it,
to show that the number of statements does not grow with the record.

It then writes the full report as `accord report` does (``bot.report.site.report_files`` and
``write_site`` into a temporary folder), timing its parts: reading and assembling the record
(``build_report`` in one session), drawing the charts (matplotlib), rendering the pages (Jinja)
and writing them. Every statement and its parameters are captured with SQLAlchemy's
``before_cursor_execute`` event; the baseline replays exactly those statements on a DBAPI cursor
of ``engine.raw_connection()`` and fetches every row: the time the database and driver alone
take. Accord and the baseline are timed alternately ``--repeat`` times; the bench prints medians.

    python bench/report.py
    python bench/report.py --sizes 5000:20000 1000:4000 --repeat 5
    python bench/report.py --database-url postgresql://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bench.digest import database, replay  # noqa: E402 - a fresh, migrated database; statements on a raw cursor
from bot.report.site import _charts, build_site, write_site  # noqa: E402
from bot.services.report import build_report  # noqa: E402
from storage.db import make_engine, session_scope  # noqa: E402
from tests.factories import T0, fill_large_report_record  # noqa: E402

TEAM = "TBIG"
NOW = T0 + timedelta(days=1)
TARGET_S = 10.0
_FROM = re.compile(r"\bFROM\s+\"?(\w+)", re.I)


def first_table(statement: str) -> str:
    """The table a SELECT reads first (how the statements are grouped by section)."""
    found = _FROM.search(statement)
    return found.group(1) if found else statement.split(None, 1)[0].lower()


def one_report(engine: Engine, out: Path) -> dict[str, float]:
    """Write the full report once; the time of each part in seconds."""
    times: dict[str, float] = {}
    started = time.perf_counter()
    with session_scope(engine) as session:
        report = build_report(session, consortium_id=TEAM, now=NOW, today=NOW.date())
    times["record"] = time.perf_counter() - started
    mark = time.perf_counter()
    _charts(report)
    times["charts"] = time.perf_counter() - mark
    mark = time.perf_counter()
    files = build_site(report)  # draws the charts again, then renders the pages
    times["pages"] = time.perf_counter() - mark - times["charts"]
    mark = time.perf_counter()
    write_site(files, out)
    times["write"] = time.perf_counter() - mark
    times["total"] = times["record"] + times["charts"] + times["pages"] + times["write"]
    times["bytes"] = sum(len(t.encode()) for t in files.values())
    return times


def measure(engine: Engine, *, repeat: int) -> dict[str, Any]:
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        one_report(engine, out)  # warm the pool, the statement cache, matplotlib and the templates
        event.listen(engine, "before_cursor_execute", capture)
        one_report(engine, out)
        event.remove(engine, "before_cursor_execute", capture)
        replay(engine, statements)
        runs, raws = [], []
        for _ in range(repeat):  # alternately, so that both see the same machine
            runs.append(one_report(engine, out))
            started = time.perf_counter()
            rows = replay(engine, statements)
            raws.append(time.perf_counter() - started)
    parts = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    return {**parts, "raw": statistics.median(raws), "rows": rows, "queries": len(statements),
            "worst": max(r["total"] for r in runs),
            "by_table": Counter(first_table(s) for s, _ in statements)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["5000:20000", "2500:10000"],
                        help="DECISIONS:COMMITMENTS per run (default: the target's and half of it)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args(argv)
    print(f"# Transparency report vs its SQL on a raw cursor ({'PostgreSQL' if args.database_url else 'SQLite file'};"
          f" median of {args.repeat}, alternating)\n")
    print("| decisions | commitments | raw SQL ms | record ms | charts ms | pages ms | write ms | total s "
          "| worst s | target < 10 s | record / raw | queries | rows | size MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|", flush=True)
    tables: dict[str, Counter[str]] = {}
    for size in args.sizes:
        decisions, commitments = (int(n) for n in size.split(":"))
        with database(args.database_url) as url:
            engine = make_engine(url)
            fill_large_report_record(engine, consortium_id=TEAM, decisions=decisions, commitments=commitments)
            if engine.dialect.name == "postgresql":  # what autovacuum would soon do after a bulk load
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE"))
            r = measure(engine, repeat=args.repeat)
            engine.dispose()
        tables[size] = r["by_table"]
        print(f"| {decisions:,} | {commitments:,} | {r['raw'] * 1000:.0f} | {r['record'] * 1000:.0f} | "
              f"{r['charts'] * 1000:.0f} | {r['pages'] * 1000:.0f} | {r['write'] * 1000:.0f} | {r['total']:.2f} | "
              f"{r['worst']:.2f} | {'met' if r['worst'] < TARGET_S else 'missed'} | "
              f"{r['record'] / r['raw']:.1f}× | {r['queries']} | {r['rows']:,} | {r['bytes'] / 1e6:.1f} |", flush=True)
    print("\nStatements per section (the table each reads first), at every size:\n")
    names = sorted({t for counts in tables.values() for t in counts})
    print("| size | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for size, counts in tables.items():
        print(f"| {size} | " + " | ".join(str(counts.get(t, 0)) for t in names) + " |")
    same = len({tuple(sorted(c.items())) for c in tables.values()}) == 1
    print(f"\nThe same statements at every size: {'yes' if same else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
