"""Settings: read once from the environment (and `.env`), typed, failing fast.

This is the only module that touches ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

from bot.values import parse_duration

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///accord.db"
# `accord demo` keeps its example out of the database `accord serve` uses, unless DATABASE_URL says where.
DEFAULT_DEMO_DATABASE_URL = "sqlite:///accord-demo.db"
# Slack documents chat.postMessage as about one message per second per channel within a
# workspace-wide limit of several hundred a minute: 5 a second (300 a minute) stays inside it.
DEFAULT_POST_RATE = 5.0


class ConfigError(Exception):
    """A setting is missing or invalid; the message is one line naming it."""


@dataclass(frozen=True)
class Settings:
    """Every setting of product.md, typed."""

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    demo_database_url: str = DEFAULT_DEMO_DATABASE_URL  # DATABASE_URL when it is set
    port: int = 3000
    facilitators: frozenset[str] = field(default_factory=frozenset)
    timezone: str = "UTC"
    log_level: str = "INFO"
    checkin_remind_after: timedelta = timedelta(hours=24)
    checkin_close_after: timedelta = timedelta(hours=48)
    catchup_grace: timedelta = timedelta(hours=6)
    proposal_duration: timedelta = timedelta(days=7)
    proposal_remind_before: timedelta = timedelta(hours=24)
    commitment_remind_before: timedelta = timedelta(days=1)
    commitment_escalate_after: timedelta = timedelta(days=3)
    scheduler_interval: float = 5.0
    inbox_retention: timedelta = timedelta(days=7)
    lease: timedelta = timedelta(seconds=30)
    slack_post_rate: float | None = DEFAULT_POST_RATE  # posts per second per workspace; None: unpaced
    report_secret: str | None = None  # the transparency report is served under it; None: not served
    public_url: str | None = None  # where `accord serve` is reached (calendar links in the App Home)
    default_counting: str = "member"  # how a proposal counts positions unless it says: member | organisation

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def oauth(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    def require_token(self) -> None:
        """Raise ConfigError unless Accord can call the Web API (a bot token, or OAuth installations)."""
        if not self.oauth and not self.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…); set it in the environment or .env")

    def require_slack(self) -> None:
        """Raise ConfigError naming the first Slack setting that serving needs but lacks."""
        self.require_token()
        if not self.socket_mode and not self.slack_signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set (needed in HTTP mode); set it, or SLACK_APP_TOKEN for Socket Mode"
            )


def _duration(env: Mapping[str, str], name: str, default: timedelta) -> timedelta:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return parse_duration(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def _interval(raw: str) -> float:
    if not raw:
        return 5.0
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0.1 <= value <= 60:
        raise ConfigError(f"ACCORD_SCHEDULER_INTERVAL: `{raw}` is not a number of seconds from 0.1 to 60")
    return value


def _post_rate(raw: str) -> float | None:
    if not raw:
        return DEFAULT_POST_RATE
    if raw.lower() in ("0", "off", "none"):
        return None
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0.1 <= value <= 1000:
        raise ConfigError(f"ACCORD_SLACK_POST_RATE: `{raw}` is not a number of posts per second from 0.1 to 1000 "
                          "(or `off`)")
    return value


def _report_secret(env: Mapping[str, str]) -> str | None:
    value = _optional(env, "ACCORD_REPORT_SECRET")
    if value is not None and (len(value) < 16 or not all(c.isalnum() or c in "-_" for c in value)):
        raise ConfigError("ACCORD_REPORT_SECRET: use at least 16 letters, digits, - or _ (it is the report's "
                          "URL path; e.g. the output of `python3 -c 'import secrets; print(secrets.token_urlsafe())'`)")
    return value
def _public_url(raw: str) -> str | None:
    if not raw:
        return None
    if not raw.startswith(("https://", "http://")):
        raise ConfigError(f"ACCORD_PUBLIC_URL: `{raw}` is not a web address (e.g. https://accord.example.org)")
    return raw.rstrip("/")
def _counting(raw: str) -> str:
    value = raw.strip().lower() or "member"
    value = {"organization": "organisation"}.get(value, value)
    if value not in ("member", "organisation"):
        raise ConfigError(f"ACCORD_DEFAULT_COUNTING: `{raw}` is not `member` or `organisation`")
    return value


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def settings_from_env(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Build Settings from ``env`` (default: the process environment after loading `.env`)."""
    if env is None:
        if dotenv:
            load_dotenv(os.path.join(os.getcwd(), ".env"), override=False)
        env = os.environ
    port_raw = env.get("PORT", "3000").strip() or "3000"
    if not port_raw.isdigit() or not 0 < int(port_raw) < 65536:
        raise ConfigError(f"PORT: `{port_raw}` is not a port number")
    tz = env.get("ACCORD_TIMEZONE", "UTC").strip() or "UTC"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"ACCORD_TIMEZONE: `{tz}` is not an IANA time zone (e.g. Europe/Berlin)") from None
    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
    if not api_url.endswith("/"):
        api_url += "/"
    facilitators = frozenset(u.strip() for u in env.get("ACCORD_FACILITATORS", "").split(",") if u.strip())
    interval_raw = env.get("ACCORD_SCHEDULER_INTERVAL", "").strip()
    return Settings(
        slack_bot_token=_optional(env, "SLACK_BOT_TOKEN"),
        slack_signing_secret=_optional(env, "SLACK_SIGNING_SECRET"),
        slack_app_token=_optional(env, "SLACK_APP_TOKEN"),
        slack_api_url=api_url,
        slack_client_id=_optional(env, "SLACK_CLIENT_ID"),
        slack_client_secret=_optional(env, "SLACK_CLIENT_SECRET"),
        database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
        demo_database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DEMO_DATABASE_URL,
        port=int(port_raw),
        facilitators=facilitators,
        timezone=tz,
        log_level=(env.get("LOG_LEVEL", "INFO").strip() or "INFO").upper(),
        checkin_remind_after=_duration(env, "ACCORD_CHECKIN_REMIND_AFTER", timedelta(hours=24)),
        checkin_close_after=_duration(env, "ACCORD_CHECKIN_CLOSE_AFTER", timedelta(hours=48)),
        catchup_grace=_duration(env, "ACCORD_CATCHUP_GRACE", timedelta(hours=6)),
        proposal_duration=_duration(env, "ACCORD_PROPOSAL_DURATION", timedelta(days=7)),
        proposal_remind_before=_duration(env, "ACCORD_PROPOSAL_REMIND_BEFORE", timedelta(hours=24)),
        commitment_remind_before=_duration(env, "ACCORD_COMMITMENT_REMIND_BEFORE", timedelta(days=1)),
        commitment_escalate_after=_duration(env, "ACCORD_COMMITMENT_ESCALATE_AFTER", timedelta(days=3)),
        scheduler_interval=_interval(interval_raw),
        inbox_retention=_duration(env, "ACCORD_INBOX_RETENTION", timedelta(days=7)),
        lease=_duration(env, "ACCORD_LEASE", timedelta(seconds=30)),
        slack_post_rate=_post_rate(env.get("ACCORD_SLACK_POST_RATE", "").strip()),
        report_secret=_report_secret(env),
        public_url=_public_url(env.get("ACCORD_PUBLIC_URL", "").strip()),
        default_counting=_counting(env.get("ACCORD_DEFAULT_COUNTING", "")),
    )
