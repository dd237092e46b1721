"""The name sweep: people whom records name but whose name is unknown or old are looked up, a few at a time.

After a request's work (and for records made before names were kept), the scheduler's next sweep finds
the member with no fresh name and asks Slack once (``users.info``): a name is asked again after
:data:`~bot.services.people.NAME_FRESH_FOR`; a member Slack will not describe (``user_not_found`` in
Slack Connect) is noted and asked again after :data:`~bot.services.people.RETRY_UNNAMED_AFTER`. Any
other refusal leaves that workspace alone for a while (:data:`WORKSPACE_BACKOFF`) and changes nothing.
Nothing here runs on a request's path to its ack.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.runtime import Runtime
from bot.services.people import Unnamed, display_name, members_to_name, note_unnamed, remember_names

logger = logging.getLogger("accord.jobs.names")

BATCH = 50  # lookups per sweep
IDLE_PAUSE = timedelta(seconds=60)  # between sweeps once nobody is left to name
WORKSPACE_BACKOFF = timedelta(minutes=15)  # a workspace whose Slack refused (not for the member) rests this long
UNKNOWN_MEMBER = frozenset({"user_not_found", "user_not_visible"})  # Slack will not describe this member


class NameSweep:
    """One process's sweep: paced by the runtime's clock, remembering which workspaces rest."""

    def __init__(self) -> None:
        self._next_at: datetime | None = None
        self._resting: dict[str, datetime] = {}  # workspace -> until when it is left alone

    def __call__(self, rt: Runtime, now: datetime) -> None:
        if self._next_at is not None and now < self._next_at:
            return
        self._resting = {w: until for w, until in self._resting.items() if until > now}
        with rt.reading() as session:
            batch = members_to_name(session, now=now, skip_workspaces=set(self._resting), limit=BATCH)
        named, unnamed = self._look_up(rt, batch, now)
        if named or unnamed:
            with rt.session() as session:
                for workspace_id, names in named.items():
                    remember_names(session, team_id=workspace_id, names=names, now=now)
                for workspace_id, user_ids in unnamed.items():
                    note_unnamed(session, team_id=workspace_id, user_ids=user_ids, now=now)
            logger.info("members_named named=%s unnamed=%s", sum(map(len, named.values())),
                        sum(map(len, unnamed.values())))
        self._next_at = now if len(batch) >= BATCH else now + IDLE_PAUSE

    def _look_up(self, rt: Runtime, batch: list[Unnamed],
                 now: datetime) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
        named: dict[str, dict[str, str]] = defaultdict(dict)
        unnamed: dict[str, list[str]] = defaultdict(list)
        for member in batch:
            if member.workspace_id in self._resting:
                continue
            try:
                response = rt.client_for(member.workspace_id).users_info(user=member.user_id)
            except SlackApiError as e:
                error = str(e.response.get("error") or "")
                if error in UNKNOWN_MEMBER:
                    unnamed[member.workspace_id].append(member.user_id)
                    continue
                self._rest(member.workspace_id, now, error)
                continue
            except OSError as e:  # Slack unreachable, after the client's own retries
                self._rest(member.workspace_id, now, type(e).__name__)
                continue
            name = display_name(response.get("user") or {})
            if name:
                named[member.workspace_id][member.user_id] = name
            else:
                unnamed[member.workspace_id].append(member.user_id)
        return named, unnamed

    def _rest(self, workspace_id: str, now: datetime, error: str) -> None:
        self._resting[workspace_id] = now + WORKSPACE_BACKOFF
        logger.warning("member_lookup_refused team=%s error=%s retry_in=%s", workspace_id, error,
                       WORKSPACE_BACKOFF)
