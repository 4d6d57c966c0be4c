"""Hoist's engine: the UploadManager and its tasks. Imports QtCore only."""
