"""Watched folders: new and changed files sent by themselves, once complete (issue #27)."""
