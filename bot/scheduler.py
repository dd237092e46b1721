"""The scheduler: one APScheduler interval job that runs every due task against our tables.

Schedules live in Accord's own tables (the source of truth); APScheduler only wakes the
process every few seconds (and at once when :meth:`Scheduler.wake` is called after a
change), and its cron triggers compute due times in each group's zone. Every due thing is
claimed in the database (a unique key or a conditional update) before it is done, so
several processes on one database, restarts and catch-up never do anything twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.runtime import Runtime

logger = logging.getLogger("accord.scheduler")

Task = Callable[[Runtime, datetime], object]
JOB_ID = "accord-due-work"


class Scheduler:
    """Runs ``tasks`` (each ``task(rt, now)``) whenever they may be due."""

    def __init__(self, rt: Runtime, tasks: Sequence[tuple[str, Task]], *, interval: float | None = None) -> None:
        self.rt = rt
        self.tasks = list(tasks)
        self.interval = interval if interval is not None else rt.settings.scheduler_interval
        self._aps: BackgroundScheduler | None = None
        self._lock = threading.Lock()
        rt.schedule_changed.connect(self.wake)  # a schedule changed: look again at once

    def run_due(self, now: datetime | None = None) -> None:
        """Run every task once for ``now`` (default: the runtime's clock). Safe to call concurrently."""
        with self._lock:
            when = now or self.rt.clock.now()
            for name, task in self.tasks:
                try:
                    task(self.rt, when)
                except Exception:
                    logger.exception("task_failed task=%s", name)
            logger.debug("scheduler_tick_done now=%s", when.isoformat())

    def start(self) -> None:
        """Start the background ticker (first run at once)."""
        self._aps = BackgroundScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1})
        self._aps.add_job(self.run_due, IntervalTrigger(seconds=self.interval), id=JOB_ID,
                          next_run_time=datetime.now(UTC), misfire_grace_time=None)
        self._aps.start()
        logger.info("scheduler_started interval=%ss tasks=%s", self.interval, ",".join(n for n, _ in self.tasks))

    def wake(self) -> None:
        """Run the due work now instead of at the next tick (after a schedule change)."""
        if self._aps is not None and self._aps.running:
            self._aps.modify_job(JOB_ID, next_run_time=datetime.now(UTC))

    def shutdown(self) -> None:
        """Stop ticking and wait for a running tick to finish."""
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=True)
            logger.info("scheduler_stopped")
