"""A download: a task kind of the shared engine (engine/transfer.py), beside engine/upload/."""
