"""`accord serve`'s worker: an `accord worker` child process, so acks never wait for work.

Python runs one thread at a time per process. When the work after an ack (recording, rendering,
Web API calls) ran on threads of the serving process, every ack waited for the interpreter lock
behind it. ``accord serve`` therefore starts its worker as a child process on the same database:
the parent only stores and acknowledges, the child works the inbox, sends the outbox and runs the
schedules. One command is still the whole install.

The two talk through the child's standard input: after each inbox commit the parent writes a
byte, which tells the child's inbox poller that a request is waiting (without it the child would
find the request at its next poll) and that acknowledgements are under way: the poller lets a
burst of them pass before it claims more work (:class:`bot.inbox.AckYield`). The child's fate
is tied to the parent's: on Linux it is killed with the parent (``PR_SET_PDEATHSIG``), and
anywhere it ends itself when its standard input closes, so a crashed `accord serve` never leaves
a worker running. A child that dies on its own is started again.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import IO

logger = logging.getLogger("accord.worker")

RESTART_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)  # seconds before restarting a child that died
STOP_WAIT = 30.0
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Linux: have the kernel kill this process when its parent dies (a ``kill -9`` included)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not glibc/musl: the closed standard input still ends the child
        logger.debug("pdeathsig_unavailable")


def follow_parent(wake: Callable[[], None], *, stream: IO[bytes] | IO[str] | None = None,
                  parent_gone: Callable[[], None] | None = None) -> threading.Thread:
    """In the child: wake the inbox poller on every byte from the parent; end when the parent is gone."""
    fd = (stream if stream is not None else sys.stdin).fileno()

    def gone() -> None:
        logger.error("worker_parent_gone: `accord serve` ended without stopping its worker; exiting")
        os._exit(1)  # the parent crashed: so does the install, as a kill -9 of one process would

    def read() -> None:
        while True:
            try:  # the descriptor itself: a buffered reader's lock would block interpreter shutdown
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                (parent_gone or gone)()
                return
            wake()

    thread = threading.Thread(target=read, name="accord-parent-pipe", daemon=True)
    thread.start()
    return thread


class ChildWorker:
    """The parent's handle on its `accord worker` child: start, wake, restart when it dies, stop."""

    def __init__(self, argv: Sequence[str] | None = None, *, env: dict[str, str] | None = None) -> None:
        self.argv = list(argv) if argv is not None else [sys.executable, "-m", "bot.cli", "worker", "--attached"]
        self.env = env
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._supervisor: threading.Thread | None = None
        self.starts = 0

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None else None

    def start(self) -> None:
        """Start the child and a thread that starts it again whenever it dies unasked."""
        self._stopping.clear()
        self._spawn()
        self._supervisor = threading.Thread(target=self._supervise, name="accord-worker-supervisor", daemon=True)
        self._supervisor.start()

    def _spawn(self) -> None:
        with self._lock:
            # stdout/stderr are inherited: the child's logs go where the parent's go.
            # Its own process group: a Ctrl-C at the terminal reaches the parent, which stops the child.
            self._proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, env=self.env, start_new_session=True,
                                          preexec_fn=die_with_parent if sys.platform.startswith("linux") else None)
            assert self._proc.stdin is not None
            os.set_blocking(self._proc.stdin.fileno(), False)  # a wake never waits for the child
            self.starts += 1
        logger.info("worker_process_started pid=%s", self._proc.pid)

    def _supervise(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            proc = self._proc
            if proc is None:
                return
            code = proc.wait()
            if self._stopping.is_set():
                return
            delay = RESTART_DELAYS[min(failures, len(RESTART_DELAYS) - 1)]
            failures += 1
            logger.error("worker_process_exited pid=%s code=%s restart_in=%ss", proc.pid, code, delay)
            if self._stopping.wait(delay):
                return
            try:
                self._spawn()
            except OSError:
                logger.exception("worker_process_start_failed")

    def wake(self) -> None:
        """Tell the child that a request is waiting in the inbox (never blocks, never raises)."""
        proc = self._proc
        if proc is None or proc.stdin is None:
            return
        try:
            os.write(proc.stdin.fileno(), b"\n")
        except (BlockingIOError, BrokenPipeError, OSError, ValueError):
            pass  # a full pipe has wakes enough; a dead child is restarted and polls anyway

    def stop(self, timeout: float = STOP_WAIT) -> int | None:
        """SIGTERM the child and wait for it to finish its work in flight (killed after ``timeout``)."""
        self._stopping.set()
        with self._lock:
            proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                logger.error("worker_process_kill pid=%s (did not stop within %ss)", proc.pid, timeout)
                proc.kill()
                proc.wait()
        if proc.stdin is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
        return proc.returncode
