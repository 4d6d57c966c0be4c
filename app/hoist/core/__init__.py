"""Hoist's core: planning, fingerprints, S3 calls, checkpoints. Imports no Qt."""
