"""Hostile requests at the door, through the real server: too large, unsigned, malformed, deep.

Every one gets a 4xx (or a 200 for a shape Slack may legitimately send) and one log line, never a
500 and never a traceback. uvicorn logs the errors of an application to its own loggers, which do
not reach the root logger: the ``door_log`` fixture listens to them too.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from handlers.shared import ids
from tests import payloads
from tests.bot.test_socket_mode import APP_TOKEN, _wait_connected
from tests.fakeslack import FakeSlack
from tests.harness import SECRET, Harness, free_port, serve_env
from tests.processes import stop_process, wait_healthy

MB = 1_000_000


@pytest.fixture
def door_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level("INFO")
    uvicorn_loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error")]
    for logger in uvicorn_loggers:
        logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        for logger in uvicorn_loggers:
            logger.removeHandler(caplog.handler)


def _no_traceback(log: pytest.LogCaptureFixture) -> None:
    assert "Traceback" not in log.text
    assert all(record.exc_info is None for record in log.records), [r.getMessage() for r in log.records]


def _raw_request(url: str, head: str, chunks: Iterable[bytes] = (), *, timeout: float = 10) -> tuple[int, int]:
    """Send ``head`` then ``chunks`` over a plain socket until the server stops reading; then its
    status line (and how many body bytes were sent). A server that waits for more times out here."""
    parts = urlsplit(url)
    sent = 0
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=timeout) as sock:
        sock.sendall(head.encode())
        try:
            for chunk in chunks:
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while b"\r\n" not in answer:
                got = sock.recv(4096)
                if not got:
                    break
                answer += got
        except ConnectionResetError:
            pass
    assert answer.startswith(b"HTTP/1.1 "), answer[:100]
    return int(answer.split(b" ", 2)[1]), sent


def _head(*lines: str) -> str:
    return "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(f"{line}\r\n" for line in lines) + "\r\n"


def _chunked(total: int, size: int = MB) -> Iterator[bytes]:
    for _ in range(total // size):
        yield f"{size:x}\r\n".encode() + b"x" * size + b"\r\n"


# --------------------------------------------------------------------------------- body size


def test_declared_oversize_body_is_refused_before_any_byte_is_read(accord: Harness, door_log: Any) -> None:
    status, _ = _raw_request(accord.url, _head("Content-Type: application/json", "Content-Length: 400000000"))
    assert status == 413
    assert "request_too_large" in door_log.text
    _no_traceback(door_log)


def test_streamed_oversize_body_is_refused_once_past_the_limit(accord: Harness, door_log: Any) -> None:
    # 2 MB without a Content-Length, and then the client stalls: the answer comes without the rest.
    status, _ = _raw_request(accord.url, _head("Content-Type: application/json", "Transfer-Encoding: chunked"),
                             _chunked(2 * MB))
    assert status == 413
    # 50 MB from a generator (chunked): httpx reads the early answer.
    response = accord.http.post(f"{accord.url}/slack/events", content=(b"x" * MB for _ in range(50)))
    assert response.status_code == 413
    _no_traceback(door_log)


def test_body_longer_than_its_content_length_is_only_read_as_far_as_declared(accord: Harness,
                                                                             door_log: Any) -> None:
    status, _ = _raw_request(accord.url, _head("Content-Type: application/json", "Content-Length: 100"),
                             (b"{" + b" " * (MB - 1) for _ in range(50)))
    assert status == 401  # the 100 bytes read are not signed
    _no_traceback(door_log)


def _vm(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {key} for {pid}")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_a_400_mb_post_does_not_grow_the_server(tmp_path: Path, fake_slack: FakeSlack) -> None:
    port = free_port()
    env = serve_env(fake_slack, f"sqlite:///{tmp_path / 'accord.db'}")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        peak_before = max(_vm(proc.pid, "VmHWM"), _vm(proc.pid, "VmRSS"))
        for head in (_head("Content-Type: application/json", "Transfer-Encoding: chunked"),
                     _head("Content-Type: application/json", "Content-Length: 400000000")):
            status, sent = _raw_request(url, head, _chunked(400 * MB), timeout=30)
            assert status == 413 and sent < 100 * MB
        assert _vm(proc.pid, "VmHWM") - peak_before < 50 * MB
        assert _vm(proc.pid, "VmRSS") < 200 * MB
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
    finally:
        stop_process(proc)
    stderr = proc.stderr.read() if proc.stderr else ""
    assert "request_too_large" in stderr and "Traceback" not in stderr


# --------------------------------------------------------------------------------- signatures


def test_unsigned_malformed_or_stale_signatures_get_401(accord: Harness, door_log: Any) -> None:
    body, ctype = payloads.slash_command("/decision", "We adopt the glossary",
                                         response_url=accord.fake.response_url("k1"))
    good = payloads.sign(body, secret=SECRET)
    now = int(time.time())
    cases: list[dict[str, str]] = [
        {},
        {"X-Slack-Signature": good["X-Slack-Signature"]},
        {"X-Slack-Request-Timestamp": good["X-Slack-Request-Timestamp"]},
        {**good, "X-Slack-Request-Timestamp": "abc"},
        {**good, "X-Slack-Request-Timestamp": "9" * 400},
        {**good, "X-Slack-Request-Timestamp": "1" * 5000},
        {**good, "X-Slack-Request-Timestamp": "-1"},
        {**good, "X-Slack-Request-Timestamp": ""},
        {**good, "X-Slack-Signature": "v0=" + "0" * 64},
        {**good, "X-Slack-Signature": "garbage"},
        {**good, "X-Slack-Signature": ""},
        payloads.sign(body, secret="another-secret"),
        payloads.sign(body, secret=SECRET, timestamp=now - 600),
        payloads.sign(body, secret=SECRET, timestamp=now + 600),
    ]
    for headers in cases:
        response = accord.http.post(f"{accord.url}/slack/events", content=body.encode(),
                                    headers={"Content-Type": ctype, **headers})
        assert response.status_code == 401, headers
    # A signature header that is not ASCII (httpx sends the raw bytes as they are).
    response = accord.http.post(f"{accord.url}/slack/events", content=body.encode(),
                                headers=[(b"Content-Type", ctype.encode()),
                                         (b"X-Slack-Request-Timestamp", str(now).encode()),
                                         (b"X-Slack-Signature", "v0=\u00e9".encode("latin-1"))])
    assert response.status_code == 401
    assert door_log.text.count("unauthorized_request") == len(cases) + 1
    assert "reason=bad_timestamp" in door_log.text and "reason=stale_timestamp" in door_log.text
    assert accord.fake.calls_to("chat.postMessage") == []
    _no_traceback(door_log)


def test_signed_body_that_is_not_utf8_gets_400(accord: Harness, door_log: Any) -> None:
    raw = b"command=%2Fdecision&text=\xff\xfe"
    response = accord.http.post(f"{accord.url}/slack/events", content=raw,
                                headers={"Content-Type": "application/x-www-form-urlencoded",
                                         **payloads.sign("x", secret=SECRET)})
    assert response.status_code == 400
    assert "reason=not_utf8" in door_log.text
    _no_traceback(door_log)


# --------------------------------------------------------------------------------- malformed bodies


def _interactive(payload: dict[str, Any]) -> tuple[str, str]:
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def _event(event: Any, **top: Any) -> tuple[str, str]:
    body = {"token": "legacy", "team_id": payloads.TEAM, "api_app_id": "A1", "type": "event_callback",
            "event_id": "Ev1", "event_time": int(time.time()), "event": event, **top}
    return json.dumps(body), "application/json"


def _view_submission(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "view_submission", "team": {"id": payloads.TEAM, "domain": "example"},
        "user": {"id": "U1", "username": "u1", "team_id": payloads.TEAM}, "api_app_id": "A1",
        "trigger_id": "trigger.1", "is_enterprise_install": False,
        "view": {"id": "V1", "team_id": payloads.TEAM, "type": "modal", "callback_id": ids.DECISION_MODAL,
                 "private_metadata": "", "state": {"values": {}}, "hash": "h", "blocks": []},
        "response_urls": [],
    }
    payload.update(changes)
    return payload


def _block_actions(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions", "team": {"id": payloads.TEAM, "domain": "example"},
        "user": {"id": "U1", "username": "u1", "team_id": payloads.TEAM}, "api_app_id": "A1",
        "trigger_id": "trigger.1", "response_url": "http://127.0.0.1:9/response/none",
        "actions": [{"action_id": ids.POSITION_AGREE, "block_id": "b1", "value": "1", "type": "button"}],
        "channel": {"id": "C1", "name": "general"},
        "container": {"type": "message", "message_ts": "1.0", "channel_id": "C1", "is_ephemeral": False},
        "message": {"ts": "1.0", "text": "", "type": "message"},
    }
    payload.update(changes)
    return payload


MESSAGE = {"type": "message", "user": "U1", "text": "Decision: x", "channel": "C1", "ts": "1764000000.000001",
           "channel_type": "channel"}
DEEP = 100_000

MALFORMED: list[tuple[str, tuple[str, str]]] = [
    ("view is a string", _interactive(_view_submission(view="x"))),
    ("view is a list", _interactive(_view_submission(view=[]))),
    ("view state is a list", _interactive(_view_submission(view={**_view_submission()["view"], "state": []}))),
    ("view values are strings", _interactive(_view_submission(
        view={**_view_submission()["view"], "state": {"values": {"b": "x"}}}))),
    ("view callback_id is a number", _interactive(_view_submission(
        view={**_view_submission()["view"], "callback_id": 5}))),
    ("user is a number", _interactive(_view_submission(user=5))),
    ("user is a string", _interactive(_block_actions(user="U1"))),
    ("user without id", _interactive(_block_actions(user={"name": "x"}))),
    ("no user", _interactive({k: v for k, v in _block_actions().items() if k != "user"})),
    ("actions is an object", _interactive(_block_actions(actions={}))),
    ("actions is empty", _interactive(_block_actions(actions=[]))),
    ("action is a string", _interactive(_block_actions(actions=["x"]))),
    ("action without action_id", _interactive(_block_actions(actions=[{"value": "1"}]))),
    ("team is a list", _interactive(_block_actions(team=[]))),
    ("channel is a string", _interactive(_block_actions(channel="C1"))),
    ("message is a list", _interactive(_block_actions(message=[]))),
    ("container is a string", _interactive(_block_actions(container="x"))),
    ("response_urls hold numbers", _interactive(_view_submission(response_urls=[5]))),
    ("enterprise is a number", _interactive(_block_actions(enterprise=5))),
    ("payload is a list", (urlencode({"payload": "[1]"}), "application/x-www-form-urlencoded")),
    ("payload is not JSON", (urlencode({"payload": "{nope"}), "application/x-www-form-urlencoded")),
    ("event is a list", _event([])),
    ("event is a string", _event("x")),
    ("event without type", _event({"text": "hi"})),
    ("no event", (json.dumps({"type": "event_callback", "team_id": "T1"}), "application/json")),
    ("event user is a number", _event({**MESSAGE, "user": 5})),
    ("event user is an object", _event({**MESSAGE, "user": {"id": "U1"}})),
    ("event text is a number", _event({**MESSAGE, "text": 5})),
    ("event channel is missing", _event({k: v for k, v in MESSAGE.items() if k != "channel"})),
    ("event ts is a number", _event({**MESSAGE, "ts": 1.5})),
    ("mention text is a list", _event({**MESSAGE, "type": "app_mention", "text": ["x"]})),
    ("app_home_opened user is a list", _event({"type": "app_home_opened", "user": [], "tab": "home"})),
    ("authorizations is a string", _event(MESSAGE, authorizations="x")),
    ("authorization is a list", _event(MESSAGE, authorizations=[[]])),
    ("event_time is a string", _event(MESSAGE, event_time="x")),
    ("body is a list", ("[1, 2]", "application/json")),
    ("body is a string", ('"x"', "application/json")),
    ("body is not JSON", ("{nope", "application/json")),
    ("a number of 5000 digits", ('{"type": "event_callback", "event_time": ' + "1" * 5000 + "}",
                                 "application/json")),
    ("event nested 100000 deep", ('{"type": "event_callback", "event": ' + "[" * DEEP + "]" * DEEP + "}",
                                  "application/json")),
    ("event nested 500 deep", ('{"type": "event_callback", "event": {"type": "message", "blocks": '
                               + "[" * 500 + "]" * 500 + "}}", "application/json")),
    ("payload nested 100000 deep", (urlencode({"payload": '{"type": "block_actions", "actions": '
                                               + "[" * DEEP + "]" * DEEP + "}"}),
                                    "application/x-www-form-urlencoded")),
    ("form field without a value", ("command", "application/x-www-form-urlencoded")),
    ("command without a user", (urlencode({"command": "/decision", "text": "x", "channel_id": "C1",
                                           "team_id": "T1"}), "application/x-www-form-urlencoded")),
    ("too many form fields", ("&".join(f"f{i}=x" for i in range(5000)), "application/x-www-form-urlencoded")),
    ("a raw NUL byte", (urlencode({"command": "/decision", "user_id": "U1", "channel_id": "C1"}) + "&text=a\x00b",
                        "application/x-www-form-urlencoded")),
    ("empty body", ("", "application/json")),
]


def test_malformed_signed_bodies_get_400_and_one_log_line(accord: Harness, door_log: Any) -> None:
    for name, (body, ctype) in MALFORMED:
        before = len(door_log.records)
        response = accord.post(body, ctype)
        assert response.status_code == 400, name
        lines = [r.getMessage() for r in door_log.records[before:]]
        assert any(line.startswith("bad_request") for line in lines), (name, lines)
    accord.settle()
    assert accord.fake.calls_to("chat.postMessage") == [] and accord.fake.calls_to("views.open") == []
    _no_traceback(door_log)


def test_shapes_slack_may_send_that_nothing_handles_get_200(accord: Harness, door_log: Any) -> None:
    unknown_view = _interactive(_view_submission(view={**_view_submission()["view"], "callback_id": "nobody"}))
    unknown_action = _interactive(_block_actions(actions=[{"action_id": "nobody", "block_id": "b", "value": "1"}]))
    unknown_event = _event({"type": "reaction_added", "user": "U1", "item": {"type": "message", "channel": "C1",
                                                                           "ts": "1.0"}, "reaction": "+1"})
    unknown_type = (json.dumps({"type": "app_rate_limited", "team_id": "T1", "minute_rate_limited": 1}),
                    "application/json")
    for body, ctype in (unknown_view, unknown_action, unknown_event, unknown_type):
        before = len(door_log.records)
        response = accord.post(body, ctype)
        assert response.status_code == 200
        assert any("unhandled_request" in r.getMessage() for r in door_log.records[before:])
    accord.settle()
    _no_traceback(door_log)


def test_url_verification_still_answers_its_challenge(accord: Harness) -> None:
    response = accord.post(json.dumps({"token": "legacy", "challenge": "c-123", "type": "url_verification"}),
                           "application/json")
    assert response.status_code == 200 and "c-123" in response.text


def test_socket_mode_drops_nul_as_http_does(tmp_path: Path, fake_slack: FakeSlack, database_url: str) -> None:
    env = serve_env(fake_slack, database_url, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_connected(fake_slack, proc)
        body, _ = payloads.slash_command("/decision", "We adopt\x00 the glossary",
                                         response_url=fake_slack.response_url("k1"))
        fake_slack.socket_send({"envelope_id": "env-nul", "type": "slash_commands", "accepts_response_payload": True,
                                "payload": dict(parse_qsl(body, keep_blank_values=True))})
        fake_slack.wait_for_socket_ack("env-nul", timeout=15)
        [post] = fake_slack.wait_for("chat.postMessage", timeout=15)
        assert "We adopt the glossary" in FakeSlack.all_text(post)
    finally:
        stop_process(proc)
    stderr = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 0 and "Traceback" not in stderr, stderr
    export = subprocess.run([sys.executable, "-m", "bot.cli", "export", "decisions"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert [row["text"] for row in json.loads(export.stdout)] == ["We adopt the glossary"]
