"""Multi-workspace installs: with a client id and secret, Accord serves Slack's OAuth install flow."""

from __future__ import annotations

from urllib.parse import parse_qs

from slack_sdk.oauth.installation_store import Installation
from sqlmodel import select

from bot.manifest import REDIRECT_PATH
from storage.models import AuditLog, Facilitator
from tests.harness import CLIENT_ID, Harness, install, start_install


def _facilitators(harness: Harness) -> set[tuple[str, str]]:
    with harness.rt.session() as session:
        return {(f.consortium_id, f.user_id) for f in session.exec(select(Facilitator))}


def test_install_page_links_to_slack_with_the_bot_scopes(oauth: Harness) -> None:
    query = parse_qs(start_install(oauth)[0])
    assert query["client_id"] == [CLIENT_ID]
    assert "commands" in query["scope"][0] and "chat:write" in query["scope"][0]
    assert query.get("state")


def test_the_installer_becomes_a_facilitator_of_the_workspace_the_install_creates(oauth: Harness) -> None:
    response = install(oauth, code="c-1", user_id="UINSTALLER", team_id="T2")
    assert response.status_code == 200, response.text
    assert _facilitators(oauth) == {("T2", "UINSTALLER")}
    with oauth.rt.session() as session:
        [audit] = session.exec(select(AuditLog).where(AuditLog.action == "facilitator.add"))
    assert (audit.consortium_id, audit.actor_id, audit.entity_id) == ("T2", "UINSTALLER", "UINSTALLER")
    assert "install" in (audit.detail or "")
    # ... and can act as one in Slack at once, with the installation's token
    created = oauth.command("/group", "create Policy", user="UINSTALLER", team="T2").reply_text()
    assert "Created the group *Policy*" in created
    refused = oauth.command("/group", "create Industry", user="UOTHER", team="T2").reply_text()
    assert "Only facilitators" in refused


def test_a_reinstall_keeps_the_facilitators_a_workspace_has(oauth: Harness) -> None:
    assert install(oauth, code="c-1", user_id="UINSTALLER", team_id="T2").status_code == 200
    assert install(oauth, code="c-2", user_id="UADMIN", team_id="T2").status_code == 200
    assert install(oauth, code="c-3", user_id="UOTHERFIRST", team_id="T3").status_code == 200
    assert _facilitators(oauth) == {("T2", "UINSTALLER"), ("T3", "UOTHERFIRST")}


def test_an_org_wide_install_makes_its_installer_a_facilitator_of_the_enterprise(oauth: Harness) -> None:
    response = install(oauth, code="c-org", user_id="UGRID", team_id=None, enterprise_id="E1", org_wide=True)
    assert response.status_code == 200, response.text
    assert _facilitators(oauth) == {("E1", "UGRID")}
    installation = oauth.rt.installation_store.find_installation(  # type: ignore[union-attr]
        enterprise_id="E1", team_id=None, is_enterprise_install=True)
    assert isinstance(installation, Installation) and installation.user_id == "UGRID"


def test_a_refused_code_stores_nothing_and_promotes_nobody(oauth: Harness) -> None:
    query, cookie = start_install(oauth)
    [state] = parse_qs(query)["state"]
    response = oauth.http.get(f"{oauth.url}{REDIRECT_PATH}", params={"code": "forged", "state": state},
                              headers={"Cookie": cookie})
    assert response.status_code == 401
    assert _facilitators(oauth) == set()
