"""A small in-process fake of the Slack Web API for tests (standard library only).

``FakeSlack`` serves ``/api/<method>`` and ``/response/<key>`` (Bolt's ``respond()`` target) on
127.0.0.1 from a daemon thread, so a real ``slack_sdk.WebClient(base_url=fake.api_url,
token="xoxb-test")`` can talk to it.  Every request is recorded as a ``Call``; Block Kit limits are
enforced with Slack's error codes; faults (HTTP 429/500, ``{"ok": false}``) can be injected per method.

    with FakeSlack() as fake:
        WebClient(base_url=fake.api_url, token="xoxb-test").chat_postMessage(channel="C1", text="hi")
        [call] = fake.wait_for("chat.postMessage")

Socket Mode: ``apps.connections.open`` (with an app-level ``xapp-`` token) answers
``ws://127.0.0.1:<port>/link``, a WebSocket endpoint on the same port (RFC 6455: the handshake,
unfragmented or fragmented masked frames from the client, unmasked frames to it, ping/pong and
close).  As Slack does, it greets each connection with ``{"type": "hello", ...}``; the test then
sends envelopes and waits for the client's acknowledgements:

    fake.wait_for_socket_connection()
    fake.socket_send({"envelope_id": "e1", "type": "events_api", "payload": {...}})
    ack = fake.wait_for_socket_ack("e1")

OAuth: ``oauth.v2.access`` exchanges a code granted by :meth:`FakeSlack.grant_install` (once), for
a client registered in ``oauth_clients``, authenticated as slack_sdk does (HTTP Basic) or with
form fields; it answers with Slack's response shape and makes the new bot token valid.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

Params = dict[str, Any]
BOT_USER_ID, BOT_ID = "UACCORDBOT", "BACCORD"
JSON_FIELDS = ("blocks", "view", "attachments")
BLOCK_TYPES = frozenset({"section", "header", "context", "actions", "divider", "input", "rich_text", "image"})
TEXT_TYPES = ("plain_text", "mrkdwn")
_STATUS_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}
_MSG_KEYS = ("text", "blocks", "user", "ts", "thread_ts")
SOCKET_PATH = "/link"
APP_ID = "A1"


@dataclass
class Call:
    """One request the fake received (``at`` is ``time.monotonic()``)."""

    method: str
    params: Params
    token: str | None
    at: float
    response: Params
    status: int

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.response.get("ok") is True


class SlackError(Exception):
    """Raised by handlers to answer ``{"ok": false, "error": error, **extra}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error, self.extra = error, extra


# ------------------------------------------------------------------------------------ Block Kit limits
def _too_long(errs: list[str], value: Any, limit: int, ptr: str) -> None:
    if isinstance(value, str) and len(value) > limit:
        errs.append(f"must be less than {limit + 1} characters [json-pointer:{ptr}]")


def _text(errs: list[str], obj: Any, ptr: str, limit: int, plain: bool = False) -> None:
    types = ("plain_text",) if plain else TEXT_TYPES
    if not isinstance(obj, dict) or obj.get("type") not in types:
        errs.append(f"must be a text object of type {' or '.join(types)} [json-pointer:{ptr}]")
    elif not isinstance(obj.get("text"), str) or not obj["text"]:
        errs.append(f"must be more than 0 characters [json-pointer:{ptr}/text]")
    else:
        _too_long(errs, obj["text"], limit, f"{ptr}/text")


def _element(errs: list[str], el: Any, ptr: str) -> None:
    if not isinstance(el, dict) or not isinstance(el.get("type"), str):
        return errs.append(f"must provide an object with a type [json-pointer:{ptr}]")
    _too_long(errs, el.get("action_id"), 255, f"{ptr}/action_id")
    if el["type"] == "button":
        _text(errs, el.get("text"), f"{ptr}/text", 75, plain=True)
        _too_long(errs, el.get("value"), 2000, f"{ptr}/value")
    if "placeholder" in el:
        _text(errs, el["placeholder"], f"{ptr}/placeholder", 150, plain=True)


def _block(errs: list[str], b: Params, ptr: str) -> None:
    kind = b.get("type")
    if kind not in BLOCK_TYPES:
        return errs.append(f"unsupported type: {kind!r} [json-pointer:{ptr}/type]")
    _too_long(errs, b.get("block_id"), 255, f"{ptr}/block_id")
    if kind == "section":
        fields = b.get("fields", [])
        if "text" not in b and not fields:
            errs.append(f"must provide text or fields [json-pointer:{ptr}]")
        if "text" in b:
            _text(errs, b["text"], f"{ptr}/text", 3000)
        if not isinstance(fields, list) or len(fields) > 10:
            errs.append(f"must be an array of at most 10 items [json-pointer:{ptr}/fields]")
        else:
            for i, f in enumerate(fields):
                _text(errs, f, f"{ptr}/fields/{i}", 2000)
        if "accessory" in b:
            _element(errs, b["accessory"], f"{ptr}/accessory")
    elif kind == "header":
        _text(errs, b.get("text"), f"{ptr}/text", 150, plain=True)
    elif kind in ("context", "actions"):
        limit, els = (10 if kind == "context" else 25), b.get("elements")
        if not isinstance(els, list) or not els or len(els) > limit:
            return errs.append(f"must be an array of 1 to {limit} items [json-pointer:{ptr}/elements]")
        for i, el in enumerate(els):
            if kind == "context" and isinstance(el, dict) and el.get("type") in TEXT_TYPES:
                _text(errs, el, f"{ptr}/elements/{i}", 3000)
            else:
                _element(errs, el, f"{ptr}/elements/{i}")
    elif kind == "input":
        _text(errs, b.get("label"), f"{ptr}/label", 2000, plain=True)
        _element(errs, b.get("element"), f"{ptr}/element")


def block_errors(blocks: Any, *, max_blocks: int, ptr: str = "/blocks") -> list[str]:
    """Slack-style error strings for a list of blocks (empty when valid)."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{ptr}]"]
    errs: list[str] = []
    if len(blocks) > max_blocks:
        errs.append(f"must be less than {max_blocks + 1} items [json-pointer:{ptr}]")
    for i, b in enumerate(blocks):
        if isinstance(b, dict):
            _block(errs, b, f"{ptr}/{i}")
        else:
            errs.append(f"must be an object [json-pointer:{ptr}/{i}]")
    return errs


def check_message(p: Mapping[str, Any], *, require_content: bool = True) -> None:
    """Raise ``SlackError`` as chat.postMessage / chat.update would."""
    text, blocks = p.get("text"), p.get("blocks")
    if require_content and not (text or blocks or p.get("attachments")):
        raise SlackError("no_text")
    if isinstance(text, str) and len(text) > 40_000:
        raise SlackError("msg_too_long")
    if blocks is not None:
        if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
            raise SlackError("invalid_blocks_format")
        if errs := block_errors(blocks, max_blocks=50):
            raise SlackError("invalid_blocks", errors=errs)


def check_view(view: Any, *, kind: str) -> None:
    """Raise ``SlackError("invalid_arguments")`` (what Slack answers for bad views) on a bad view."""
    errs: list[str] = []
    if not isinstance(view, dict) or view.get("type") != kind:
        errs.append(f"must be an object of type {kind!r} [json-pointer:/view]")
    else:
        if kind == "modal":
            for key in ("title", "submit", "close"):
                if key == "title" or key in view:
                    _text(errs, view.get(key), f"/view/{key}", 24, plain=True)
        _too_long(errs, view.get("private_metadata"), 3000, "/view/private_metadata")
        _too_long(errs, view.get("callback_id"), 255, "/view/callback_id")
        errs += block_errors(view.get("blocks", []), max_blocks=100, ptr="/view/blocks")
    if errs:
        raise SlackError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {e}" for e in errs]})


def _need(p: Mapping[str, Any], key: str, error: str = "invalid_arguments") -> Any:
    if not p.get(key):
        raise SlackError(error)
    return p[key]


def _dm(channel: str) -> str:
    return "D" + channel[1:] if channel.startswith("U") else channel


def _collect_text(node: Any, out: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect_text(item, out)
    elif isinstance(node, dict):
        for k, v in node.items():
            if k == "text" and isinstance(v, str):
                out.append(v)
            else:
                _collect_text(v, out)


# ------------------------------------------------------------------------------ WebSocket (RFC 6455)
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def ws_accept(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` value answering a ``Sec-WebSocket-Key``."""
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def _xor(data: bytes, mask: bytes) -> bytes:
    if not data:
        return data
    key = (mask * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(len(data), "big")


def ws_frame(opcode: int, payload: bytes = b"", *, mask: bytes | None = None, fin: bool = True) -> bytes:
    """One frame; servers send unmasked frames, clients masked ones (4-byte ``mask``)."""
    n, masked = len(payload), 0x80 if mask else 0
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([masked | n])
    elif n < 1 << 16:
        head += struct.pack("!BH", masked | 126, n)
    else:
        head += struct.pack("!BQ", masked | 127, n)
    return head + mask + _xor(payload, mask) if mask else head + payload


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def _read_exactly(stream: Readable, n: int) -> bytes:
    data = stream.read(n) if n else b""
    if len(data) < n:
        raise ConnectionError("WebSocket closed mid-frame")
    return data


def read_ws_frame(stream: Readable) -> tuple[bool, int, bool, bytes]:
    """(fin, opcode, masked, unmasked payload) of the next frame on a blocking, buffered stream."""
    b1, b2 = _read_exactly(stream, 2)
    n = b2 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", _read_exactly(stream, 2))
    elif n == 127:
        (n,) = struct.unpack("!Q", _read_exactly(stream, 8))
    mask = _read_exactly(stream, 4) if b2 & 0x80 else None
    payload = _read_exactly(stream, n)
    return bool(b1 & 0x80), b1 & 0x0F, mask is not None, _xor(payload, mask) if mask else payload


class _SocketConnection:
    """One accepted Socket Mode WebSocket; sends are serialised, reads happen on its handler thread."""

    def __init__(self, sock: socket.socket, stream: Readable) -> None:
        self.sock, self.stream = sock, stream
        self._send_lock = threading.Lock()
        self.closing = False

    def send(self, opcode: int, payload: bytes = b"") -> None:
        with self._send_lock:
            self.sock.sendall(ws_frame(opcode, payload))

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame (once); the client is expected to drop the connection."""
        with self._send_lock:
            if self.closing:
                return
            self.closing = True
            with contextlib.suppress(OSError):
                self.sock.sendall(ws_frame(OP_CLOSE, struct.pack("!H", code) + reason.encode()))

    def abort(self) -> None:
        """Drop the TCP connection (wakes up the thread reading from it)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


# ------------------------------------------------------------------------------------------ the server
class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSlack


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as Slack's Web API

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes: without this, a kept-alive connection waits for the
        # client's delayed ACK (40 ms) between them, which Slack's servers do not make anyone do.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._connection_opened()

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers, body = self.server.fake._handle(url.path, url.query, self.headers, raw)
        self.send_response(status)
        for k, v in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if urlsplit(self.path).path == SOCKET_PATH:
            self.close_connection = True
            self.server.fake._socket_session(self)
        else:
            self.do_POST()

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


class FakeSlack:
    """Fake Slack Web API server; see the module docstring."""

    def __init__(self) -> None:
        # token -> team id; ``xapp-`` tokens are app-level tokens, good only for apps.connections.open
        self.tokens: dict[str, str] = {"xoxb-test": "T1", "xapp-test": "T1"}
        self.users: dict[str, Params] = {}  # user id -> fields overriding users.info defaults
        # users.info answers user_not_found for these ids (external Slack Connect members it cannot see)
        self.unknown_users: set[str] = set()
        # team id -> its name, as team.info answers (any other team is "Example"; "team_not_found" for ids here
        # mapped to None)
        self.teams: dict[str, str | None] = {}
        # user id -> the error chat.postMessage answers for a direct message to them (Slack refusing the DM)
        self.dm_refusals: dict[str, str] = {}
        self.calls: list[Call] = []
        self.socket_acks: list[Params] = []  # every JSON message a Socket Mode client sent, in order
        self._cond = threading.Condition()
        self._server: _Server | None = None
        self._sockets: list[_SocketConnection] = []  # open Socket Mode connections, oldest first
        self._sockets_opened = 0
        self.oauth_clients: dict[str, str] = {}  # client id -> client secret
        self._grants: dict[str, Params] = {}  # OAuth code -> oauth.v2.access's answer (one use)
        self.reset()

    def start(self, port: int = 0) -> FakeSlack:
        """Serve on ``port`` of 127.0.0.1 (any free port by default)."""
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            with self._cond:
                sockets = list(self._sockets)
            for conn in sockets:  # "going away", then drop it so its handler thread ends
                conn.close(1001, "server stopping")
                conn.abort()
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.base_url}/response/{key}"

    @property
    def socket_url(self) -> str:
        """What apps.connections.open answers: the fake's WebSocket endpoint."""
        return f"ws{self.base_url.removeprefix('http')}{SOCKET_PATH}"

    def reset(self) -> None:
        """Forget calls, socket acks, faults, rate limits and message/view state.

        Keeps ``tokens``, ``users``, ``unknown_users``, ``teams``, ``dm_refusals`` and open Socket Mode connections.
        """
        with self._cond:
            self.calls.clear()
            self.socket_acks.clear()
            self._sockets_opened = len(self._sockets)
            self._faults: dict[str, tuple[int, int, float | None, str | None, Callable[[Params], bool] | None]] = {}
            self._limits: dict[str, tuple[int, float]] = {}
            self._windows: dict[str, tuple[int, list[float]]] = {}
            self._counts: dict[str, int] = {}
            self._messages: dict[tuple[str, str], Params] = {}
            self._ephemerals: list[Params] = []
            self._views: dict[str, Params] = {}
            self._seq = 0
            self._connections = 0

    def fail_next(self, method: str, *, status: int = 500, count: int = 1, retry_after: float | None = None,
                  error: str | None = None, where: Callable[[Params], bool] | None = None) -> None:
        """Answer the next ``count`` calls to ``method`` (those ``where`` accepts) with HTTP ``status``,
        or 200 + ``error`` if given."""
        with self._cond:
            self._faults[method] = (count, status, retry_after, error, where)

    def limit_rate(self, method: str, *, per_second: int) -> None:
        """Answer 429 (Retry-After: 1) to calls of ``method`` beyond ``per_second`` in any one second, as Slack does."""
        with self._cond:
            self._windows[method] = (per_second, [])

    def rate_limit(self, method: str, *, every: int, retry_after: float = 1) -> None:
        """Answer every ``every``-th call to ``method`` (counted from now) with HTTP 429."""
        with self._cond:
            self._limits[method], self._counts[method] = (every, retry_after), 0

    def grant_install(self, code: str, *, user_id: str, team_id: str | None, team_name: str = "Example",
                      enterprise_id: str | None = None, enterprise_name: str = "Example Org",
                      org_wide: bool = False) -> str:
        """Slack's side of an install: ``code`` will be exchanged once for a new bot token (returned).

        ``org_wide``: an Enterprise Grid org-wide install (no team; the token belongs to the enterprise).
        """
        owner = enterprise_id if org_wide else team_id
        assert owner, "an install belongs to a team, or to an enterprise when it is org-wide"
        token = f"xoxb-install-{owner}-{len(self._grants) + 1}"
        with self._cond:
            self.tokens[token] = owner
            self._grants[code] = {
                "access_token": token, "token_type": "bot", "scope": "commands,chat:write",
                "bot_user_id": BOT_USER_ID, "app_id": APP_ID,
                "team": None if org_wide else {"name": team_name, "id": team_id},
                "enterprise": {"name": enterprise_name, "id": enterprise_id} if enterprise_id else None,
                "authed_user": {"id": user_id},  # no user scopes asked: no user token
                "is_enterprise_install": org_wide,
            }
        return token

    def _oauth_v2_access(self, p: Params) -> Params:
        client_id = _need(p, "client_id", "invalid_client_id")
        if client_id not in self.oauth_clients:
            raise SlackError("invalid_client_id")
        if p.get("client_secret") != self.oauth_clients[client_id]:
            raise SlackError("bad_client_secret")
        grant = self._grants.pop(_need(p, "code", "invalid_code"), None)
        if grant is None:
            raise SlackError("invalid_code")
        return grant

    def _connection_opened(self) -> None:
        with self._cond:
            self._connections += 1

    def connections_opened(self) -> int:
        """How many connections clients opened since :meth:`reset`."""
        with self._cond:
            return self._connections

    def calls_to(self, method: str, *, include_failed: bool = False) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and (include_failed or c.ok)]

    def wait_for(self, method: str, *, count: int = 1, timeout: float = 5.0,
                 where: Callable[[Call], bool] | None = None) -> list[Call]:
        """Block until ``count`` successful calls to ``method`` matching ``where`` exist; return them."""
        def matching() -> list[Call]:
            return [c for c in self.calls if c.method == method and c.ok and (where is None or where(c))]

        with self._cond:
            if self._cond.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                return matching()
            seen = "\n".join(f"  {c.method} status={c.status} error={c.response.get('error')} "
                             f"params={json.dumps(c.params, default=str)[:200]}" for c in self.calls)
            raise AssertionError(f"timed out after {timeout}s waiting for {count} successful {method} call(s)"
                                 f"{' matching predicate' if where else ''}; got {len(matching())}. "
                                 f"Calls seen:\n{seen or '  (none)'}")

    def messages(self, channel: str | None = None) -> list[Params]:
        """Visible messages (after updates/deletes): {channel, ts, text, blocks, thread_ts, user}."""
        with self._cond:
            return [dict(m) for m in self._messages.values() if channel in (None, m["channel"])]

    def ephemerals(self, user: str | None = None) -> list[Params]:
        with self._cond:
            return [dict(e) for e in self._ephemerals if user in (None, e["user"])]

    @staticmethod
    def all_text(call: Call | Mapping[str, Any]) -> str:
        """The call's ``text`` plus every ``text`` string inside its blocks/view/attachments."""
        params = call.params if isinstance(call, Call) else call
        out = [params["text"]] if isinstance(params.get("text"), str) else []
        for key in JSON_FIELDS:
            _collect_text(params.get(key), out)
        return "\n".join(out)

    # ---------------------------------------------------------------------------------- Socket Mode
    @property
    def socket_connections(self) -> int:
        """How many Socket Mode clients are connected now."""
        with self._cond:
            return len(self._sockets)

    def wait_for_socket_connection(self, *, count: int = 1, timeout: float = 10.0) -> None:
        """Block until ``count`` connections were opened (since start or ``reset``) and one is open."""
        with self._cond:
            if self._cond.wait_for(lambda: self._sockets_opened >= count and bool(self._sockets), timeout=timeout):
                return
            opened, open_now = self._sockets_opened, len(self._sockets)
            opens = [c for c in self.calls if c.method == "apps.connections.open"]
        raise AssertionError(
            f"timed out after {timeout}s waiting for Socket Mode connection #{count}: {opened} opened, "
            f"{open_now} open; apps.connections.open answers: {[c.response for c in opens] or 'none'}")

    def socket_send(self, envelope: Mapping[str, Any]) -> None:
        """Send one envelope (any JSON object) to the newest connected client, as Slack sends each
        envelope over one of an app's connections; AssertionError when no client is connected."""
        with self._cond:
            conn = self._sockets[-1] if self._sockets else None
        if conn is None:
            raise AssertionError("no Socket Mode client is connected")
        conn.send(OP_TEXT, json.dumps(envelope).encode())

    def socket_close(self, code: int = 1001, reason: str = "") -> None:
        """Close every Socket Mode connection from the server side (a close frame, as Slack does)."""
        with self._cond:
            sockets = list(self._sockets)
        for conn in sockets:
            conn.close(code, reason)

    def wait_for_socket_ack(self, envelope_id: str, timeout: float = 5.0) -> Params:
        """Block until the client acknowledged ``envelope_id``; return its message."""
        def ack() -> Params | None:
            return next((m for m in self.socket_acks if m.get("envelope_id") == envelope_id), None)

        with self._cond:
            if self._cond.wait_for(lambda: ack() is not None, timeout=timeout):
                return ack()  # type: ignore[return-value]
            seen = [m.get("envelope_id") for m in self.socket_acks]
            open_now = len(self._sockets)
        raise AssertionError(f"timed out after {timeout}s waiting for the ack of envelope {envelope_id!r}; "
                             f"acks seen for {seen or 'none'}; {open_now} connection(s) open")

    def _socket_session(self, handler: _Handler) -> None:
        """Serve one WebSocket on ``handler``'s connection until either side closes it."""
        headers = handler.headers
        key = headers.get("Sec-WebSocket-Key")
        upgrade = "websocket" in (headers.get("Upgrade") or "").lower()
        if not (upgrade and key and headers.get("Sec-WebSocket-Version") == "13"):
            body = b"expected a WebSocket upgrade (RFC 6455, version 13)"
            handler.send_response(400)
            handler.send_header("Content-Type", "text/plain")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return
        handler.wfile.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             f"Sec-WebSocket-Accept: {ws_accept(key)}\r\n\r\n").encode())
        with self._cond:
            self._sockets_opened += 1
            conn = _SocketConnection(handler.connection, handler.rfile)
            hello = {"type": "hello", "num_connections": len(self._sockets) + 1,
                     "debug_info": {"host": "fakeslack", "approximate_connection_time": 18060},
                     "connection_info": {"app_id": APP_ID}}
        try:
            conn.send(OP_TEXT, json.dumps(hello).encode())  # before any envelope: it is not yet listed
        except OSError:
            return
        with self._cond:
            self._sockets.append(conn)
            self._cond.notify_all()
        try:
            self._socket_loop(conn)
        except (OSError, ValueError):
            pass  # the client went away (or sent garbage): the connection is over either way
        finally:
            with self._cond:
                self._sockets.remove(conn)
                self._cond.notify_all()

    def _socket_loop(self, conn: _SocketConnection) -> None:
        message, kind = b"", OP_TEXT
        while True:
            fin, opcode, masked, data = read_ws_frame(conn.stream)
            if not masked:  # RFC 6455 5.1: a server must close on an unmasked client frame
                return conn.close(1002, "client frames must be masked")
            if opcode == OP_PING:
                conn.send(OP_PONG, data)
            elif opcode == OP_CLOSE:
                return conn.close(struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1000)
            elif opcode in (OP_TEXT, OP_BINARY, OP_CONTINUATION):
                if opcode != OP_CONTINUATION:
                    message, kind = b"", opcode
                message += data
                if fin and kind == OP_TEXT:
                    self._socket_received(message.decode("utf-8"))
            # OP_PONG and reserved opcodes: nothing to do

    def _socket_received(self, text: str) -> None:
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        with self._cond:
            self.socket_acks.append(parsed if isinstance(parsed, dict) else {"_raw": text})
            self._cond.notify_all()

    # ------------------------------------------------------------------------------ request handling
    def _handle(self, path: str, query: str, headers: Any, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        if "json" in (headers.get("Content-Type") or "") and raw:
            body = json.loads(raw)
            params: Params = body if isinstance(body, dict) else {"_body": body}
        else:
            params = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        params.update(parse_qsl(query))
        for key in JSON_FIELDS:  # form bodies carry blocks/view/attachments as JSON strings
            if isinstance(params.get(key), str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        auth = headers.get("Authorization") or ""
        if auth.startswith("Basic "):  # OAuth client credentials, as slack_sdk sends them
            client_id, _, secret = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
            params.update(client_id=client_id, client_secret=secret)
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.pop("token", None)
        if path.startswith("/response/"):
            method, params["key"] = "response_url", path.removeprefix("/response/")
        elif path.startswith("/api/"):
            method = path.removeprefix("/api/")
        else:
            return 404, {}, b"not found"
        with self._cond:
            status, extra, resp = self._respond(method, params, token)
            self.calls.append(Call(method, params, token, time.monotonic(), resp, status))
            self._cond.notify_all()
        if method == "response_url":  # Slack answers response_url posts with plain text
            return status, {"Content-Type": "text/plain", **extra}, (resp.get("error") or "ok").encode()
        return status, {"Content-Type": "application/json; charset=utf-8", **extra}, json.dumps(resp).encode()

    def _respond(self, method: str, p: Params, token: str | None) -> tuple[int, dict[str, str], Params]:
        self._counts[method] = n = self._counts.get(method, 0) + 1
        status, retry_after, fault = 0, None, self._faults.get(method)
        if fault and fault[0] > 0 and (fault[4] is None or fault[4](p)):
            count, status, retry_after, error, where = fault
            self._faults[method] = (count - 1, status, retry_after, error, where)
            if error is not None:
                return 200, {}, {"ok": False, "error": error}
        elif method in self._limits and n % self._limits[method][0] == 0:
            status, retry_after = 429, self._limits[method][1]
        elif method in self._windows:
            allowed, recent = self._windows[method]
            moment = time.monotonic()
            recent[:] = [t for t in recent if t > moment - 1.0]
            if len(recent) >= allowed:
                status, retry_after = 429, 1
            else:
                recent.append(moment)
        if status:
            wait = str(math.ceil(1 if retry_after is None else retry_after))
            return status, ({"Retry-After": wait} if status == 429 else {}), {
                "ok": False, "error": _STATUS_ERRORS.get(status, f"http_{status}")}
        try:
            if method == "response_url":
                check_message(p, require_content=False)
                return 200, {}, {"ok": True}
            if method == "oauth.v2.access":  # authenticated by the app's client id and secret, not a token
                return 200, {}, {"ok": True, **self._oauth_v2_access(p)}
            if not token or token not in self.tokens:
                raise SlackError("invalid_auth" if token else "not_authed")
            if token.startswith("xapp-") != (method == "apps.connections.open"):
                raise SlackError("not_allowed_token_type")  # app-level tokens open sockets, nothing else
            handler = getattr(self, "_api_" + method.replace(".", "_"), None)
            if handler is None:
                raise SlackError("unknown_method")
            return 200, {}, {"ok": True, **handler(p, self.tokens[token])}
        except SlackError as e:
            return (400 if method == "response_url" else 200), {}, {"ok": False, "error": e.error, **e.extra}

    def _next_ts(self) -> str:
        self._seq += 1
        return f"{1_700_000_000 + self._seq // 10_000}.{self._seq % 10_000 * 100:06d}"

    def _message(self, p: Params) -> tuple[tuple[str, str], Params]:
        key = (_dm(_need(p, "channel", "channel_not_found")), _need(p, "ts", "message_not_found"))
        if key not in self._messages:
            raise SlackError("message_not_found")
        return key, self._messages[key]

    # -------------------------------------- Web API methods: each returns what is merged into {"ok": true}
    def _api_auth_test(self, p: Params, team: str) -> Params:
        return {"url": "https://example.slack.com/", "team": "Example", "user": "accord",
                "team_id": team, "user_id": BOT_USER_ID, "bot_id": BOT_ID}

    def _api_apps_connections_open(self, p: Params, team: str) -> Params:
        return {"url": self.socket_url}

    def _api_chat_postMessage(self, p: Params, team: str) -> Params:
        target = _need(p, "channel", "channel_not_found")
        user = "U" + target[1:] if target.startswith("D") else target
        if user in self.dm_refusals:
            raise SlackError(self.dm_refusals[user])
        channel = _dm(target)
        check_message(p)
        msg = {"channel": channel, "ts": self._next_ts(), "text": p.get("text", ""),
               "blocks": p.get("blocks"), "thread_ts": p.get("thread_ts"), "user": BOT_USER_ID}
        self._messages[(channel, msg["ts"])] = msg
        return {"channel": channel, "ts": msg["ts"],
                "message": {"type": "message", "bot_id": BOT_ID, **{k: msg[k] for k in _MSG_KEYS}}}

    def _api_chat_postEphemeral(self, p: Params, team: str) -> Params:
        channel, user = _need(p, "channel", "channel_not_found"), _need(p, "user", "user_not_in_channel")
        check_message(p)
        ts = self._next_ts()
        self._ephemerals.append({"channel": channel, "user": user, "message_ts": ts,
                                 **{k: p.get(k) for k in ("text", "blocks", "thread_ts")}})
        return {"message_ts": ts}

    def _api_chat_update(self, p: Params, team: str) -> Params:
        (channel, ts), msg = self._message(p)
        check_message(p)
        msg.update({k: p[k] for k in ("text", "blocks") if k in p})
        return {"channel": channel, "ts": ts, "text": msg["text"], "message": {k: msg[k] for k in _MSG_KEYS}}

    def _api_chat_delete(self, p: Params, team: str) -> Params:
        (channel, ts), _ = self._message(p)
        del self._messages[(channel, ts)]
        return {"channel": channel, "ts": ts}

    def _api_chat_getPermalink(self, p: Params, team: str) -> Params:
        channel, ts = _need(p, "channel", "channel_not_found"), _need(p, "message_ts", "message_not_found")
        link = f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"channel": channel, "permalink": link}

    def _api_conversations_open(self, p: Params, team: str) -> Params:
        users = p.get("channel") or _need(p, "users", "users_list_not_supplied")
        first = (users.split(",") if isinstance(users, str) else list(users))[0].strip()
        return {"channel": {"id": first if "channel" in p else "D" + first[1:]}}

    def _api_conversations_info(self, p: Params, team: str) -> Params:
        ch = _need(p, "channel", "channel_not_found")
        return {"channel": {"id": ch, "name": ch.lower(), "is_im": ch.startswith("D"), "team_id": team}}

    def _api_team_info(self, p: Params, team: str) -> Params:
        wanted = p.get("team") or team
        name = self.teams.get(wanted, "Example")
        if name is None:
            raise SlackError("team_not_found")
        return {"team": {"id": wanted, "name": name, "domain": name.lower().replace(" ", "-")}}

    def _api_users_info(self, p: Params, team: str) -> Params:
        uid = _need(p, "user", "user_not_found")
        if uid in self.unknown_users:
            raise SlackError("user_not_found")
        user = {"id": uid, "team_id": team, "name": uid.lower(), "real_name": uid, "tz": "UTC",
                "tz_offset": 0, "is_bot": False, "deleted": False,
                "profile": {"real_name": uid, "display_name": uid}}
        return {"user": {**user, **self.users.get(uid, {})}}

    def _store_view(self, p: Params, team: str, kind: str, view_id: str | None = None) -> Params:
        check_view(_need(p, "view"), kind=kind)
        if view_id is None:
            self._seq += 1
            view_id = f"V{self._seq:04d}"
        self._views[view_id] = {**p["view"], "id": view_id, "team_id": team, "state": {"values": {}}}
        return {"view": self._views[view_id]}

    def _api_views_open(self, p: Params, team: str) -> Params:
        _need(p, "trigger_id")
        return self._store_view(p, team, "modal")

    _api_views_push = _api_views_open

    def _api_views_publish(self, p: Params, team: str) -> Params:
        _need(p, "user_id", "user_not_found")
        return self._store_view(p, team, "home")

    def _api_views_update(self, p: Params, team: str) -> Params:
        for view_id, v in self._views.items():
            external_id = p.get("external_id")
            if view_id == p.get("view_id") or (external_id and v.get("external_id") == external_id):
                return self._store_view(p, team, v["type"], view_id)
        raise SlackError("not_found")
