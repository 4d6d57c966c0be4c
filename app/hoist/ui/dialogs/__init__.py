"""The window's dialogs, one a file."""
