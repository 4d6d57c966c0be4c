"""What botocore reads from disk, kept lean in the data directory (issue #24).

An S3 client reads botocore's whole endpoints table and S3's whole service model, though
it uses S3's entries of the one and a few operations of the other. ``lean_data`` has a
session read S3's slice of the table (``endpoints.py``) and a slim model (``service_model.py``)
instead, each kept beside the checkpoints, owner-only, made again when botocore's file
changes, and left aside (botocore reads its own) if it cannot be had.
"""

from pathlib import Path


def lean_data(session, cache_dir: Path) -> None:
    """Have ``session``'s S3 clients built from the lean data kept in ``cache_dir``."""
    from hoist.core.remote.botocore_data.endpoints import ENDPOINTS_NAME, lean_endpoints
    from hoist.core.remote.botocore_data.service_model import MODEL_NAME, lean_model
    lean_model(session, Path(cache_dir) / MODEL_NAME)
    lean_endpoints(session, Path(cache_dir) / ENDPOINTS_NAME)
