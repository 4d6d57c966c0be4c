"""The direct path of PutObject and UploadPart (core/remote/direct/) against real servers:
what it sends and stores is what botocore's path sends and stores, its failures are
botocore's, and it was really taken (its sends are counted)."""

import io
import logging
import sys

import pytest
from botocore.exceptions import ClientError

from hoist.core.remote.checksums import md5_b64, part_checksum
from hoist.core.remote.direct.switch import direct_requests
from hoist.core.remote.errors import ErrorKind, S3Error
from hoist.core.remote.objects import CustomerKey, ObjectSettings
from hoist.core.remote.s3 import Destination, S3Clients
from hoist.engine.progress import ProgressBody
from support.faultproxy import FaultProxy

MiB = 1024 * 1024
KEY = CustomerKey(bytes(range(32)))
SETTINGS = ObjectSettings(
    content_type="text/csv", cache_control="no-cache", content_disposition="attachment",
    content_language="en", metadata={"who": "me"}, tags={"a": "b c", "d": "e"},
    storage_class="STANDARD_IA").with_source_mtime(1_700_000_000_123_456_789)
# names whose values differ between any two requests
VARYING = {"authorization", "x-amz-date", "amz-sdk-invocation-id"}
KEYS = ("a b/ü+%~//x", "/lead", "plus+sign", "100%", "tilde~", "x//y", "sp ace", "é/ü")


def through_botocore(dest: Destination):
    """A Bucket whose clients never take the direct path ($HOIST_DIRECT=0)."""
    clients = S3Clients()
    clients.direct = False
    return clients.bucket(dest)


def put(remote, key: str, body: bytes = b"some bytes", **options):
    return remote.put_object(key, io.BytesIO(body), len(body), part_checksum(body, "CRC32"),
                             md5_b64(body), **options)


@pytest.fixture
def dest(s3_server, bucket):
    return Destination(bucket, endpoint_url=s3_server.endpoint_url)


@pytest.fixture
def remote(dest):
    return S3Clients().bucket(dest)


def test_a_put_goes_direct_once_botocore_showed_the_way_and_stores_the_same(
        remote, dest, s3, s3_server, bucket):
    direct = direct_requests(remote.client())
    for key in ("via-botocore", "via-direct"):
        put(remote, key, settings=SETTINGS)
    assert direct.sent == 1 and direct.knows(bucket)
    botocore_sent, direct_sent = (r.headers for r in s3_server.of("PutObject", bucket)[-2:])
    assert set(direct_sent) == set(botocore_sent)
    assert ({k: v for k, v in direct_sent.items() if k not in VARYING}
            == {k: v for k, v in botocore_sent.items() if k not in VARYING})
    heads = [s3.head_object(Bucket=bucket, Key=key) for key in ("via-botocore", "via-direct")]
    for name in ("ContentType", "CacheControl", "ContentDisposition", "ContentLanguage",
                 "Metadata", "StorageClass", "ETag", "ContentLength"):
        assert heads[0].get(name) == heads[1].get(name), name
    tags = [s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
            for key in ("via-botocore", "via-direct")]
    assert tags[0] == tags[1] and tags[0]
    assert s3.get_object(Bucket=bucket, Key="via-direct")["Body"].read() == b"some bytes"


def test_parts_go_direct_after_create_with_sse_c_and_complete_as_via_botocore(
        dest, s3, s3_server, bucket, make_file):
    path = make_file("big.bin", 5 * MiB + 3, seed=2)
    data = path.read_bytes()
    settings = ObjectSettings(sse_c_key_md5=KEY.md5)
    read = []
    remote = S3Clients().bucket(dest)
    for each, key in ((remote, "direct"), (through_botocore(dest), "botocore")):
        upload_id = each.create_multipart(key, "CRC32", settings, KEY)     # teaches the base
        parts = []
        for number, offset, size in ((1, 0, 5 * MiB), (2, 5 * MiB, 3)):
            body = ProgressBody(str(path), offset, size, read.append, lambda: False)
            checksum = part_checksum(data[offset:offset + size], "CRC32")
            etag, _ = each.upload_part(key, upload_id, number, body, size, checksum, None,
                                       settings=settings, customer_key=KEY)
            body.close()
            parts.append((number, etag, checksum))
        each.complete(key, upload_id, parts, "CRC32", settings, KEY)
    assert direct_requests(remote.client()).sent == 2
    assert sum(read) == 2 * len(data)                       # streamed from the file
    sent = s3_server.of("UploadPart", bucket)
    assert len(sent) == 4
    for direct_part, botocore_part in zip(sent[:2], sent[2:]):
        assert set(direct_part.headers) == set(botocore_part.headers)
        assert ({k: v for k, v in direct_part.headers.items() if k not in VARYING}
                == {k: v for k, v in botocore_part.headers.items() if k not in VARYING})
        assert direct_part.headers["x-amz-server-side-encryption-customer-key"] == KEY.as_text()
    heads = [s3.head_object(Bucket=bucket, Key=key, **KEY.params())
             for key in ("direct", "botocore")]
    assert heads[0]["ETag"] == heads[1]["ETag"] and heads[0]["ContentLength"] == len(data)
    got = s3.get_object(Bucket=bucket, Key="direct", **KEY.params())["Body"].read()
    assert got == data


def test_keys_sse_c_and_refusals_are_as_via_botocore(any_store):
    """Keys quoted as botocore quotes them; an SSE-C object that needs its key; a wrong
    Content-MD5 and a wrong CRC32 refused (where the store checks) with the same error."""
    dest = Destination(any_store.bucket, endpoint_url=any_store.endpoint_url)
    remote, other = S3Clients().bucket(dest), through_botocore(dest)
    direct = direct_requests(remote.client())
    put(remote, "teach")
    for n, key in enumerate(KEYS):
        put(remote, f"d/{key}", f"{n}".encode())
        put(other, f"b/{key}", f"{n}".encode())
    put(remote, "sse-c", b"secret bytes", customer_key=KEY)
    assert direct.sent == len(KEYS) + 1
    listed = [o["Key"] for o in any_store.client.list_objects_v2(
        Bucket=any_store.bucket)["Contents"]]
    assert sorted(k[2:] for k in listed if k.startswith("d/")) == sorted(
        k[2:] for k in listed if k.startswith("b/"))
    for key in listed:
        if key.startswith("d/"):
            got = any_store.client.get_object(Bucket=any_store.bucket, Key=key)["Body"].read()
            assert got == any_store.client.get_object(
                Bucket=any_store.bucket, Key="b/" + key[2:])["Body"].read()
    head = any_store.client.head_object(Bucket=any_store.bucket, Key="sse-c", **KEY.params())
    assert head["ContentLength"] == len(b"secret bytes")
    if any_store.name == "seaweedfs":                # moto keeps SSE-C headers but checks none
        with pytest.raises(ClientError):
            any_store.client.head_object(Bucket=any_store.bucket, Key="sse-c")
    wrong_md5 = md5_b64(b"other bytes")
    wrong_crc = part_checksum(b"other bytes", "CRC32")
    for checksum, md5 in ((part_checksum(b"abc", "CRC32"), wrong_md5), (wrong_crc, None)):
        outcomes = []
        for each in (remote, other):
            put(each, "teach")
            try:
                each.put_object("bad", io.BytesIO(b"abc"), 3, checksum, md5)
                outcomes.append("stored")
            except S3Error as error:
                outcomes.append((error.kind, error.code))
        assert outcomes[0] == outcomes[1]
        if any_store.name == "seaweedfs":
            assert outcomes[0][1] == "BadDigest"


def test_an_error_answer_goes_back_to_botocore_which_learns_again(remote, dest, s3_server,
                                                                  bucket):
    direct = direct_requests(remote.client())
    put(remote, "teach")
    outcomes = []
    for bucket_path in (remote, through_botocore(dest)):
        put(bucket_path, "teach")
        s3_server.fail_next("PutObject", status=503, code="SlowDown")
        with pytest.raises(S3Error) as caught:
            put(bucket_path, "refused")
        outcomes.append((caught.value.kind, caught.value.code, caught.value.message))
    assert outcomes[0] == outcomes[1] and outcomes[0][0] is ErrorKind.RETRYABLE
    assert direct.sent == 2 and not direct.knows(bucket)
    put(remote, "through-botocore")                 # botocore sends it, and shows the way again
    assert direct.sent == 2 and direct.knows(bucket)
    put(remote, "direct-again")
    assert direct.sent == 3
    upload_id = remote.create_multipart("k", "")
    s3_server.fail_next("UploadPart", status=404, code="NoSuchUpload")
    with pytest.raises(S3Error) as caught:
        remote.upload_part("k", upload_id, 1, io.BytesIO(b"abc"), 3, None, None)
    assert caught.value.kind is ErrorKind.NO_SUCH_UPLOAD and direct.sent == 4


def test_a_lost_connection_raises_what_botocore_raises(s3_server, bucket):
    with FaultProxy(s3_server.endpoint_url) as proxy:
        dest = Destination(bucket, endpoint_url=proxy.endpoint_url)
        client, other = S3Clients().client_for(dest), through_botocore(dest).client()
        direct = direct_requests(client)
        for cut in (lambda: proxy.truncate_response(match="PutObject"),
                    lambda: proxy.reset_mid_body(match="PutObject")):
            raised = []
            for send in (lambda **params: direct.call("PutObject", params), other.put_object):
                client.put_object(Bucket=bucket, Key="teach", Body=b"x")
                cut()
                with pytest.raises(Exception) as caught:
                    send(Bucket=bucket, Key="cut", Body=io.BytesIO(b"abc"), ContentLength=3)
                raised.append(type(caught.value))
                proxy.restore()
                proxy.clear()
            assert raised[0] is raised[1], raised
        assert direct.sent == 2 and direct.knows(bucket)    # no answer: nothing to unlearn


def test_refreshing_credentials_are_refreshed(tmp_path, s3_server, bucket, monkeypatch):
    """A credential_process whose answers expire within botocore's refresh window: every
    request refreshes them, and each is signed with the key of the latest answer."""
    count = tmp_path / "count"
    script = tmp_path / "process.py"
    script.write_text(
        "import datetime, json, os, sys\n"
        "path = sys.argv[1]\n"
        "n = (int(open(path).read()) if os.path.exists(path) else 0) + 1\n"
        "open(path, 'w').write(str(n))\n"
        "expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)\n"
        "print(json.dumps({'Version': 1, 'AccessKeyId': f'AKIDREFRESH{n}',\n"
        "                  'SecretAccessKey': 's', 'Expiration': expiry.isoformat()}))\n")
    config = tmp_path / "aws-config"
    config.write_text(f"[profile refreshing]\ncredential_process = {sys.executable} {script} "
                      f"{count}\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    remote = S3Clients().bucket(Destination(bucket, endpoint_url=s3_server.endpoint_url,
                                            profile="refreshing"))
    direct = direct_requests(remote.client())
    put(remote, "teach")
    before = int(count.read_text())
    put(remote, "one")
    put(remote, "two")
    assert direct.sent == 2 and int(count.read_text()) >= before + 2
    signed = s3_server.of("PutObject", bucket)[-1].headers["authorization"]
    assert f"Credential=AKIDREFRESH{count.read_text()}/" in signed


def test_a_direct_put_with_sse_c_logs_neither_its_key_nor_its_signature(
        remote, s3_server, bucket, caplog):
    direct = direct_requests(remote.client())
    put(remote, "teach", customer_key=KEY)
    for name in ("", "botocore", "urllib3", "hoist"):
        caplog.set_level(logging.DEBUG, logger=name)
    put(remote, "secret", customer_key=KEY)
    assert direct.sent == 1
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "PUT /" in logged                        # the log was captured (urllib3's line)
    signature = s3_server.of("PutObject", bucket)[-1].headers["authorization"].split(
        "Signature=")[1]
    assert signature not in logged and KEY.as_text() not in logged
    assert "authorization" not in logged.lower()


def test_hoist_direct_0_sends_everything_through_botocore(monkeypatch, dest, s3_server, bucket):
    monkeypatch.setenv("HOIST_DIRECT", "0")
    remote = S3Clients().bucket(dest)
    put(remote, "one")
    put(remote, "two")
    assert direct_requests(remote.client()) is None and s3_server.count("PutObject", bucket) == 2


def test_a_direct_put_over_https_trusts_what_the_client_trusts(tls, bucket, s3):
    remote = S3Clients().bucket(Destination(bucket, endpoint_url=tls.good.endpoint_url,
                                            ca_bundle=str(tls.ca.path)))
    put(remote, "teach")
    put(remote, "over-tls", b"through the CA bundle")
    assert direct_requests(remote.client()).sent == 1
    assert s3.get_object(Bucket=bucket, Key="over-tls")["Body"].read() == b"through the CA bundle"
