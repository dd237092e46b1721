"""App Home: publish the user's view when they open the tab (and after a button changes it)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError

from bot.runtime import Runtime
from bot.services import calendar
from bot.services.home import home_overview
from handlers.home.blocks import home_view
from handlers.shared.context import runtime, team_of

logger = logging.getLogger("accord.home")


def handle_app_home_opened(event: dict[str, Any], client: Any, context: BoltContext) -> None:
    """`app_home_opened` on the Home tab: publish the user's view."""
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    publish_home(runtime(context), client, consortium_id=team_of(context), user_id=event["user"])


def publish_home(rt: Runtime, client: Any, *, consortium_id: str, user_id: str, notice: str | None = None,
                 new_calendar_link: bool = False) -> bool:
    """Build the user's App Home and publish it (``new_calendar_link``: with a new calendar feed token first);
    False when Slack refused it."""
    now = rt.clock.now()
    with rt.session() as session:
        home = home_overview(session, consortium_id=consortium_id, user_id=user_id, now=now,
                             today=rt.today(consortium_id))
        token = (calendar.rotate_feed_token if new_calendar_link else calendar.feed_token)(
            session, consortium_id=consortium_id, user_id=user_id, now=now)
    view = home_view(home, notice=notice, calendar_token=token, base_url=rt.settings.public_url)
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as err:
        logger.warning("home_publish_failed user=%s error=%s", user_id, err.response.get("error"))
        return False
    return True
