"""What a Slack request body must be before Bolt sees it, checked once its signature is verified.

Bolt and the listeners read a body's well-known fields by their Slack types (``view`` an object,
``actions`` a non-empty list of objects, ``user`` an object with an ``id``…); a body where one has
another type is refused here, with the field's path, instead of failing deep inside. Nesting is
bounded (a body 100,000 arrays deep never reaches a recursive reader), and strings are made
storable: NUL, which PostgreSQL refuses in text, is dropped, and a lone UTF-16 surrogate (which no
database driver can encode) becomes U+FFFD, so that SQLite and PostgreSQL record the same text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

MAX_DEPTH = 64  # Slack's deepest payloads (rich text in an edited message) nest about 15 levels
MAX_FORM_FIELDS = 100


class BadBody(ValueError):
    """A body Slack would not send; ``reason`` is a short key=value-friendly word or path."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Obj:
    """A JSON object whose listed fields, when present and not null, have these shapes."""

    fields: dict[str, Any]
    required: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class ListOf:
    item: Any
    non_empty: bool = False


@dataclass(frozen=True)
class MapOf:
    """A JSON object with free keys (block ids, action ids) and values of one shape."""

    value: Any


def _req(fields: dict[str, Any], *required: str) -> Obj:
    return Obj(fields, frozenset(required))


OPTION = Obj({"value": str})
ELEMENT_STATE = Obj({
    "type": str, "value": str, "selected_date": str, "selected_time": str, "selected_user": str,
    "selected_conversation": str, "selected_channel": str, "selected_option": OPTION,
    "selected_options": ListOf(OPTION), "selected_users": ListOf(str), "selected_conversations": ListOf(str),
    "selected_channels": ListOf(str),
})
STATE = Obj({"values": MapOf(MapOf(ELEMENT_STATE))})
VIEW = Obj({
    "id": str, "team_id": str, "app_installed_team_id": str, "callback_id": str, "private_metadata": str,
    "type": str, "hash": str, "blocks": ListOf(dict), "state": STATE,
})
USER = _req({"id": str, "team_id": str, "username": str, "name": str}, "id")
TEAM = Obj({"id": str, "domain": str, "enterprise_id": str})
CHANNEL = _req({"id": str, "name": str}, "id")
ACTION = _req({"action_id": str, "block_id": str, "value": str, "type": str, "action_ts": str,
               "selected_option": OPTION, "selected_date": str}, "action_id")
MESSAGE = Obj({"type": str, "ts": str, "text": str, "user": str, "thread_ts": str, "bot_id": str,
               "subtype": str, "blocks": ListOf(dict)})
CONTAINER = Obj({"type": str, "message_ts": str, "channel_id": str, "view_id": str, "thread_ts": str,
                 "is_ephemeral": bool})
AUTHORIZATION = Obj({"team_id": str, "enterprise_id": str, "user_id": str, "is_bot": bool,
                     "is_enterprise_install": bool})
RESPONSE_URL = Obj({"response_url": str, "block_id": str, "action_id": str, "channel_id": str})
EVENT = _req({
    "type": str, "user": (str, dict), "channel": (str, dict), "text": str, "ts": str, "thread_ts": str,
    "subtype": str, "bot_id": str, "bot_profile": dict, "channel_type": str, "tab": str, "team": (str, dict),
    "user_team": str, "event_ts": str, "item": dict, "message": MESSAGE, "previous_message": MESSAGE,
    "view": VIEW, "blocks": ListOf(dict), "files": ListOf(dict), "attachments": ListOf(dict),
}, "type")
# In the events Accord listens to, a user and a channel are ids, and a message has its channel and ts.
USER_EVENT = Obj({**EVENT.fields, "user": str, "channel": str}, frozenset({"type", "user"}))
MESSAGE_EVENT = Obj(USER_EVENT.fields, frozenset({"type", "channel", "ts"}))
EVENT_SHAPES = {"message": MESSAGE_EVENT, "app_mention": MESSAGE_EVENT, "app_home_opened": USER_EVENT}

BODY_FIELDS: dict[str, Any] = {
    "type": str, "token": str, "team_id": str, "api_app_id": str, "enterprise_id": str, "event_id": str,
    "event_time": int, "challenge": str, "trigger_id": str, "response_url": str, "callback_id": str,
    "action_id": str, "team": (str, TEAM), "enterprise": (str, Obj({"id": str, "name": str})), "user": USER,
    "channel": CHANNEL, "view": VIEW, "actions": ListOf(ACTION, non_empty=True), "event": EVENT, "message": MESSAGE,
    "container": CONTAINER, "state": STATE, "authorizations": ListOf(AUTHORIZATION),
    "response_urls": ListOf(RESPONSE_URL), "is_enterprise_install": (bool, str), "is_ext_shared_channel": bool,
    "command": str, "user_id": str, "channel_id": str, "text": str,
}
REQUIRED = {
    "event_callback": ("event",),
    "url_verification": ("challenge",),
    "block_actions": ("user", "actions"),
    "view_submission": ("user", "view"),
    "view_closed": ("user", "view"),
    "message_action": ("user", "callback_id", "channel", "message"),
    "shortcut": ("user", "callback_id"),
}
COMMAND_REQUIRED = ("command", "user_id", "channel_id")

_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_body(text: str, content_type: str) -> dict[str, Any]:
    """The body as Bolt would parse it (JSON, a form with a JSON ``payload``, or a plain form),
    checked and made storable; :class:`BadBody` when it is not something Slack sends."""
    if not text:
        raise BadBody("empty")
    if "\x00" in text:
        raise BadBody("nul_byte")  # Slack escapes every control character it sends
    if content_type.startswith("application/json") or text.startswith("{"):
        body = _json_object(text, "body")
    else:
        try:
            params = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True,
                                    max_num_fields=MAX_FORM_FIELDS))
        except ValueError:
            raise BadBody("form") from None
        body = _json_object(params["payload"], "payload") if "payload" in params else dict(params)
    check_shape(body)
    return storable(body)


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except RecursionError:
        raise BadBody(f"{what}_too_deep") from None
    except ValueError:  # also a number too long to convert
        raise BadBody(f"{what}_not_json") from None
    if not isinstance(value, dict):
        raise BadBody(f"{what}_not_an_object")
    if _depth(value) > MAX_DEPTH:
        raise BadBody(f"{what}_too_deep")
    return value


def _depth(value: Any) -> int:
    """How deeply ``value`` nests, found without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item  # only objects and lists are stacked
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def check_shape(body: dict[str, Any]) -> None:
    """Refuse (:class:`BadBody`) a body whose well-known fields do not have Slack's types."""
    kind = body.get("type")
    required = COMMAND_REQUIRED if "command" in body and kind is None else REQUIRED.get(str(kind), ())
    _check(body, Obj(BODY_FIELDS, frozenset(required)), "body")
    event = body.get("event")
    if isinstance(event, dict) and event.get("type") in EVENT_SHAPES:
        _check(event, EVENT_SHAPES[event["type"]], "body.event")


def _check(value: Any, shape: Any, path: str) -> None:
    if isinstance(shape, Obj):
        if not isinstance(value, dict):
            raise BadBody(path)
        for name in shape.required:
            if value.get(name) in (None, ""):
                raise BadBody(f"{path}.{name}")
        for name, inner in shape.fields.items():
            if value.get(name) is not None:
                _check(value[name], inner, f"{path}.{name}")
    elif isinstance(shape, ListOf):
        if not isinstance(value, list) or (shape.non_empty and not value):
            raise BadBody(path)
        for i, item in enumerate(value):
            _check(item, shape.item, f"{path}[{i}]")
    elif isinstance(shape, MapOf):
        if not isinstance(value, dict):
            raise BadBody(path)
        for item in value.values():
            _check(item, shape.value, f"{path}.*")
    elif isinstance(shape, tuple):
        for alternative in shape:
            if isinstance(alternative, type) and _is(value, alternative):
                return
            if isinstance(alternative, Obj) and isinstance(value, dict):
                _check(value, alternative, path)
                return
        raise BadBody(path)
    elif not _is(value, shape):
        raise BadBody(path)


def _is(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def storable(value: Any) -> Any:
    """``value`` with every string (keys too) free of NUL and lone surrogates; bounded depth assumed."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        return value if value.isascii() else _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value
