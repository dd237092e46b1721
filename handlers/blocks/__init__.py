"""Block Kit builders: pure functions returning dicts, tested as data."""
