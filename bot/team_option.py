"""The consortium a CLI command works on: `--consortium C` (its id or name), `--team T` (the
consortium of workspace T), or the only consortium in the database."""

from __future__ import annotations

from bot.config import ConfigError, Settings
from storage.db import make_engine, session_scope
from storage.teams import consortium_of_workspace, list_consortia


def resolve_consortium(settings: Settings, *, consortium: str | None = None, team: str | None = None) -> str:
    """The consortium's id: by ``--consortium`` (id or name), by ``--team``, or the only one there is."""
    engine = make_engine(settings.database_url, single_use=True)
    with session_scope(engine) as session:
        known = [(c.id, c.name) for c in list_consortia(session)]
        of_team = consortium_of_workspace(session, workspace_id=team) if team else None
    engine.dispose()
    listing = ", ".join(f"{cid} ({name})" if name else cid for cid, name in known) or "none"
    if consortium:
        wanted = consortium.casefold()
        found = [cid for cid, name in known if cid == consortium or (name or "").casefold() == wanted]
        if len(found) != 1:
            raise ConfigError(f"--consortium {consortium}: no such consortium in the database (known: {listing})")
        if team and of_team != found[0]:
            raise ConfigError(f"--team {team} is not a workspace of consortium {consortium}")
        return found[0]
    if team:
        if of_team is None:
            raise ConfigError(f"--team {team}: no such workspace in the database (consortia: {listing})")
        return of_team
    if len(known) == 1:
        return known[0][0]
    if not known:
        return ""  # nothing recorded yet: every query answers empty
    raise ConfigError(f"the database holds several consortia; choose one with --consortium ({listing})")
