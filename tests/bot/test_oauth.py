"""Multi-workspace installs: with a client id and secret, Accord serves Slack's OAuth install flow."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.fakeslack import FakeSlack
from tests.harness import start_harness


def test_install_page_links_to_slack_with_the_bot_scopes(fake_slack: FakeSlack, database_url: str) -> None:
    harness = start_harness(fake_slack, database_url, slack_bot_token=None, slack_client_id="111.222",
                            slack_client_secret="shh")
    try:
        response = harness.http.get(f"{harness.url}/slack/install", follow_redirects=False)
        assert response.status_code in (200, 302)
        location = response.headers.get("location") or response.text
        start = location.index("https://slack.com/oauth/v2/authorize")
        url = urlparse(location[start:].split('"')[0].replace("&amp;", "&"))
        query = parse_qs(url.query)
        assert query["client_id"] == ["111.222"]
        assert "commands" in query["scope"][0] and "chat:write" in query["scope"][0]
        assert query.get("state")
    finally:
        harness.stop()
