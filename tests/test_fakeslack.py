"""Tests for tests/fakeslack.py, driven through the real slack_sdk WebClient."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import IO, Any

import httpx
import pytest
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

try:
    from tests.fakeslack import (
        OP_CLOSE,
        OP_CONTINUATION,
        OP_PING,
        OP_PONG,
        OP_TEXT,
        FakeSlack,
        read_ws_frame,
        ws_accept,
        ws_frame,
    )
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from fakeslack import (  # type: ignore[no-redef]
        OP_CLOSE,
        OP_CONTINUATION,
        OP_PING,
        OP_PONG,
        OP_TEXT,
        FakeSlack,
        read_ws_frame,
        ws_accept,
        ws_frame,
    )


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.api_url, token="xoxb-test")


@pytest.fixture
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk sleeps Retry-After + random.random() seconds; drop the random part."""
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.random.random", lambda: 0.0)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": "go", **extra}


def api_error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(excinfo.value.response["error"])


def test_urls_and_auth_test(fake: FakeSlack, client: WebClient) -> None:
    assert fake.api_url == fake.base_url + "/api/" and fake.base_url.startswith("http://127.0.0.1:")
    fake.tokens["xoxb-other"] = "T2"
    assert client.auth_test()["team_id"] == "T1"
    assert WebClient(base_url=fake.api_url, token="xoxb-other").auth_test().data == {
        "ok": True, "url": "https://example.slack.com/", "team": "Example", "user": "accord",
        "team_id": "T2", "user_id": "UACCORDBOT", "bot_id": "BACCORD"}
    assert [c.token for c in fake.calls_to("auth.test")] == ["xoxb-test", "xoxb-other"]


def test_unknown_and_missing_token(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as bad:
        WebClient(base_url=fake.api_url, token="xoxb-nope").chat_postMessage(channel="C1", text="x")
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=fake.api_url).auth_test()
    assert (api_error(bad), api_error(missing)) == ("invalid_auth", "not_authed")
    assert fake.calls_to("chat.postMessage") == [] and fake.messages() == []
    assert [c.status for c in fake.calls_to("chat.postMessage", include_failed=True)] == [200]


def test_post_update_delete_and_permalink(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="hello", blocks=[section("*hello*")])
    second = client.chat_postMessage(channel="C1", text="reply", thread_ts=first["ts"])
    assert first["ts"] == "1700000000.000100" and float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == [section("*hello*")]
    assert second["message"]["thread_ts"] == first["ts"]

    client.chat_update(channel="C1", ts=first["ts"], text="edited", blocks=[section("edited!")])
    client.chat_delete(channel="C1", ts=second["ts"])
    assert fake.messages("C1") == [{"channel": "C1", "ts": first["ts"], "text": "edited",
                                    "blocks": [section("edited!")], "thread_ts": None, "user": "UACCORDBOT"}]
    link = client.chat_getPermalink(channel="C1", message_ts=first["ts"])["permalink"]
    assert link == f"https://example.slack.com/archives/C1/p{first['ts'].replace('.', '')}"

    with pytest.raises(SlackApiError) as gone:
        client.chat_update(channel="C1", ts=second["ts"], text="too late")
    assert api_error(gone) == "message_not_found"
    with pytest.raises(SlackApiError) as empty, pytest.warns(UserWarning, match="`text` argument is missing"):
        client.chat_postMessage(channel="C1")
    assert api_error(empty) == "no_text"
    assert fake.all_text(fake.calls_to("chat.update")[0]) == "edited\nedited!"


def test_form_encoded_blocks_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps([section("hi")])})
    [call] = fake.calls_to("chat.postMessage")
    assert call.params == {"channel": "C1", "blocks": [section("hi")]} and call.token == "xoxb-test"


def test_direct_messages_ephemerals_and_lookups(fake: FakeSlack, client: WebClient) -> None:
    assert client.chat_postMessage(channel="U123", text="psst")["channel"] == "D123"
    assert client.conversations_open(users="U9,U8")["channel"]["id"] == "D9"
    assert client.chat_postEphemeral(channel="C1", user="U7", text="only you")["message_ts"]
    assert [e["text"] for e in fake.ephemerals("U7")] == ["only you"] and fake.ephemerals("U8") == []
    fake.users["U5"] = {"tz": "Europe/Paris"}
    assert client.users_info(user="U5")["user"]["tz"] == "Europe/Paris"
    assert client.users_info(user="U6")["user"]["real_name"] == "U6"
    assert client.conversations_info(channel="C1")["channel"]["id"] == "C1"
    assert client.team_info()["team"]["id"] == "T1"
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("pins.add", json={"channel": "C1"})
    assert api_error(unknown) == "unknown_method" and unknown.value.response.status_code == 200


def test_users_it_cannot_see_and_direct_messages_it_refuses(fake: FakeSlack, client: WebClient) -> None:
    fake.unknown_users.add("UEXT")
    fake.dm_refusals["UEXT"] = "channel_not_found"
    with pytest.raises(SlackApiError) as unseen:
        client.users_info(user="UEXT")
    assert api_error(unseen) == "user_not_found"
    for channel in ("UEXT", "DEXT"):
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel=channel, text="psst")
        assert api_error(refused) == "channel_not_found"
    assert client.chat_postMessage(channel="C1", text="<@UEXT> hello")["channel"] == "C1"
    fake.reset()
    assert "UEXT" in fake.unknown_users and fake.dm_refusals == {"UEXT": "channel_not_found"}


def test_views(fake: FakeSlack, client: WebClient) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Accord"}, "blocks": [section("x")]}
    opened = client.views_open(trigger_id="t1", view=modal)["view"]
    assert opened["id"].startswith("V") and opened["title"]["text"] == "Accord"
    updated = client.views_update(view_id=opened["id"], view={**modal, "blocks": [section("y")]})["view"]
    assert updated["id"] == opened["id"] and fake.all_text(fake.calls_to("views.update")[0]) == "Accord\ny"
    home = {"type": "home", "blocks": [{"type": "divider"}] * 100}
    assert client.views_publish(user_id="U1", view=home)["view"]["type"] == "home"


TOO_MUCH: list[tuple[str, list[dict[str, Any]]]] = [
    ("51 blocks", [{"type": "divider"}] * 51),
    ("section text", [section("x" * 3001)]),
    ("11 fields", [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}]),
    ("long field", [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}]),
    ("header", [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]),
    ("mrkdwn header", [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]),
    ("context", [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}]),
    ("actions", [{"type": "actions", "elements": [button()] * 26}]),
    ("button text", [{"type": "actions", "elements": [button("b" * 76)]}]),
    ("button value", [{"type": "actions", "elements": [button(value="v" * 2001)]}]),
    ("action_id", [{"type": "actions", "elements": [button(action_id="a" * 256)]}]),
    ("block_id", [{**section("x"), "block_id": "b" * 256}]),
    ("text type", [{"type": "section", "text": {"type": "markdown", "text": "x"}}]),
    ("empty text", [section("")]),
    ("unknown block", [{"type": "carousel"}]),
]


@pytest.mark.parametrize("blocks", [b for _, b in TOO_MUCH], ids=[name for name, _ in TOO_MUCH])
def test_message_block_limits(fake: FakeSlack, client: WebClient, blocks: list[dict[str, Any]]) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="fallback", blocks=blocks)
    assert api_error(exc) == "invalid_blocks" and "json-pointer:/blocks" in exc.value.response["errors"][0]
    [call] = fake.calls_to("chat.postMessage", include_failed=True)
    assert not call.ok and fake.calls_to("chat.postMessage") == [] and fake.messages() == []


def test_limits_are_inclusive(client: WebClient) -> None:
    biggest_button = button("b" * 75, value="v" * 2000, action_id="a" * 255)
    at_limit: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 150}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3000},
         "fields": [{"type": "plain_text", "text": "f" * 2000}] * 10},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 10},
        {"type": "actions", "elements": [biggest_button] * 25},
        {"type": "rich_text", "elements": []},
        {"type": "image", "image_url": "https://x/y.png", "alt_text": "y"}]
    at_limit += [{"type": "divider"}] * (50 - len(at_limit))
    assert client.chat_postMessage(channel="C1", text="t" * 40_000, blocks=at_limit)["ok"]


def test_malformed_and_oversized_messages(client: WebClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [({"blocks": {"type": "divider"}}, "invalid_blocks_format"),
                                               ({"blocks": ["divider"]}, "invalid_blocks_format"),
                                               ({"text": "x" * 40_001}, "msg_too_long")]
    for body, error in cases:
        with pytest.raises(SlackApiError) as exc:
            client.api_call("chat.postMessage", json={"channel": "C1", **body})
        assert api_error(exc) == error


@pytest.mark.parametrize("change", [
    {"title": {"type": "plain_text", "text": "t" * 25}},
    {"submit": {"type": "plain_text", "text": "s" * 25}},
    {"close": {"type": "plain_text", "text": "c" * 25}},
    {"private_metadata": "m" * 3001},
    {"blocks": [{"type": "divider"}] * 101},
    {"blocks": [section("x" * 3001)]},
])
def test_view_limits(fake: FakeSlack, client: WebClient, change: dict[str, Any]) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "t" * 24}, "blocks": [], **change}
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id="t1", view=modal)
    assert api_error(exc) == "invalid_arguments"
    assert "[ERROR]" in exc.value.response["response_metadata"]["messages"][0]
    assert fake.calls_to("views.open") == [] and len(fake.calls_to("views.open", include_failed=True)) == 1


@pytest.mark.usefixtures("no_jitter")
def test_429_is_retried_after_retry_after(fake: FakeSlack) -> None:
    retrying = WebClient(base_url=fake.api_url, token="xoxb-test",
                         retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    assert retrying.chat_postMessage(channel="C1", text="hi")["ok"]
    first, second = fake.calls_to("chat.postMessage", include_failed=True)
    assert (first.status, first.response["error"], second.status) == (429, "ratelimited", 200)
    assert second.at - first.at < 0.5  # Retry-After: 0 is honoured


def test_429_without_retry_handler_exposes_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("auth.test", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as exc:
        client.auth_test()
    assert exc.value.response.status_code == 429 and exc.value.response.headers["Retry-After"] == "7"
    assert client.auth_test()["ok"]


@pytest.mark.usefixtures("no_jitter")
def test_rate_limit_every_nth_call(fake: FakeSlack) -> None:
    retrying = WebClient(base_url=fake.api_url, token="xoxb-test",
                         retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    fake.rate_limit("chat.postMessage", every=2, retry_after=0)
    for i in range(3):
        retrying.chat_postMessage(channel="C1", text=str(i))
    attempts = fake.calls_to("chat.postMessage", include_failed=True)
    assert [c.status for c in attempts] == [200, 429, 200, 429, 200]
    assert [m["text"] for m in fake.messages()] == ["0", "1", "2"]


def test_500_is_retried_by_server_error_handler(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="lost")
    assert exc.value.response.status_code == 500 and api_error(exc) == "internal_error"

    no_wait = FixedValueRetryIntervalCalculator(0)
    handler = ServerErrorRetryHandler(max_retry_count=2, interval_calculator=no_wait)
    retrying = WebClient(base_url=fake.api_url, token="xoxb-test", retry_handlers=[handler])
    fake.fail_next("chat.postMessage", status=500, count=2)
    assert retrying.chat_postMessage(channel="C1", text="kept")["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage", include_failed=True)] == [500, 500, 500, 200]


def test_injected_slack_error(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C404", text="x")
    assert api_error(exc) == "channel_not_found" and exc.value.response.status_code == 200
    assert client.chat_postMessage(channel="C404", text="x")["ok"]


def test_response_url_is_recorded(fake: FakeSlack) -> None:
    respond = Respond(response_url=fake.response_url("abc"))
    assert respond(text="done", blocks=[section("*done*")], replace_original=True).body == "ok"
    [call] = fake.wait_for("response_url", where=lambda c: c.params["key"] == "abc")
    assert call.params["replace_original"] is True and fake.all_text(call) == "done\n*done*"
    assert call.token is None
    assert Respond(response_url=fake.response_url("bad"))(blocks=[{"type": "nope"}]).status_code == 400


def test_wait_for_wakes_up_on_a_call_from_another_thread(fake: FakeSlack, client: WebClient) -> None:
    timer = threading.Timer(0.1, lambda: client.chat_postMessage(channel="C2", text="later"))
    timer.start()
    start = time.monotonic()
    [call] = fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C2", timeout=5)
    assert call.params["text"] == "later" and time.monotonic() - start < 2
    timer.join()


def test_wait_for_times_out_with_a_listing(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="one")
    fake.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="two")
    with pytest.raises(AssertionError) as exc:
        fake.wait_for("chat.postMessage", count=2, timeout=0.2)
    text = str(exc.value)
    assert "waiting for 2 successful chat.postMessage call(s); got 1" in text
    assert "status=200" in text and "status=500 error=internal_error" in text and '"text": "two"' in text


def test_reset(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="x")
    fake.fail_next("chat.postMessage", status=500, count=5)
    fake.reset()
    assert fake.calls == [] and fake.messages() == []
    assert client.chat_postMessage(channel="C1", text="y")["ts"] == "1700000000.000100"


# ------------------------------------------------------------------------------------------ Socket Mode
def test_apps_connections_open_takes_only_app_level_tokens(fake: FakeSlack, client: WebClient) -> None:
    assert fake.socket_url == fake.base_url.replace("http://", "ws://") + "/link"
    assert WebClient(base_url=fake.api_url).apps_connections_open(app_token="xapp-test").data == {
        "ok": True, "url": fake.socket_url}
    with pytest.raises(SlackApiError) as bot_token:
        client.apps_connections_open(app_token="xoxb-test")
    with pytest.raises(SlackApiError) as app_token:
        WebClient(base_url=fake.api_url, token="xapp-test").chat_postMessage(channel="C1", text="x")
    with pytest.raises(SlackApiError) as unknown:
        client.apps_connections_open(app_token="xapp-nope")
    assert [api_error(e) for e in (bot_token, app_token, unknown)] == [
        "not_allowed_token_type", "not_allowed_token_type", "invalid_auth"]
    assert [c.token for c in fake.calls_to("apps.connections.open")] == ["xapp-test"]


def test_socket_mode_client_gets_hello_envelopes_and_reconnects(fake: FakeSlack) -> None:
    """slack_sdk's own Socket Mode client: hello, envelopes and their acks, a reconnect after a close."""
    received: list[str] = []

    def ack(client: SocketModeClient, req: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id,
                                                            payload={"text": f"got {req.type}"}))

    sm = SocketModeClient(app_token="xapp-test", web_client=WebClient(base_url=fake.api_url), ping_interval=0.5,
                          on_message_listeners=[received.append])
    sm.socket_mode_request_listeners.append(ack)  # type: ignore[arg-type]
    try:
        sm.connect()
        fake.wait_for_socket_connection(timeout=5)
        fake.socket_send({"envelope_id": "e1", "type": "events_api", "accepts_response_payload": False,
                          "payload": {"event": {"type": "app_mention"}}})
        assert fake.wait_for_socket_ack("e1") == {"envelope_id": "e1", "payload": {"text": "got events_api"}}
        hello = json.loads(received[0])  # the client heard it before the envelope it acked
        assert (hello["type"], hello["num_connections"]) == ("hello", 1)
        fake.socket_close(1001, "going away")  # the client's monitor opens a new socket
        fake.wait_for_socket_connection(count=2, timeout=5)
        fake.socket_send({"envelope_id": "e2", "type": "slash_commands", "payload": {"command": "/x"}})
        assert fake.wait_for_socket_ack("e2")["payload"] == {"text": "got slash_commands"}
        assert len(fake.calls_to("apps.connections.open")) == 2
        assert [m["envelope_id"] for m in fake.socket_acks] == ["e1", "e2"]
    finally:
        # the close frame wakes the client's reader at once (otherwise close() waits out its 3 s recv timeout)
        sm.auto_reconnect_enabled = False
        fake.socket_close()
        sm.close()


def _raw_socket(fake: FakeSlack) -> tuple[socket.socket, IO[bytes]]:
    """A bare WebSocket client: the handshake checked byte for byte."""
    sock = socket.create_connection(("127.0.0.1", int(fake.base_url.rsplit(":", 1)[1])), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET /link?ticket=t1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    stream = sock.makefile("rb")
    head = []
    while (line := stream.readline()) not in (b"\r\n", b""):
        head.append(line.decode().strip())
    assert head[0] == "HTTP/1.1 101 Switching Protocols"
    assert f"Sec-WebSocket-Accept: {ws_accept(key)}" in head and "Upgrade: websocket" in head
    return sock, stream


def test_socket_frames_ping_fragments_and_close(fake: FakeSlack) -> None:
    sock, stream = _raw_socket(fake)
    with sock, stream:
        fin, opcode, masked, data = read_ws_frame(stream)
        assert (fin, opcode, masked, json.loads(data)["type"]) == (True, OP_TEXT, False, "hello")
        fake.wait_for_socket_connection(timeout=5)  # listed just after its hello went out
        assert fake.socket_connections == 1
        sock.sendall(ws_frame(OP_PING, b"p1", mask=os.urandom(4)))
        assert read_ws_frame(stream) == (True, OP_PONG, False, b"p1")
        ack = json.dumps({"envelope_id": "e1", "payload": {"text": "é" * 100}}).encode()
        sock.sendall(ws_frame(OP_TEXT, ack[:70], mask=os.urandom(4), fin=False)
                     + ws_frame(OP_PING, b"", mask=os.urandom(4))  # control frames may come between fragments
                     + ws_frame(OP_CONTINUATION, ack[70:], mask=os.urandom(4)))
        assert fake.wait_for_socket_ack("e1")["payload"]["text"] == "é" * 100
        assert read_ws_frame(stream) == (True, OP_PONG, False, b"")  # the ping between the fragments
        sock.sendall(ws_frame(OP_TEXT, b"not json", mask=os.urandom(4)))
        for size in (200, 70_000):  # 16-bit and 64-bit lengths
            fake.socket_send({"envelope_id": f"big{size}", "payload": {"text": "x" * size}})
            fin, opcode, masked, data = read_ws_frame(stream)
            assert (fin, opcode, masked, json.loads(data)["envelope_id"]) == (True, OP_TEXT, False, f"big{size}")
        sock.sendall(ws_frame(OP_CLOSE, struct.pack("!H", 1000) + b"bye", mask=os.urandom(4)))
        assert read_ws_frame(stream) == (True, OP_CLOSE, False, struct.pack("!H", 1000))
        assert stream.read() == b""  # the fake hung up: the connection is no longer listed
    assert fake.socket_connections == 0
    assert fake.socket_acks[-1] == {"_raw": "not json"}
    with pytest.raises(AssertionError, match="no Socket Mode client is connected"):
        fake.socket_send({"envelope_id": "e2"})


def test_socket_rejects_unmasked_frames_and_plain_requests(fake: FakeSlack) -> None:
    sock, stream = _raw_socket(fake)
    with sock, stream:
        read_ws_frame(stream)  # hello
        sock.sendall(ws_frame(OP_TEXT, b"{}"))
        fin, opcode, _, data = read_ws_frame(stream)
        assert (opcode, struct.unpack("!H", data[:2])[0]) == (OP_CLOSE, 1002)
    response = httpx.get(f"{fake.base_url}/link", timeout=5)
    assert response.status_code == 400 and "WebSocket upgrade" in response.text


def test_socket_close_wait_timeouts_and_reset(fake: FakeSlack) -> None:
    with pytest.raises(AssertionError, match="connection #1: 0 opened, 0 open"):
        fake.wait_for_socket_connection(timeout=0.05)
    sock, stream = _raw_socket(fake)
    with sock, stream:
        read_ws_frame(stream)  # hello
        fake.wait_for_socket_connection(timeout=5)
        sock.sendall(ws_frame(OP_TEXT, b'{"envelope_id": "e1"}', mask=os.urandom(4)))
        fake.wait_for_socket_ack("e1")
        with pytest.raises(AssertionError, match=r"ack of envelope 'e9'; acks seen for \['e1'\]; 1 connection"):
            fake.wait_for_socket_ack("e9", timeout=0.05)
        fake.reset()
        assert fake.socket_acks == [] and fake.socket_connections == 1
        fake.wait_for_socket_connection(timeout=0.05)  # an open connection survives a reset
        fake.socket_close(1001, "going away")
        fin, opcode, _, data = read_ws_frame(stream)
        assert (opcode, struct.unpack("!H", data[:2])[0], data[2:]) == (OP_CLOSE, 1001, b"going away")
