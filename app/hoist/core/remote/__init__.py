"""Talking to S3: the client and its calls, errors sorted for people, checksums and verdicts."""
