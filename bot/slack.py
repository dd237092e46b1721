"""The one Slack Web API client of a process: base URL from settings, several retries.

slack_sdk's defaults retry a connection error once; Accord retries rate limits (honouring
Retry-After), server errors and connection errors several times each.

Response URLs are secrets (whoever holds one may answer as Accord for 30 minutes), and slack_sdk's
webhook client, which Bolt's ``respond`` uses, logs the URL it posts to (DEBUG) and retries (INFO):
:func:`redact_webhook_urls` takes every URL out of that client's log records.
"""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

from bot.config import Settings
from bot.slack_http import AccordClient

RETRIES = 5
TIMEOUT = 15

logger = logging.getLogger("accord.slack")

WEBHOOK_LOGGERS = ("slack_sdk.webhook.client", "slack_sdk.webhook.async_client")
_URL = re.compile(r"https?://[^\s'\"<>]+")
REDACTED_URL = "(url redacted)"


class RedactUrls(logging.Filter):
    """Replace every URL in a log record's message: a webhook client only ever posts to secret URLs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _URL.sub(REDACTED_URL, message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def redact_webhook_urls() -> None:
    """Install :class:`RedactUrls` on slack_sdk's webhook loggers (once per process)."""
    for name in WEBHOOK_LOGGERS:
        webhook_logger = logging.getLogger(name)
        if not any(isinstance(f, RedactUrls) for f in webhook_logger.filters):
            webhook_logger.addFilter(RedactUrls())


def retry_handlers(max_retries: int = RETRIES) -> list[RetryHandler]:
    """Retry handlers for rate limits, 5xx answers and dropped connections."""
    return [
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ServerErrorRetryHandler(max_retry_count=max_retries),
        ConnectionErrorRetryHandler(max_retry_count=max_retries),
    ]


def make_client(settings: Settings, *, token: str | None = None, retries: int = RETRIES) -> WebClient:
    """A WebClient pointed at ``SLACK_API_URL`` with Accord's retry handlers (``retries`` of each), on the
    process's keep-alive pool, its posts paced to ``ACCORD_SLACK_POST_RATE`` (see :mod:`bot.slack_http`)."""
    redact_webhook_urls()
    return AccordClient(
        token=token if token is not None else settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=TIMEOUT,
        retry_handlers=retry_handlers(retries),
        logger=logger,
        post_rate=settings.slack_post_rate,
    )
