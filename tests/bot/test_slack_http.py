"""The Web API client: one keep-alive pool, posts paced per workspace, a 429 pausing every sender."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.slack import make_client
from bot.slack_http import Pacer
from tests.fakeslack import FakeSlack


class Moments:
    """A clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.slept.append(seconds)
            self.now += seconds


def test_the_pacer_spaces_calls_to_its_rate_and_allows_a_burst_when_asked() -> None:
    t = Moments()
    pacer = Pacer(5, clock=t.clock, sleep=t.sleep)
    for _ in range(25):
        pacer.wait()
    assert t.now == pytest.approx(4.8)  # one at once, then 24 more at 5 per second
    bursty = Pacer(5, burst=5, clock=t.clock, sleep=t.sleep)
    start = t.now
    for _ in range(25):
        bursty.wait()
    assert t.now - start == pytest.approx(4.0)  # 5 at once, then 20 more at 5 per second


def test_a_429_pauses_every_later_call() -> None:
    t = Moments()
    pacer = Pacer(100, clock=t.clock, sleep=t.sleep)
    pacer.wait()
    pacer.pause(3)
    pacer.wait()
    assert t.now >= 3.0


def _settings(fake: FakeSlack, rate: float | None) -> Settings:
    return Settings(slack_bot_token="xoxb-test", slack_api_url=fake.api_url, slack_post_rate=rate)


def test_posts_keep_to_the_rate_across_threads_and_answers_are_as_slack_sdk_expects(fake_slack: FakeSlack) -> None:
    client = make_client(_settings(fake_slack, 20))
    threads = [threading.Thread(target=lambda i=i: client.chat_postMessage(channel="C1", text=f"n{i}"))
               for i in range(30)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert time.monotonic() - started >= 29 / 20  # one at once, the 29 others at 20 per second
    assert len(fake_slack.calls_to("chat.postMessage")) == 30
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="", text="no channel")
    assert refused.value.response["error"] == "channel_not_found"


def test_a_429_is_waited_out_and_retried(fake_slack: FakeSlack) -> None:
    client = make_client(_settings(fake_slack, 50))
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)
    response = client.chat_postMessage(channel="C1", text="after the limit")
    assert response["ok"] and len(fake_slack.calls_to("chat.postMessage", include_failed=True)) == 2
    fake_slack.fail_next("chat.postMessage", status=500, count=2)
    assert client.chat_postMessage(channel="C1", text="after two errors")["ok"]


def test_connections_are_kept_alive(fake_slack: FakeSlack, tmp_path: Path) -> None:
    client = make_client(_settings(fake_slack, None))
    for i in range(10):
        client.chat_postMessage(channel="C1", text=f"m{i}")
    assert fake_slack.connections_opened() <= 2
