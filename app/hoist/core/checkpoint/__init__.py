"""The checkpoint store: SQLite tables, their records and states, the writer's lock."""
