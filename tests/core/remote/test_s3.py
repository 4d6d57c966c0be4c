"""The S3 layer against moto's server over HTTP: clients, credentials, every call the engine makes."""

import hashlib
import io
import threading

import pytest

from hoist.core.remote.checksums import md5_b64, multipart_etag, part_checksum
from hoist.core.remote.errors import ErrorKind, S3Error
from hoist.core.remote.objects import CustomerKey, ObjectSettings
from hoist.core.remote.s3 import Destination, RemotePart, S3Clients
from hoist.core.settings.secrets import SecretStore

MiB = 1024 * 1024


@pytest.fixture
def clients():
    return S3Clients(max_pool_connections=8, secrets=SecretStore())


@pytest.fixture
def dest(s3_server, bucket):
    return Destination(bucket, endpoint_url=s3_server.endpoint_url)


@pytest.fixture
def remote(clients, dest):
    return clients.bucket(dest)


def key_id_of(request) -> str:
    """The access key id a recorded request was signed with."""
    return request.headers["authorization"].split("Credential=")[1].split("/")[0]


# -- clients ---------------------------------------------------------------------------------

def test_one_client_per_destination(clients, s3_server):
    url = s3_server.endpoint_url
    first = clients.client_for(Destination("bucket-a", endpoint_url=url))
    assert clients.client_for(Destination("bucket-a", endpoint_url=url)) is first
    assert clients.client_for(Destination("bucket-b", endpoint_url=url)) is first
    assert clients.client_for(Destination("bucket-a", endpoint_url=url, path_style=True)) is not first
    assert clients.client_for(Destination("bucket-a", endpoint_url=url, account="other")) is not first


def test_threads_share_one_client(clients, dest):
    got, start = [], threading.Barrier(8)

    def fetch():
        start.wait()
        got.append(clients.client_for(dest))

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 8 and len({id(c) for c in got}) == 1


def test_client_configuration(s3_server):
    clients = S3Clients(max_pool_connections=24)
    config = clients.client_for(Destination("b", endpoint_url=s3_server.endpoint_url,
                                            path_style=True)).meta.config
    assert config.max_pool_connections == 24
    assert config.retries["total_max_attempts"] == 1           # the engine retries, not botocore
    assert config.request_checksum_calculation == "when_required"
    assert config.response_checksum_validation == "when_required"
    assert (config.connect_timeout, config.read_timeout) == (10, 60)
    assert config.s3["addressing_style"] == "path"


def test_tls_verification(monkeypatch, tmp_path):
    bundle = tmp_path / "corporate-ca.pem"
    bundle.write_text("not used until a request is made")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(bundle))
    clients = S3Clients(1)
    on = clients.client_for(Destination("b", endpoint_url="https://minio.example.test"))
    off = clients.client_for(Destination("b", endpoint_url="https://minio.example.test",
                                         verify_tls=False))
    assert on._endpoint.http_session._verify == str(bundle)    # AWS_CA_BUNDLE still honoured
    assert off._endpoint.http_session._verify is False


def test_an_invalid_endpoint_url_is_fatal(clients):
    with pytest.raises(S3Error) as caught:
        clients.bucket(Destination("b", endpoint_url="minio:9000")).check_access()
    assert caught.value.kind is ErrorKind.FATAL and "not a valid endpoint URL" in caught.value.message


# -- credentials -----------------------------------------------------------------------------

def test_default_credential_chain(remote, s3_server, bucket):
    remote.check_access()
    assert key_id_of(s3_server.of("ListObjects", bucket)[-1]) == "testing"


def test_access_key_with_its_secret_from_the_keyring(clients, s3_server, bucket):
    clients.secrets.set("minio", "AKIDMINIO", "minio-secret")
    remote = clients.bucket(Destination(bucket, endpoint_url=s3_server.endpoint_url,
                                        account="minio", access_key_id="AKIDMINIO"))
    remote.check_access()
    assert key_id_of(s3_server.of("ListObjects", bucket)[-1]) == "AKIDMINIO"


def test_access_key_without_its_secret(clients, s3_server, bucket):
    remote = clients.bucket(Destination(bucket, endpoint_url=s3_server.endpoint_url,
                                        account="minio", access_key_id="AKIDLOST"))
    with pytest.raises(S3Error) as caught:
        remote.check_access()
    assert caught.value.kind is ErrorKind.FATAL and "account minio" in caught.value.message
    assert s3_server.count("ListObjects", bucket) == 0


def test_profile(clients, s3_server, bucket, tmp_path, monkeypatch):
    config = tmp_path / "aws-config"
    config.write_text("[profile work]\naws_access_key_id = AKIDWORK\n"
                      "aws_secret_access_key = work-secret\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    clients.bucket(Destination(bucket, endpoint_url=s3_server.endpoint_url,
                               profile="work")).check_access()
    assert key_id_of(s3_server.of("ListObjects", bucket)[-1]) == "AKIDWORK"


def test_unknown_profile(clients, s3_server, bucket):
    with pytest.raises(S3Error) as caught:
        clients.bucket(Destination(bucket, endpoint_url=s3_server.endpoint_url,
                                   profile="nope")).check_access()
    assert caught.value.kind is ErrorKind.FATAL and "profile nope" in caught.value.message


def test_no_credentials_anywhere(clients, s3_server, bucket, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")    # no instance metadata lookups
    with pytest.raises(S3Error) as caught:
        clients.bucket(Destination(bucket, endpoint_url=s3_server.endpoint_url)).check_access()
    assert caught.value.kind is ErrorKind.FATAL and caught.value.code == "NoCredentials"


def test_a_corrected_secret_is_used_after_a_credentials_error(clients, s3_server, bucket):
    dest = Destination(bucket, endpoint_url=s3_server.endpoint_url, account="minio",
                       access_key_id="AKIDMINIO")
    clients.secrets.set("minio", "AKIDMINIO", "mistyped")
    first = clients.client_for(dest)
    s3_server.fail_next("ListObjects", status=403, code="SignatureDoesNotMatch")
    with pytest.raises(S3Error):
        clients.bucket(dest).check_access()
    clients.secrets.set("minio", "AKIDMINIO", "corrected")
    clients.bucket(dest).check_access()
    second = clients.client_for(dest)
    assert second is not first
    assert second._request_signer._credentials.secret_key == "corrected"


def test_a_fresh_check_reads_the_profile_again_and_its_client_is_shared_from_then_on(
        clients, s3_server, bucket, tmp_path, monkeypatch):
    config = tmp_path / "aws-config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    config.write_text("[profile role]\naws_access_key_id = AKIDOLD\naws_secret_access_key = s1\n")
    remote = clients.bucket(Destination(bucket, endpoint_url=s3_server.endpoint_url,
                                        profile="role"))
    remote.check_access()
    stale = clients.client_for(remote.dest)
    config.write_text("[profile role]\naws_access_key_id = AKIDNEW\naws_secret_access_key = s2\n")
    remote.check_access()                        # the shared client keeps what it read
    assert key_id_of(s3_server.of("ListObjects", bucket)[-1]) == "AKIDOLD"
    remote.check_access(fresh=True)              # the probe's: a new session, new credentials
    remote.check_access()                        # and every request after it
    assert [key_id_of(r) for r in s3_server.of("ListObjects", bucket)[-2:]] == ["AKIDNEW"] * 2
    renewed = clients.client_for(remote.dest)
    clients.forget(remote.dest, stale)           # a late refusal of the old client:
    assert clients.client_for(remote.dest) is renewed      # the renewed one stays


# -- the calls -------------------------------------------------------------------------------

def test_multipart_round_trip(remote, s3_server, bucket, make_file, sha256_file, download_sha256):
    path = make_file("big.bin", 5 * MiB + 12345, seed=1)
    data = path.read_bytes()
    pieces = [(1, 0, 5 * MiB), (2, 5 * MiB, len(data) - 5 * MiB)]
    upload_id = remote.create_multipart("dir/big.bin", "CRC32")
    sent = []
    with open(path, "rb") as f:
        for number, offset, size in pieces:
            piece = data[offset:offset + size]
            f.seek(offset)
            body = io.BytesIO(f.read(size)) if number == 1 else piece    # file-like and bytes
            checksum = part_checksum(piece, "CRC32")
            etag, echoed = remote.upload_part("dir/big.bin", upload_id, number, body, size,
                                              checksum, None)
            assert etag == f'"{hashlib.md5(piece).hexdigest()}"'
            assert echoed in (None, checksum)           # moto does not echo; AWS does
            sent.append((number, etag, checksum))
    listed = remote.list_parts("dir/big.bin", upload_id)
    assert [(p.number, p.size, p.etag) for p in listed] == [
        (n, size, etag) for (n, _, size), (_, etag, _) in zip(pieces, sent)]
    etag = remote.complete("dir/big.bin", upload_id, sent)
    assert etag == multipart_etag([e for _, e, _ in sent])
    head = remote.head("dir/big.bin")
    assert (head.size, head.etag) == (len(data), etag)
    assert download_sha256(bucket, "dir/big.bin") == sha256_file(path)
    # what went over the wire: the algorithm at creation, a CRC32 header on every part
    create = s3_server.of("CreateMultipartUpload", bucket)[-1]
    assert create.headers["x-amz-checksum-algorithm"] == "CRC32"
    parts = s3_server.of("UploadPart", bucket)
    assert [p.headers["x-amz-checksum-crc32"] for p in parts] == [c for _, _, c in sent]
    assert all("content-md5" not in p.headers for p in parts)
    with pytest.raises(S3Error) as caught:
        remote.list_parts("dir/big.bin", upload_id)
    assert caught.value.kind is ErrorKind.NO_SUCH_UPLOAD


def test_list_parts_pages(remote, s3_server, bucket):
    upload_id = remote.create_multipart("paged", "")
    for number in range(1, 6):
        remote.upload_part("paged", upload_id, number, b"x" * number, number, None, None)
    s3_server.reset()
    parts = remote.list_parts("paged", upload_id, page_size=2)
    assert [(p.number, p.size) for p in parts] == [(n, n) for n in range(1, 6)]
    assert all(isinstance(p, RemotePart) and p.etag for p in parts)
    assert s3_server.count("ListParts", bucket) == 3
    assert [r.query.get("part-number-marker") for r in s3_server.of("ListParts", bucket)] == [
        ["0"], ["2"], ["4"]]
    assert remote.list_parts("paged", upload_id) == parts          # one page of 1,000


def test_no_checksum_means_no_checksum_header(remote, s3_server, bucket):
    upload_id = remote.create_multipart("plain", "")
    remote.upload_part("plain", upload_id, 1, b"abc", 3, None, None)
    remote.put_object("whole", b"abc", 3, None, None)
    for request in s3_server.of("UploadPart", bucket) + s3_server.of("PutObject", bucket):
        assert not any(h.startswith("x-amz-checksum") for h in request.headers)
        assert "content-md5" not in request.headers
    assert "x-amz-checksum-algorithm" not in s3_server.of("CreateMultipartUpload", bucket)[-1].headers


def test_put_object_and_head(remote, s3_server, bucket):
    body = b"small file"
    sent = remote.put_object("small.txt", body, len(body), part_checksum(body, "CRC32"),
                             md5_b64(body))
    etag = sent.etag
    assert etag == f'"{hashlib.md5(body).hexdigest()}"'
    assert sent.size == len(body)       # moto echoes no checksum in the PUT's answer; S3 does
    put = s3_server.of("PutObject", bucket)[-1]
    assert put.headers["content-md5"] == md5_b64(body)
    assert put.headers["x-amz-checksum-crc32"] == part_checksum(body, "CRC32")
    head = remote.head("small.txt")
    assert (head.size, head.etag) == (len(body), etag) and head.last_modified is not None
    assert remote.head("absent.txt") is None


def test_abort_and_list_multipart_uploads(remote, bucket):
    a = remote.create_multipart("photos/a.jpg", "CRC32")
    b = remote.create_multipart("photos/b.jpg", "CRC32")
    c = remote.create_multipart("videos/c.mp4", "CRC32")
    found = remote.list_multipart_uploads(prefix="photos/")
    assert {(u.key, u.upload_id) for u in found} == {("photos/a.jpg", a), ("photos/b.jpg", b)}
    assert all(u.initiated is not None for u in found)
    remote.abort("photos/a.jpg", a)
    assert {u.upload_id for u in remote.list_multipart_uploads()} == {b, c}
    with pytest.raises(S3Error) as caught:
        remote.list_parts("photos/a.jpg", a)
    assert caught.value.kind is ErrorKind.NO_SUCH_UPLOAD


def test_check_access(remote, s3_server):
    remote.check_access()
    with pytest.raises(S3Error) as caught:
        S3Clients(1).bucket(Destination("missing-bucket-xyz",
                                        endpoint_url=s3_server.endpoint_url)).check_access()
    assert caught.value.code == "NoSuchBucket"


# -- stores that refuse flexible checksums ---------------------------------------------------

def test_a_store_that_refuses_checksums_gets_content_md5(clients, remote, dest, s3_server, bucket):
    s3_server.fail_next("CreateMultipartUpload", status=400, code="InvalidArgument",
                        message="x-amz-checksum-algorithm header is not supported")
    assert remote.checksum_supported
    with pytest.raises(S3Error) as caught:
        remote.create_multipart("k", "CRC32")
    assert caught.value.kind is ErrorKind.RETRYABLE        # try again, without checksums
    assert not remote.checksum_supported
    assert not clients.bucket(Destination("other-bucket", endpoint_url=dest.endpoint_url)
                              ).checksum_supported           # remembered for the endpoint
    assert S3Clients(1).bucket(dest).checksum_supported      # by these clients only
    # the caller's fallback: no algorithm, Content-MD5 on the part
    upload_id = remote.create_multipart("k", "")
    remote.upload_part("k", upload_id, 1, b"abc", 3, None, md5_b64(b"abc"))
    part = s3_server.of("UploadPart", bucket)[-1]
    assert part.headers["content-md5"] == md5_b64(b"abc")
    assert not any(h.startswith("x-amz-checksum") for h in part.headers)
    # and complete sends no part checksums either
    assert remote.complete("k", upload_id, [(1, f'"{hashlib.md5(b"abc").hexdigest()}"',
                                             part_checksum(b"abc", "CRC32"))])


def test_not_implemented_on_a_part_also_turns_checksums_off(remote, s3_server):
    upload_id = remote.create_multipart("k", "CRC32")
    s3_server.fail_next("UploadPart", status=501, code="NotImplemented",
                        message="A header you provided implies functionality that is not implemented")
    with pytest.raises(S3Error):
        remote.upload_part("k", upload_id, 1, b"abc", 3, part_checksum(b"abc", "CRC32"), None)
    assert not remote.checksum_supported


def test_a_chosen_checksum_is_never_dropped(remote, s3_server):
    """Only the default checksum may quietly give way to Content-MD5; a chosen one fails."""
    chosen = ObjectSettings(checksum_algorithm="SHA256")
    s3_server.fail_next("CreateMultipartUpload", status=400, code="InvalidArgument",
                        message="x-amz-checksum-algorithm header is not supported")
    with pytest.raises(S3Error) as caught:
        remote.create_multipart("k", "SHA256", chosen)
    assert caught.value.kind is ErrorKind.FATAL and caught.value.code == "ChecksumRefused"
    assert "SHA256" in caught.value.message and "--checksum-algorithm" in caught.value.message
    assert remote.checksum_supported            # nothing learnt: the default still tries it
    remote.checksum_supported = False            # another upload found the store refuses them
    assert remote.wants_checksums(chosen) and not remote.wants_checksums(ObjectSettings())


def test_settings_and_a_customer_key_go_on_every_request(remote, s3_server, bucket):
    key = CustomerKey(bytes(range(32)))
    settings = ObjectSettings(content_type="text/csv", tags={"a": "b"}, sse_c_key_md5=key.md5)
    upload_id = remote.create_multipart("k", "CRC32", settings, key)
    etag, _ = remote.upload_part("k", upload_id, 1, b"abc", 3, part_checksum(b"abc", "CRC32"),
                                 None, settings=settings, customer_key=key)
    remote.list_parts("k", upload_id, customer_key=key)
    remote.complete("k", upload_id, [(1, etag, part_checksum(b"abc", "CRC32"))], "CRC32",
                    settings, key)
    remote.head("k", key)
    create = s3_server.of("CreateMultipartUpload", bucket)[-1].headers
    assert create["content-type"] == "text/csv" and create["x-amz-tagging"] == "a=b"
    for op in ("CreateMultipartUpload", "UploadPart", "ListParts", "CompleteMultipartUpload",
               "HeadObject"):
        headers = s3_server.of(op, bucket)[-1].headers
        assert headers["x-amz-server-side-encryption-customer-key-md5"] == key.md5, op
        assert headers["x-amz-server-side-encryption-customer-algorithm"] == "AES256", op


def test_other_errors_leave_checksums_on(remote, s3_server):
    s3_server.fail_next("CreateMultipartUpload", status=400, code="InvalidArgument",
                        message="Invalid storage class")
    with pytest.raises(S3Error) as caught:
        remote.create_multipart("k", "CRC32")
    assert caught.value.kind is ErrorKind.FATAL
    assert remote.checksum_supported


def test_checksums_can_be_turned_off_by_hand(remote):
    remote.checksum_supported = False
    assert not remote.checksum_supported


def test_injected_failures_then_success(remote, s3_server, bucket):
    s3_server.fail_next("ListObjects", status=503, code="SlowDown", times=2)
    for _ in range(2):
        with pytest.raises(S3Error) as caught:
            remote.check_access()
        assert caught.value.kind is ErrorKind.RETRYABLE
    remote.check_access()
    assert s3_server.count("ListObjects", bucket) == 3
