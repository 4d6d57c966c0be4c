"""Secrets out of text: signatures, session tokens, SSE-C keys, presigned queries; the rest kept."""

import pytest

from hoist.core.remote.errors import ErrorKind, S3Error
from hoist.core.remote.redaction import REDACTED, redact

SIG = "f0e1d2c3b4a5968778695a4b3c2d1e0f" * 2
TOKEN = "FwoGZXIvYXdzEJr//////////wEaDNlcLz+session+token=="
SSEC = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="


@pytest.mark.parametrize("text", [
    f"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request, "
    f"SignedHeaders=host;x-amz-date;x-amz-security-token, Signature={SIG}",
    f"headers={{'X-Amz-Date': b'20240101T000000Z', 'X-Amz-Security-Token': b'{TOKEN}', "
    f"'Authorization': b'AWS4-HMAC-SHA256 Credential=AKID/x, Signature={SIG}'}}",
    f"GET https://b.s3.amazonaws.com/k.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID"
    f"&X-Amz-Security-Token={TOKEN}&X-Amz-Signature={SIG} took 3 s",
    f"X-Amz-Signature={SIG}&X-Amz-Security-Token={TOKEN}",
    f"x-amz-server-side-encryption-customer-key: {SSEC}",
    f"x-amz-copy-source-server-side-encryption-customer-key:{SSEC}",
    f"{{'SSECustomerKey': '{SSEC}', 'Bucket': 'b'}}",
    f"canonical request:\nx-amz-security-token:{TOKEN}\nhost:example",
    f"Signature:\n{SIG}",
    f"Authorization: AWS AKIDEXAMPLE:{SIG[:28]}",
    f"https://b.s3.amazonaws.com/k?AWSAccessKeyId=AKID&Expires=1&Signature={SIG[:27]}%3D",
    f"aws_session_token = {TOKEN}",
])
def test_secrets_are_redacted(text):
    clean = redact(text)
    assert REDACTED in clean
    for secret in (SIG, SIG[:27], TOKEN, SSEC):
        assert secret not in clean, clean


@pytest.mark.parametrize("text", [
    "https://s3.example.test rejected the request signature: check the secret key.",
    "x-amz-server-side-encryption-customer-key-md5: 3q2+7w==",
    "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token",
    "PUT http://127.0.0.1:9000/bucket/key?partNumber=3&uploadId=abc retry 1 (SlowDown)",
    "s3://bucket/photos/Signature stamp.png completed",
])
def test_ordinary_text_is_left_alone(text):
    assert redact(text) == text


def test_an_s3_error_never_carries_a_signature():
    error = S3Error(ErrorKind.FATAL, "SignatureDoesNotMatch",
                    f"refused: the server quoted Authorization: AWS4-HMAC-SHA256 Signature={SIG}")
    assert SIG not in error.message and SIG not in str(error) and SIG not in repr(error)
