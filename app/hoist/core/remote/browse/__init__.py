"""Browsing a bucket: listing a folder a page at a time, deleting, restoring (the Bucket pane)."""
