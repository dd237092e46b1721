"""Slack OAuth installations, bots and install states (multi-workspace installs).

The tables are slack_sdk's own (``SQLAlchemyInstallationStore``, ``SQLAlchemyOAuthStateStore``),
built with its table builders so their shape always matches the library that reads them.

Revision ID: 0002_slack_oauth
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

revision = "0002_slack_oauth"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

INSTALLATIONS = SQLAlchemyInstallationStore.default_installations_table_name
BOTS = SQLAlchemyInstallationStore.default_bots_table_name
STATES = SQLAlchemyOAuthStateStore.default_table_name
SLACK_TABLES = (INSTALLATIONS, BOTS, STATES)


def _metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS)
    SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, STATES)
    return metadata


def upgrade() -> None:
    _metadata().create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    _metadata().drop_all(op.get_bind(), checkfirst=True)
