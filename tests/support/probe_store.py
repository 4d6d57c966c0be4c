"""Probe what an S3 store does where stores differ, and print one Markdown table.

    .venv/bin/python tests/support/probe_store.py                 # moto and SeaweedFS, on loopback
    .venv/bin/python tests/support/probe_store.py --endpoint URL  # any store, ambient credentials

docs/compatibility.md is made from its output. Each row names the boto3 calls it
makes; a row says what the store answered, never what it should have.
"""

import argparse
import base64
import hashlib
import os
import sys
import uuid
import zlib
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

MiB = 1 << 20


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def crc32_b64(data: bytes) -> str:
    return _b64(zlib.crc32(data).to_bytes(4, "big"))


def md5_b64(data: bytes) -> str:
    return _b64(hashlib.md5(data).digest())


def _error(e: ClientError) -> str:
    return f"refused: {e.response['Error'].get('Code') or e.response['ResponseMetadata']['HTTPStatusCode']}"


def etag_form(etag: str, whole: bytes, parts: list[bytes] = ()) -> str:
    plain = '"' + hashlib.md5(whole).hexdigest() + '"'
    if etag == plain:
        return "plain MD5 of the bytes"
    if parts:
        joined = b"".join(hashlib.md5(p).digest() for p in parts)
        if etag == f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"':
            return "MD5 of part MD5s + \"-N\" (S3's form)"
    return f"opaque ({etag})"


def crc32_form(value: str, parts: list[bytes]) -> str:
    """What a returned ChecksumCRC32 is: of the whole object, or S3's composite of the parts."""
    if value == crc32_b64(b"".join(parts)):
        return "CRC32 of the whole object" + (" (what was sent)" if len(parts) == 1 else "")
    composite = _b64(zlib.crc32(b"".join(zlib.crc32(p).to_bytes(4, "big")
                                          for p in parts)).to_bytes(4, "big"))
    if value == f"{composite}-{len(parts)}":
        return 'composite CRC32 of the part CRC32s + "-N" (S3\'s form)'
    if value == composite:
        return 'composite CRC32 of the part CRC32s, without "-N"'
    return f"other ({value})"


class Probe:
    def __init__(self, endpoint_url: str | None):
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=os.environ.get("AWS_DEFAULT_REGION",
                                                                        "us-east-1"),
            # as Hoist sends them: checksums only when asked for, path-style addressing
            config=Config(request_checksum_calculation="when_required",
                          response_checksum_validation="when_required",
                          s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
        self.endpoint_url = endpoint_url
        self.bucket = f"hoist-probe-{uuid.uuid4().hex[:12]}"
        self.rows: dict[str, str] = {}

    def row(self, name: str, fn) -> None:
        try:
            self.rows[name] = fn()
        except ClientError as e:
            self.rows[name] = _error(e)
        except Exception as e:          # noqa: BLE001 - a probe reports, it does not stop
            self.rows[name] = f"error: {type(e).__name__}: {e}"[:120]

    def run(self) -> dict[str, str]:
        c, b = self.client, self.bucket
        c.create_bucket(Bucket=b)
        small = os.urandom(4096)
        self.row("PutObject ETag", lambda: etag_form(
            c.put_object(Bucket=b, Key="small", Body=small)["ETag"], small))
        self.row("PutObject, ChecksumCRC32 right (x-amz-checksum-crc32)", lambda: self._put_crc(small))
        self.row("PutObject, ChecksumCRC32 wrong", lambda: self._put_crc(small, wrong=True))
        self.row("PutObject, Content-MD5 wrong", lambda: self._put_md5_wrong(small))
        self.row("HeadObject(ChecksumMode=ENABLED) after a CRC32 PutObject",
                 lambda: self._head_checksum("crc-small", [small]))
        self._multipart(c, b)
        self.row("virtual-host GetObject (Host: <bucket>.localhost)", self._virtual_host)
        return self.rows

    def _put_crc(self, data: bytes, wrong: bool = False) -> str:
        value = crc32_b64(data + (b"x" if wrong else b""))
        reply = self.client.put_object(Bucket=self.bucket, Key="crc-small", Body=data,
                                       ChecksumCRC32=value)
        echoed = reply.get("ChecksumCRC32")
        return "accepted" + (", echoed" if echoed == value else ", not echoed")

    def _put_md5_wrong(self, data: bytes) -> str:
        self.client.put_object(Bucket=self.bucket, Key="md5-small", Body=data,
                               ContentMD5=md5_b64(data + b"x"))
        return "accepted (not checked)"

    def _head_checksum(self, key: str, parts: list[bytes]) -> str:
        head = self.client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        value = head.get("ChecksumCRC32")
        if not value:
            return "no checksum"
        kind = head.get("ChecksumType")
        return crc32_form(value, parts) + (f"; ChecksumType={kind}" if kind else "")

    def _multipart(self, c, b) -> None:
        parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(1000)]
        whole = b"".join(parts)
        # plain multipart, no checksums
        uid = c.create_multipart_upload(Bucket=b, Key="mp")["UploadId"]
        etags = []
        for n, data in enumerate(parts, 1):
            reply = c.upload_part(Bucket=b, Key="mp", UploadId=uid, PartNumber=n, Body=data)
            etags.append(reply["ETag"])
        self.row("UploadPart ETag", lambda: etag_form(etags[0], parts[0]))
        self.row("ListParts (MaxParts=2: paging)", lambda: self._list_parts("mp", uid, parts))
        self.row("ListMultipartUploads", lambda: "lists the upload" if any(
            u["UploadId"] == uid for u in c.list_multipart_uploads(Bucket=b).get("Uploads", []))
            else "upload not listed")
        self.row("CompleteMultipartUpload, a wrong part ETag", lambda: self._complete_wrong(uid))
        done = c.complete_multipart_upload(Bucket=b, Key="mp", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]})
        self.row("multipart ETag (CompleteMultipartUpload)", lambda: etag_form(done["ETag"],
                                                                              whole, parts))
        self.row("multipart ETag (HeadObject)", lambda: etag_form(
            c.head_object(Bucket=b, Key="mp")["ETag"], whole, parts))
        self.row("Complete with a 1-byte part before the last", self._small_part)
        self.row("AbortMultipartUpload, then ListParts", self._abort)
        self.row("multipart with ChecksumAlgorithm=CRC32: parts, Complete",
                 lambda: self._multipart_crc(parts))
        self.row("HeadObject(ChecksumMode=ENABLED) after a CRC32 multipart",
                 lambda: self._head_checksum("mp-crc", parts))
        self.row("UploadPart, ChecksumCRC32 wrong", lambda: self._part_crc_wrong(parts[0]))

    def _list_parts(self, key, uid, parts) -> str:
        page = self.client.list_parts(Bucket=self.bucket, Key=key, UploadId=uid, MaxParts=2)
        sizes = [p["Size"] for p in page.get("Parts", [])]
        said = f"{len(sizes)} parts on page 1, truncated={page.get('IsTruncated')}"
        if page.get("IsTruncated"):
            rest = self.client.list_parts(Bucket=self.bucket, Key=key, UploadId=uid,
                                          PartNumberMarker=page["NextPartNumberMarker"])
            sizes += [p["Size"] for p in rest.get("Parts", [])]
        ok = sizes == [len(p) for p in parts]
        return said + ("; sizes right" if ok else f"; sizes {sizes}")

    def _complete_wrong(self, uid) -> str:
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key="mp", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}]})
        return "accepted (!)"

    def _small_part(self) -> str:
        c, b = self.client, self.bucket
        uid = c.create_multipart_upload(Bucket=b, Key="tiny")["UploadId"]
        e1 = c.upload_part(Bucket=b, Key="tiny", UploadId=uid, PartNumber=1, Body=b"a")["ETag"]
        e2 = c.upload_part(Bucket=b, Key="tiny", UploadId=uid, PartNumber=2, Body=b"b")["ETag"]
        try:
            c.complete_multipart_upload(Bucket=b, Key="tiny", UploadId=uid, MultipartUpload={
                "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
            return "accepted (no 5 MiB minimum)"
        except ClientError as e:
            return _error(e)

    def _abort(self) -> str:
        c, b = self.client, self.bucket
        uid = c.create_multipart_upload(Bucket=b, Key="gone")["UploadId"]
        c.upload_part(Bucket=b, Key="gone", UploadId=uid, PartNumber=1, Body=b"x")
        c.abort_multipart_upload(Bucket=b, Key="gone", UploadId=uid)
        try:
            c.list_parts(Bucket=b, Key="gone", UploadId=uid)
            return "aborted, but ListParts still answers"
        except ClientError as e:
            return f"aborted; ListParts then {_error(e)}"

    def _multipart_crc(self, parts) -> str:
        c, b = self.client, self.bucket
        uid = c.create_multipart_upload(Bucket=b, Key="mp-crc", ChecksumAlgorithm="CRC32")["UploadId"]
        listing, echoed = [], 0
        for n, data in enumerate(parts, 1):
            value = crc32_b64(data)
            reply = c.upload_part(Bucket=b, Key="mp-crc", UploadId=uid, PartNumber=n, Body=data,
                                  ChecksumCRC32=value, ChecksumAlgorithm="CRC32")
            echoed += reply.get("ChecksumCRC32") == value
            listing.append({"PartNumber": n, "ETag": reply["ETag"], "ChecksumCRC32": value})
        listed = c.list_parts(Bucket=b, Key="mp-crc", UploadId=uid).get("Parts", [])
        in_list = sum(1 for p in listed if p.get("ChecksumCRC32"))
        c.complete_multipart_upload(Bucket=b, Key="mp-crc", UploadId=uid,
                                    MultipartUpload={"Parts": listing})
        return (f"accepted; UploadPart echoed {echoed}/{len(parts)}; ListParts gave "
                f"{in_list}/{len(parts)} part checksums")

    def _part_crc_wrong(self, data) -> str:
        c, b = self.client, self.bucket
        uid = c.create_multipart_upload(Bucket=b, Key="bad-crc", ChecksumAlgorithm="CRC32")["UploadId"]
        try:
            c.upload_part(Bucket=b, Key="bad-crc", UploadId=uid, PartNumber=1, Body=data,
                          ChecksumCRC32=crc32_b64(data + b"x"), ChecksumAlgorithm="CRC32")
            return "accepted (not checked)"
        finally:
            c.abort_multipart_upload(Bucket=b, Key="bad-crc", UploadId=uid)

    def _virtual_host(self) -> str:
        """A signed GetObject addressed as bucket.localhost, sent to the loopback address."""
        from urllib.parse import urlsplit, urlunsplit
        url = urlsplit(self.endpoint_url or "")
        if url.hostname not in ("127.0.0.1", "localhost"):
            return "not probed (loopback stores only)"
        client = boto3.client("s3", endpoint_url=f"http://localhost:{url.port}",
                              region_name=self.client.meta.region_name,
                              config=Config(s3={"addressing_style": "virtual"},
                                            retries={"max_attempts": 1}))

        def to_loopback(request, **_):
            # signed for bucket.localhost; connect to 127.0.0.1 with that Host header
            target = urlsplit(request.url)
            request.headers["Host"] = target.netloc
            request.url = urlunsplit(target._replace(netloc=f"127.0.0.1:{url.port}"))

        client.meta.events.register("before-send.s3", to_loopback)
        body = client.get_object(Bucket=self.bucket, Key="small")["Body"].read()
        return "served" if len(body) == 4096 else f"answered {len(body)} bytes"


def print_table(results: dict[str, dict[str, str]]) -> None:
    names = list(results)
    print("| probe (boto3 call) | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for row in next(iter(results.values())):
        cells = [results[n].get(row, "") for n in names]
        print(f"| {row} | " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", help="probe this store instead of starting moto and SeaweedFS")
    args = parser.parse_args()
    if args.endpoint:
        print_table({args.endpoint: Probe(args.endpoint).run()})
        return 0
    sys.path.insert(0, str(Path(__file__).parent))
    from s3server import RecordingS3Server
    from seaweedfs import INSTALL_COMMAND, SeaweedS3Server, weed_binary
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    results = {}
    moto = RecordingS3Server().start()
    try:
        import moto as moto_package
        results[f"moto {moto_package.__version__}"] = Probe(moto.endpoint_url).run()
    finally:
        moto.stop()
    binary = weed_binary()
    if binary is None:
        print(f"SeaweedFS is not installed ({INSTALL_COMMAND}); probing moto only.",
              file=sys.stderr)
    else:
        weed = SeaweedS3Server(binary).start()
        try:
            results[f"SeaweedFS {weed.version.split()[2]}"] = Probe(weed.endpoint_url).run()
        finally:
            weed.stop()
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
