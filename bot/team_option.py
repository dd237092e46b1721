"""The team a CLI command works on (`--team`, or the only team in the database)."""

from __future__ import annotations

from bot.config import ConfigError, Settings
from storage.db import make_engine, session_scope
from storage.teams import list_team_ids


def resolve_team(settings: Settings, requested: str | None) -> str:
    """The team to work on: ``--team``, or the only team in the database."""
    engine = make_engine(settings.database_url, single_use=True)
    with session_scope(engine) as session:
        teams = list_team_ids(session)
    engine.dispose()
    if requested:
        if requested not in teams:
            raise ConfigError(f"--team {requested}: no such team in the database (known: {', '.join(teams) or 'none'})")
        return requested
    if len(teams) == 1:
        return teams[0]
    if not teams:
        return ""  # nothing recorded yet: every query answers empty
    raise ConfigError(f"the database holds several teams; choose one with --team ({', '.join(teams)})")
