"""One proxy in force per member: a partial unique index on the proxies not revoked.

Revision ID: 0016_wire
Revises: 0009_governance
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_wire"
down_revision = "0009_governance"
branch_labels = None
depends_on = None

IN_FORCE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    # Two proxies set at once may have left a member with two in force: the newest stands (as it did
    # when read), the older ones end when it began.
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, consortium_id, member_id, created_at FROM proxy WHERE revoked_at IS NULL "
        "ORDER BY consortium_id, member_id, created_at DESC, id DESC")).all()
    newest: dict[tuple[str, str], object] = {}
    for row_id, consortium_id, member_id, created_at in rows:
        key = (consortium_id, member_id)
        if key not in newest:
            newest[key] = created_at
            continue
        conn.execute(sa.text("UPDATE proxy SET revoked_at = :at WHERE id = :id"), {"at": newest[key], "id": row_id})
    op.create_index("uq_proxy_in_force", "proxy", ["consortium_id", "member_id"], unique=True,
                    sqlite_where=IN_FORCE, postgresql_where=IN_FORCE)


def downgrade() -> None:
    op.drop_index("uq_proxy_in_force", table_name="proxy")
