"""Who Accord is in Slack — its bot user id, bot id and workspace — learnt in the background.

With a single bot token, Bolt's own authorization calls ``auth.test`` on the first request and
keeps the request waiting for it: while Slack's Web API is unreachable every request then fails
after the client's retries. Instead the app is given :meth:`BotIdentity.authorize`, which
answers at once with the token and what is known of the bot so far, and a background thread
calls ``auth.test`` — with backoff until it answers, then again every hour. Until it first
answers, requests are served without the bot's ids (a leading mention is not recognised as
Accord's). Under OAuth, Bolt's installation store authorizes and this is not used.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger("accord.identity")

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
REFRESH_EVERY = 3600.0
ASK_AGAIN_EVERY = 1.0  # seconds between asks by code waiting for the identity


class BotIdentity:
    """The bot's identity from ``auth.test``, cached; refreshed by a daemon thread, never on a request."""

    def __init__(self, client: WebClient, *, token: str, first_delay: float = FIRST_DELAY,
                 max_delay: float = MAX_DELAY, refresh_every: float = REFRESH_EVERY) -> None:
        self._client, self._token = client, token
        self._first_delay, self._max_delay, self._refresh_every = first_delay, max_delay, refresh_every
        self._known: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._asked_at = float("-inf")  # when ask_again last called auth.test (monotonic)
        self._learnt = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def bot_user_id(self) -> str | None:
        """The bot's user id, once ``auth.test`` has answered."""
        with self._lock:
            return self._known.get("user_id")

    @property
    def known(self) -> bool:
        """Whether ``auth.test`` has answered once."""
        return self._learnt.is_set()

    def ask_again(self, *, at_most_every: float = ASK_AGAIN_EVERY) -> bool:
        """Whether the identity is known, calling ``auth.test`` now if it is not and was not asked lately.

        For code that cannot go on without the identity (a worker with messages waiting): however
        often it asks, Slack is asked at most once per ``at_most_every`` seconds.
        """
        if self.known:
            return True
        now = time.monotonic()
        with self._lock:
            if now - self._asked_at < at_most_every:
                return False
            self._asked_at = now
        return self.learn()

    def wait_known(self, timeout: float) -> bool:
        """Wait until ``auth.test`` has answered once; False on timeout."""
        return self._learnt.wait(timeout)

    def learn(self) -> bool:
        """Call ``auth.test`` once and keep its answer; False when Slack could not be asked or refused."""
        try:
            response = self._client.auth_test(token=self._token)
        except SlackApiError as err:
            logger.warning("auth_test_failed error=%s", err.response.get("error"))
            return False
        except Exception as err:  # noqa: BLE001 - unreachable, timed out…: tried again later
            logger.warning("auth_test_failed error=%s", type(err).__name__)
            return False
        known = {key: response.get(key) for key in ("user_id", "bot_id", "team_id", "team", "url", "enterprise_id")}
        known["scopes"] = response.headers.get("x-oauth-scopes") if response.headers else None
        with self._lock:
            self._known = known
        if not self._learnt.is_set():
            logger.info("bot_identity_known bot_user_id=%s bot_id=%s team_id=%s", known["user_id"],
                        known["bot_id"], known["team_id"])
        self._learnt.set()
        return True

    def bolt_authorize(self) -> Callable[..., AuthorizeResult]:
        """:meth:`authorize` as a plain function, for Bolt's ``authorize`` (which reads its parameter names)."""

        def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
            return self.authorize(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)

        return authorize

    def authorize(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        """The bot token with what is known of the bot, at once."""
        with self._lock:
            known = dict(self._known)
        return AuthorizeResult(
            enterprise_id=enterprise_id or known.get("enterprise_id"), team_id=team_id or known.get("team_id"),
            team=known.get("team"), url=known.get("url"), bot_user_id=known.get("user_id"),
            bot_id=known.get("bot_id"), bot_token=self._token, bot_scopes=known.get("scopes"), user_id=user_id,
        )

    def start(self) -> None:
        """Start learning in the background (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="accord-identity", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the background thread."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        delay = self._first_delay
        while not self._stopping.is_set():
            if self.learn():
                delay, wait = self._first_delay, self._refresh_every
            else:
                wait, delay = delay, min(delay * 2, self._max_delay)
            self._stopping.wait(wait)
