"""How Accord's Web API client talks HTTP: one keep-alive connection pool, and posts paced per workspace.

slack_sdk's ``WebClient`` opens a new connection for every call (``urllib``); :class:`AccordClient`
sends the same requests through one ``httpx`` pool per process instead, and answers slack_sdk as
``urllib`` would (an ``HTTPError`` for a non-2xx answer, a ``URLError`` for a failed connection),
so its retry handlers work unchanged.

Posting methods (``chat.*``) wait for a :class:`Pacer` of their workspace first: at most
``ACCORD_SLACK_POST_RATE`` per second across every thread of the process, and when Slack answers
429 every sender of that workspace waits out its ``Retry-After``, not just the one that met it.
"""

from __future__ import annotations

import http.client
import io
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request

import httpx
from slack_sdk import WebClient

POOL_CONNECTIONS = 32
PACED_PREFIX = "chat."

_pool_lock = threading.Lock()
_pools: dict[float, httpx.Client] = {}


def http_pool(timeout: float) -> httpx.Client:
    """The process's keep-alive pool for the Web API (one per timeout)."""
    with _pool_lock:
        pool = _pools.get(timeout)
        if pool is None:
            limits = httpx.Limits(max_connections=POOL_CONNECTIONS, max_keepalive_connections=POOL_CONNECTIONS)
            pool = _pools[timeout] = httpx.Client(timeout=timeout, limits=limits)
        return pool


class Pacer:
    """At most ``rate`` calls per second, evenly spaced (bursts of ``burst``), shared by threads; paused by a 429."""

    def __init__(self, rate: float, *, burst: float | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else 1.0
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._at = clock()
        self._paused_until = 0.0

    def wait(self) -> float:
        """Take one call's turn, sleeping until it comes; how long this waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
                self._at = now
                delay = max(self._paused_until - now, 0.0)
                if not delay:
                    if self._tokens >= 1 - 1e-9:  # (a sleep of exactly the deficit may land a hair short)
                        self._tokens = max(self._tokens - 1, 0.0)
                        return waited
                    delay = (1 - self._tokens) / self.rate
            self._sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Slack answered 429: nobody of this workspace posts for ``seconds``."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
            self._tokens = 0.0


_pacers_lock = threading.Lock()
_pacers: dict[tuple[str, float], Pacer] = {}


def pacer_for(token: str, rate: float) -> Pacer:
    """The pacer of one workspace's token in this process."""
    with _pacers_lock:
        pacer = _pacers.get((token, rate))
        if pacer is None:
            pacer = _pacers[(token, rate)] = Pacer(rate)
        return pacer


def _message(headers: httpx.Headers) -> http.client.HTTPMessage:
    message = http.client.HTTPMessage()
    for name, value in headers.multi_items():
        message[name] = value
    return message


class AccordClient(WebClient):
    """A ``WebClient`` on a shared keep-alive pool, pacing its posts (see the module's docstring)."""

    def __init__(self, *args: Any, post_rate: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.post_rate = post_rate

    def _pacer(self) -> Pacer | None:
        if not self.post_rate:
            return None
        return pacer_for(self.token or "", self.post_rate)

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        pacer = self._pacer() if url.rsplit("/", 1)[-1].startswith(PACED_PREFIX) else None
        if pacer is not None:
            pacer.wait()
        data = req.data if isinstance(req.data, bytes) else None
        headers = {name: str(value) for name, value in req.header_items()}
        try:
            response = http_pool(float(self.timeout)).post(url, content=data, headers=headers)
        except httpx.TransportError as err:
            raise URLError(err) from err
        answer = _message(response.headers)
        if response.status_code >= 400:
            if response.status_code == 429 and pacer is not None:
                pacer.pause(float(response.headers.get("retry-after") or 1))
            raise HTTPError(url, response.status_code, response.reason_phrase, answer, io.BytesIO(response.content))
        return {"status": response.status_code, "headers": answer, "body": response.text}
