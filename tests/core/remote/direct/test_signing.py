"""The direct path's signer is botocore's S3SigV4Auth: the same headers, the same signature."""

import datetime
import io

import botocore.auth
import pytest
from botocore.auth import SIGV4_TIMESTAMP, S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from hoist.core.remote.direct.signing import DirectSigner, PlainRequest, host_of

NOW = datetime.datetime(2026, 12, 5, 6, 7, 8)
HEADERS = {"Content-Length": "3", "Content-Type": "text/csv", "Content-MD5": "kAFQmDzST7DWlj99KOF/cg==",
           "x-amz-checksum-crc32": "NSRBwg==", "x-amz-meta-mtime": "  1700000000.5   x ",
           "x-amz-server-side-encryption-customer-algorithm": "AES256",
           "x-amz-server-side-encryption-customer-key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
           "x-amz-server-side-encryption-customer-key-MD5": "Nmw8+Rh2uIJxJUNqTk3ytA==",
           "Expect": "100-continue", "User-Agent": "Botocore/1.44", "amz-sdk-request": "attempt=1; max=1"}


@pytest.mark.parametrize("url,payload_signing", [
    ("https://bucket.s3.eu-west-1.amazonaws.com/a%20b/%C3%BC%2B%25~//x?partNumber=2&uploadId=u%2Bv",
     False),
    ("http://127.0.0.1:9000/bucket//lead", None),         # plain HTTP: the body is hashed
])
def test_the_signature_is_botocores(monkeypatch, url, payload_signing):
    credentials = Credentials("AKIDEXAMPLE", "secret", "session-token")
    context = {"client_config": Config(s3={"payload_signing_enabled": payload_signing}),
               "has_streaming_input": True}
    reference = AWSRequest("PUT", url, headers=dict(HEADERS), data=io.BytesIO(b"abc"))
    reference.context = dict(context)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW)
    S3SigV4Auth(credentials, "s3", "eu-west-1").add_auth(reference)
    plain = PlainRequest("PUT", url, dict(HEADERS), io.BytesIO(b"abc"), dict(context),
                         host_of(url))
    DirectSigner(credentials, "s3", "eu-west-1").sign_at(plain, NOW.strftime(SIGV4_TIMESTAMP))
    assert {name.lower(): value for name, value in plain.headers.items()} == {
        name.lower(): value for name, value in reference.headers.items()}
    assert plain.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert plain.body.tell() == 0           # a hashed body is rewound for sending
