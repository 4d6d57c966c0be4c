"""Proving a downloaded file's bytes before it takes its name, by the strongest evidence the
object gives: its checksum (whole-object, or composite over its parts), else its ETag (an MD5,
or a multipart ETag recomputed over the object's part layout), else its size alone. The proof
says which, so a row and ``hoist list`` can say how far the file was checked. It reads the
file again, so it serves only where the ranges were not checked as they streamed in
(core/download/range_checks.py proves those from their stored checksums).

What moto 5.2.6 answers (seen when this was written; the tests hold it to that):

- GetObjectAttributes with ObjectParts: no ObjectParts at all, only ETag, Checksum and
  ObjectSize; AWS lists the parts of an object uploaded with checksums (and only those), so
  elsewhere the layout comes from HeadObject with PartNumber.
- HeadObject with PartNumber=N: that part's ContentLength, the object's PartsCount, a
  ContentRange; with ChecksumMode, the part's own checksum and ChecksumType COMPOSITE.
- HeadObject of a multipart object uploaded with a checksum: the COMPOSITE value but without
  its "-N" and with no ChecksumType (AWS says "…-N" and COMPOSITE), so a multipart checksum
  that says neither is tried both as the whole file's and as the composite.
- SSE-C and SSE-KMS objects keep a plain MD5 ETag in moto (AWS's is opaque), and HEAD does
  not echo SSECustomerAlgorithm: an SSE-C download is known by its key in ``extra``.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import ClientError

from hoist.core.policy.planner import MiB
from hoist.core.remote.checksums import (
    RunningChecksum,
    composite_checksum,
    multipart_etag,
    unavailable,
)

CHUNK = 8 * MiB
_ALGORITHMS = ("CRC64NVME", "CRC32", "CRC32C", "SHA256", "SHA1")
_MD5_HEX = re.compile(r"^[0-9a-f]{32}$")
_PARTS_PAGE = 1000


@dataclass(frozen=True)
class Proof:
    """How a downloaded file was proved: ``method`` ("CRC32", "CRC32 composite", "MD5",
    "multipart ETag", "size"…), whether it held, and a line for a row or ``hoist list``."""

    method: str
    ok: bool
    detail: str


class PartLayout(list):
    """An object's part sizes in order; ``assumed`` when the parts between the first and the
    last were taken to be the size of the first (the store did not list them); ``listed``,
    GetObjectAttributes' part entries when it listed them (with each part's checksum where
    the store keeps one)."""

    assumed = False
    listed: tuple | list = ()


def part_count(head: dict) -> int | None:
    """How many parts the object was uploaded in, None if it went up whole."""
    for value in (head.get("ETag", "").strip('"'), checksum_of(head)[1] or ""):
        _, dash, count = value.rpartition("-")
        if dash and count.isdigit():
            return int(count)
    return head.get("PartsCount") or None


def checksum_of(head: dict) -> tuple[str | None, str | None]:
    for algorithm in _ALGORITHMS:
        if head.get(f"Checksum{algorithm}"):
            return algorithm, head[f"Checksum{algorithm}"]
    return None, None


def request_params(client, operation: str, extra: dict | None, **params) -> dict:
    """``params`` and those of ``extra`` that ``operation`` takes (GetObjectAttributes takes
    no IfMatch, for one)."""
    members = client.meta.service_model.operation_model(operation).input_shape.members
    return {**{k: v for k, v in (extra or {}).items() if k in members}, **params}


def part_layout(client, bucket: str, key: str, head: dict,
                extra: dict | None = None) -> list[int] | None:
    """The sizes of the object's parts in order (a PartLayout), or None: it was not uploaded
    in parts, or the store will not say how. ``extra``: VersionId, IfMatch and SSE-C
    parameters, passed to every call that takes them. A changed object (412) or a network
    error is raised."""
    count = part_count(head)
    if count is None:
        return None
    layout = _listed_layout(client, bucket, key, extra) or _headed_layout(client, bucket, key,
                                                                          extra)
    if layout is None or len(layout) != count or sum(layout) != head.get("ContentLength"):
        return None
    return layout


def _listed_layout(client, bucket, key, extra) -> PartLayout | None:
    params = request_params(client, "GetObjectAttributes", extra, Bucket=bucket, Key=key,
                     ObjectAttributes=["ObjectParts"], MaxParts=_PARTS_PAGE)
    listed = []
    while True:
        try:
            reply = client.get_object_attributes(**params)
        except ClientError:     # not offered by this store, or not allowed: HEAD will tell
            return None
        parts = reply.get("ObjectParts") or {}
        if not parts.get("Parts"):
            return None
        listed += parts["Parts"]
        if not parts.get("IsTruncated"):
            break
        params["PartNumberMarker"] = parts["NextPartNumberMarker"]
    listed.sort(key=lambda p: p["PartNumber"])
    layout = PartLayout(part["Size"] for part in listed)
    layout.listed = listed
    return layout


def _headed_layout(client, bucket, key, extra) -> PartLayout | None:
    params = request_params(client, "HeadObject", extra, Bucket=bucket, Key=key)
    try:
        first = client.head_object(**params, PartNumber=1)
    except ClientError as error:
        if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (400, 416, 501):
            return None         # this store takes no PartNumber
        raise
    count = first.get("PartsCount")
    if not count:               # the store ignored PartNumber and answered for the object
        return None
    if count == 1:
        return PartLayout([first["ContentLength"]])
    last = client.head_object(**params, PartNumber=count)["ContentLength"]
    layout = PartLayout([first["ContentLength"]] * (count - 1) + [last])
    layout.assumed = count > 2
    return layout


def _every_part(client, bucket, key, extra, count: int) -> PartLayout:
    """Each part's size, one HeadObject with PartNumber a part: when an assumed layout did not
    prove the file, that may be the layout's fault, not the file's."""
    params = request_params(client, "HeadObject", extra, Bucket=bucket, Key=key)
    return PartLayout(client.head_object(**params, PartNumber=n)["ContentLength"]
                      for n in range(1, count + 1))


class _LayoutOnce:
    """The part layout, asked of the store at most once for a proof (and once more, part by
    part, if the layout was assumed)."""

    def __init__(self, client, bucket, key, head, extra):
        self._ask = lambda: part_layout(client, bucket, key, head, extra)
        self._ask_every = lambda count: _every_part(client, bucket, key, extra, count)
        self._asked, self._layout = False, None

    def get(self) -> PartLayout | None:
        if not self._asked:
            self._layout, self._asked = self._ask(), True
        return self._layout

    def assumed(self) -> bool:
        return bool(getattr(self._layout, "assumed", False))

    def ask_every_part(self) -> None:
        self._layout = self._ask_every(len(self._layout))


def _digest(path: Path, size: int, algorithm: str, layout: list[int] | None,
            whole: bool) -> tuple[RunningChecksum | None, list[RunningChecksum]]:
    """One read of the file, 8 MiB at a time: its whole checksum (if ``whole``) and, with a
    layout, each part's."""
    full = RunningChecksum(algorithm) if whole else None
    parts = []
    with open(path, "rb") as f:
        for part_size in layout or [size]:
            part = RunningChecksum(algorithm) if layout else None
            left = part_size
            while left:
                chunk = f.read(min(left, CHUNK))
                if not chunk:
                    raise EOFError(f"{path} ended {left:,} bytes early")
                left -= len(chunk)
                if full is not None:
                    full.update(chunk)
                if part is not None:
                    part.update(chunk)
            if part is not None:
                parts.append(part)
    return full, parts


def _assumed(layout) -> str:
    if not getattr(layout, "assumed", False):
        return ""
    middle = "part 2" if len(layout) == 3 else f"parts 2 to {len(layout) - 1}"
    return f" ({middle} assumed as large as part 1: the store does not list its parts)"


def _by_checksum(path, size, head, layouts, notes) -> Proof | None:
    algorithm, value = checksum_of(head)
    if algorithm is None:
        return None
    why = unavailable(algorithm)
    if why:                     # "… need the awscrt package, which is not installed"
        notes.append(why.split(":")[0])
        return None
    value, _, count = value.partition("-")
    kind = (head.get("ChecksumType") or "").upper()
    if count or kind == "COMPOSITE":
        forms = ["composite"]
    elif kind == "FULL_OBJECT" or part_count(head) is None:
        forms = ["whole"]
    else:                           # moto: a multipart checksum with neither "-N" nor a type
        forms = ["whole", "composite"]
    layout = layouts.get() if "composite" in forms else None
    if "composite" in forms and layout is None:
        forms.remove("composite")
        if not forms:
            notes.append(f"the parts of its {algorithm} composite checksum are unknown")
            return None
    whole, parts = _digest(path, size, algorithm, layout, "whole" in forms)
    got = {}
    if "whole" in forms:
        got[algorithm] = whole.b64()
    if "composite" in forms:
        method = f"{algorithm} composite"
        got[method] = composite_checksum([p.raw() for p in parts], algorithm).partition("-")[0]
    for method, computed in got.items():
        if computed == value:
            if method.endswith("composite"):
                return Proof(method, True,
                             f"{method} of {len(layout)} parts matches{_assumed(layout)}")
            return Proof(method, True, f"{method} matches")
    expected = f"{value}-{count}" if count else value
    method = next(iter(got)) if len(got) == 1 else algorithm
    computed = " or ".join(f"{v} ({m})" for m, v in got.items()) if len(got) > 1 else \
        next(iter(got.values()))
    return Proof(method, False,
                 f"{method} differs: expected {expected}, got {computed}{_assumed(layout)}")


def _encryption(head: dict, extra: dict | None) -> str:
    if head.get("SSECustomerAlgorithm") or (extra or {}).get("SSECustomerKey"):
        return "SSE-C"
    if str(head.get("ServerSideEncryption", "")).startswith("aws:kms"):
        return "SSE-KMS"
    return ""


def _by_etag(path, size, head, layouts, notes, extra) -> Proof | None:
    etag = head.get("ETag", "").strip('"').lower()
    body, _, count = etag.partition("-")
    encrypted = _encryption(head, extra)
    if encrypted:
        notes.append(f"the ETag of an {encrypted} object is no MD5")
        return None
    if not _MD5_HEX.match(body) or (count and not count.isdigit()):
        notes.append("its ETag is no MD5")
        return None
    if not count:
        got = _digest(path, size, "MD5", None, True)[0].raw().hex()
        if got == body:
            return Proof("MD5", True, "MD5 matches")
        return Proof("MD5", False, f"MD5 differs: expected {body}, got {got}")
    layout = layouts.get()
    if layout is None:
        notes.append("its part sizes are unknown, so its multipart ETag cannot be recomputed")
        return None
    got = multipart_etag([p.raw().hex() for p in _digest(path, size, "MD5", layout, False)[1]])
    got = got.strip('"')
    method = "multipart ETag"
    if got == etag:
        return Proof(method, True, f"{method} of {count} parts matches{_assumed(layout)}")
    return Proof(method, False, f"{method} differs: expected {etag}, got {got}{_assumed(layout)}")


def prove(path: Path, size: int, head: dict, client, bucket: str, key: str,
          extra: dict | None = None) -> Proof:
    """Prove the file at ``path`` (``size`` bytes) is the object ``head`` describes (the
    HeadObject reply taken with ChecksumMode="ENABLED" when the download began).

    A checksum this Python cannot compute (CRC32C and CRC64NVME without awscrt) or an ETag
    that is no MD5 passes to the next rule, and the detail says why. Only a real difference
    gives ``ok=False``. Reads the file once (twice only when the checksum could not decide).
    """
    remote, local = head.get("ContentLength"), os.stat(path).st_size
    if remote != size or local != size:
        return Proof("size", False, f"size differs: expected {remote:,} bytes, got {local:,}")
    notes: list[str] = []
    layouts = _LayoutOnce(client, bucket, key, head, extra)
    try:
        proof = (_by_checksum(path, size, head, layouts, notes)
                 or _by_etag(path, size, head, layouts, notes, extra))
        if proof is not None and not proof.ok and layouts.assumed():
            layouts.ask_every_part()            # refuse only by the parts' true sizes
            notes.clear()
            proof = (_by_checksum(path, size, head, layouts, notes)
                     or _by_etag(path, size, head, layouts, notes, extra))
    except EOFError as short:       # the file shrank under us
        return Proof("size", False, f"size differs: {short}")
    if proof is None:
        notes.insert(0, "no checksum" if checksum_of(head)[0] is None else "")
        why = "; ".join(note for note in notes if note)
        return Proof("size", True, f"size only: {size:,} bytes, as expected ({why})")
    if notes and proof.ok:
        return Proof(proof.method, proof.ok, f"{proof.detail} ({'; '.join(notes)})")
    return proof
