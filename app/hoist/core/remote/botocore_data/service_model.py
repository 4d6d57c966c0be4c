"""A slim S3 service model, kept in the data directory (issue #24).

botocore builds every S3 client from S3's whole service model: 119 operations, 736 shapes
and their documentation, 1.4 MB of JSON parsed into 3.3 MiB of dictionaries that the client
keeps for its life. Hoist calls 16 of those operations. The slim model keeps them and the
shapes they reach, with every ``documentation`` emptied, and is made once from the model the
session's loader would read, again whenever that model's path, size or mtime, botocore's
version or the list below changes, or the kept file does not parse. A loader that serves
it in place of the whole model takes the session's loader's place; every other file
(S3's rule set, paginators, other services' models) is read as before.

An operation missing here is missing from the client: ``client.copy_object`` would be an
AttributeError. `tests/core/remote/botocore_data/test_service_model.py` finds every call
Hoist makes in the source and fails naming one that is not listed.
"""

import json
import logging
import os
from pathlib import Path

from botocore import __version__ as botocore_version
from botocore.exceptions import DataNotFoundError
from botocore.loaders import JSONFileLoader, Loader

from hoist.core.local.private_files import write_private_text

log = logging.getLogger("hoist.s3")

MODEL_NAME = "s3-model.json"
FORMAT = 1              # of the kept file; a new one is made when this changes

OPERATIONS = frozenset({
    # Bucket's calls (core/remote/s3.py) and the Bucket pane's (core/remote/browse/)
    "HeadBucket", "ListObjectsV2", "CreateMultipartUpload", "UploadPart", "ListParts",
    "CompleteMultipartUpload", "AbortMultipartUpload", "HeadObject", "PutObject",
    "ListMultipartUploads", "GetObject", "DeleteObject", "DeleteObjects", "RestoreObject",
    # a download's proof (core/download/proof.py); share links presign GetObject
    "GetObjectAttributes",
    # botocore's own: S3 Express buckets' sessions (HeadBucket: its region redirects)
    "CreateSession",
})

# dictionaries keyed by names (a member named "documentation" is not documentation)
_NAMED = frozenset({"members", "staticContextParams", "clientContextParams"})


def lean_model(session, cache: Path) -> None:
    """Have ``session``'s S3 clients built on the slim model kept in ``cache`` (made now if
    it is missing or stale); leave the session as it is if the model cannot be had."""
    loader = session.get_component("data_loader")
    found = _model_source(loader)
    if found is None:
        return
    name, whole_path, source = found
    model = _kept(cache, source)
    if model is None:
        try:
            whole = JSONFileLoader().load_file(whole_path)   # not into the loader's cache
            model = slim(whole, OPERATIONS)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            log.debug("S3's slim model not made from %s: %s", whole_path, error)
            return                      # botocore reads its own, and says what is wrong
        del whole
        try:
            write_private_text(cache, json.dumps({"source": source, "model": model},
                                                 separators=(",", ":")))
        except OSError as error:      # another run writing it, a full disk: next time, then
            log.debug("S3's slim model not kept in %s: %s", cache, error)
    session.register_component("data_loader", LeanLoader(loader, name, model, str(cache)))


class LeanLoader(Loader):
    """botocore's loader over the same search paths, with S3's slim model in place of the
    whole one."""

    def __init__(self, loader, name: str, model: dict, path: str):
        super().__init__(extra_search_paths=list(loader.search_paths),
                         include_default_search_paths=False)
        self._lean = (name, model, path)

    def load_data_with_path(self, name):
        if name == self._lean[0]:
            return self._lean[1], self._lean[2]
        return super().load_data_with_path(name)


def slim(model: dict, operations) -> dict:
    """``model`` with only ``operations``, the shapes they reach, and empty documentation."""
    kept_ops = {name: op for name, op in model["operations"].items() if name in operations}
    wanted: set[str] = set()
    _reach(kept_ops, model["shapes"], wanted)
    shapes = {name: shape for name, shape in model["shapes"].items() if name in wanted}
    top = {key: value for key, value in model.items()
           if key not in ("documentation", "operations", "shapes")}
    return _undocumented({**top, "operations": kept_ops, "shapes": shapes})


def _reach(node, shapes: dict, wanted: set) -> None:
    """Add to ``wanted`` every shape named under ``node``, and the shapes they name."""
    if isinstance(node, dict):
        name = node.get("shape")
        if isinstance(name, str) and name not in wanted and name in shapes:
            wanted.add(name)
            _reach(shapes[name], shapes, wanted)
        for value in node.values():
            _reach(value, shapes, wanted)
    elif isinstance(node, list):
        for value in node:
            _reach(value, shapes, wanted)


def _undocumented(node, named: bool = False):
    # emptied, not dropped: botocore reads some (a client context parameter's) with [...]
    if isinstance(node, dict):
        return {key: "" if key == "documentation" and not named
                else _undocumented(value, key in _NAMED) for key, value in node.items()}
    if isinstance(node, list):
        return [_undocumented(value) for value in node]
    return node


def _model_source(loader) -> tuple[str, str, list] | None:
    """The name the loader asks for S3's model by, the file it would read (without its
    extension), and what identifies that file; None if there is none."""
    try:
        version = loader.determine_latest_version("s3", "service-2")
    except (DataNotFoundError, OSError):
        return None
    name = f"s3/{version}/service-2"
    for directory in loader.search_paths:
        base = os.path.join(directory, name)
        for extension in (".json", ".json.gz"):       # the order botocore tries them in
            try:
                stat = os.stat(base + extension)
            except OSError:
                continue
            return name, base, [base + extension, stat.st_size, stat.st_mtime_ns,
                                botocore_version, FORMAT, sorted(OPERATIONS)]
    return None


def _kept(cache: Path, source: list) -> dict | None:
    """The slim model kept in ``cache`` if it was made from ``source``."""
    try:
        kept = json.loads(cache.read_text(encoding="utf-8"))
        model = kept["model"] if kept.get("source") == source else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(model, dict) or not isinstance(model.get("operations"), dict):
        return None
    return model
