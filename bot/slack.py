"""The one Slack Web API client of a process: base URL from settings, several retries.

slack_sdk's defaults retry a connection error once; Accord retries rate limits (honouring
Retry-After), server errors and connection errors several times each.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

from bot.config import Settings

RETRIES = 5
TIMEOUT = 15

logger = logging.getLogger("accord.slack")


def retry_handlers(max_retries: int = RETRIES) -> list[RetryHandler]:
    """Retry handlers for rate limits, 5xx answers and dropped connections."""
    return [
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ServerErrorRetryHandler(max_retry_count=max_retries),
        ConnectionErrorRetryHandler(max_retry_count=max_retries),
    ]


def make_client(settings: Settings, *, token: str | None = None) -> WebClient:
    """A WebClient pointed at ``SLACK_API_URL`` with Accord's retry handlers."""
    return WebClient(
        token=token if token is not None else settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=TIMEOUT,
        retry_handlers=retry_handlers(),
        logger=logger,
    )
