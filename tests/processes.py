"""Real Accord processes for the tests: start them, wait until they serve, stop them."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.harness import free_port

TICK_DONE = "scheduler_tick_done"  # the scheduler's DEBUG line when a tick has finished all its work


def wait_healthy(url: str, proc: subprocess.Popen[str], timeout: float = 60, *, name: str = "accord serve",
                 output: Callable[[], str] | None = None) -> None:
    """Poll ``url``'s /healthz until it answers 200; fail, with ``output``, if ``proc`` exits or time runs out."""
    def logs() -> str:
        if output is not None:
            return output()
        return proc.stderr.read() if proc.stderr and proc.poll() is not None else ""

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{name} exited:\n{logs()}"
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)  # polling a starting process: there is no event to wait on
    raise AssertionError(f"{name} did not become healthy:\n{logs()}")


def stop_process(proc: subprocess.Popen[str]) -> None:
    """SIGTERM, then wait for the process to exit (killed, and the test fails, if it does not)."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


class Serve:
    """One `accord serve` process (or another ``command``, e.g. ``worker``); its output goes to a log file."""

    def __init__(self, name: str, tmp_path: Path, env: dict[str, str], *extra: str,
                 command: str = "serve") -> None:
        self.name, self.tmp_path, self.env, self.extra, self.command = name, tmp_path, env, extra, command
        self.log = tmp_path / f"{name}.log"
        self._start()

    def _start(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = (["serve", "--host", "127.0.0.1", "--port", str(self.port)] if self.command == "serve"
                else [self.command])
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", *args, *self.extra],
                cwd=self.tmp_path, env=self.env, stdout=out, stderr=subprocess.STDOUT, text=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def ticks(self) -> int:
        """How many scheduler ticks this process has finished."""
        return self.output().count(TICK_DONE)

    def wait_healthy(self, timeout: float = 40) -> None:
        """Wait until it serves. The free port picked at start may be taken by another program on the
        machine before the process binds it: then it is started again on another port (twice at most)."""
        for _ in range(2):
            try:
                wait_healthy(self.url, self.proc, timeout, name=self.name, output=self.output)
                return
            except AssertionError:
                if self.proc.poll() is None or "address already in use" not in self.output():
                    raise
                self._start()
        wait_healthy(self.url, self.proc, timeout, name=self.name, output=self.output)

    def stop(self) -> int:
        """SIGTERM, wait; returns the exit code (kills and fails if it does not stop)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.name} ignored SIGTERM:\n{self.output()}") from None


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, logs: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{logs()}")
        time.sleep(0.1)  # polling the database or a log file: there is no event to wait on


@contextmanager
def serving(procs: list[Serve]) -> Iterator[list[Serve]]:
    """Stop whatever is still running on the way out (a failing test must not leak processes)."""
    try:
        yield procs
    finally:
        for p in procs:
            if p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait()
