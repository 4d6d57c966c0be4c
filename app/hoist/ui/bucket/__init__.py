"""The Bucket pane: what is in the bucket of the account chosen under "Upload to"."""
