"""Storage: SQLModel tables, the engine and sessions, queries per aggregate, migrations."""
