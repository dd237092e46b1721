"""Members' names as Slack last gave them (a cache for the terminal; absent means "show the id").

A row with an empty name records a lookup Slack could not answer for that member (say, a Slack
Connect member it will not describe): tried at ``updated_at``, read as absent.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlmodel import Session, col, select

from storage.db import dialect_insert
from storage.models import UserName, Workspace


def save_user_names(session: Session, *, team_id: str, names: Mapping[str, str], now: datetime) -> None:
    """Insert or refresh each member's name (one statement)."""
    if not names:
        return
    rows = [{"team_id": team_id, "user_id": uid, "name": name[:200], "updated_at": now} for uid, name in names.items()]
    statement = dialect_insert(session)(UserName).values(rows)
    session.execute(statement.on_conflict_do_update(
        index_elements=["team_id", "user_id"],
        set_={"name": statement.excluded.name, "updated_at": statement.excluded.updated_at}))


def mark_unnamed(session: Session, *, team_id: str, user_ids: Collection[str], now: datetime) -> None:
    """Note that Slack could not name these members now; a name known before is kept (one statement)."""
    if not user_ids:
        return
    rows = [{"team_id": team_id, "user_id": uid, "name": "", "updated_at": now} for uid in sorted(set(user_ids))]
    statement = dialect_insert(session)(UserName).values(rows)
    session.execute(statement.on_conflict_do_update(
        index_elements=["team_id", "user_id"], set_={"updated_at": statement.excluded.updated_at}))


def get_user_names(session: Session, *, consortium_id: str) -> dict[str, str]:
    """Every name known in the workspaces of this consortium, by user id."""
    query = (select(UserName.user_id, UserName.name).join(Workspace, col(Workspace.id) == col(UserName.team_id))
             .where(Workspace.consortium_id == consortium_id, UserName.name != ""))
    return {uid: name for uid, name in session.exec(query)}
