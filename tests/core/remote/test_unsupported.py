"""A 405 or 501 to an operation some stores lack is an answer, not a fault to retry."""

import pytest
from botocore.exceptions import ClientError

from hoist.core.remote.errors import ErrorKind, classify


def refusal(status: int, code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "nope"},
                        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {
                            "content-type": "application/xml"}}}, "Op")


@pytest.mark.parametrize("status, code", [(501, "NotImplemented"), (405, "MethodNotAllowed")])
@pytest.mark.parametrize("operation", ["ListParts", "AbortMultipartUpload", "GetObjectAttributes"])
def test_optional_operations_are_unsupported_not_retried(operation, status, code):
    error = classify(refusal(status, code), operation=operation, bucket="b", key="k",
                     endpoint_url="http://127.0.0.1:9000")
    assert error.kind is ErrorKind.UNSUPPORTED
    assert operation in error.message and "127.0.0.1:9000" in error.message


def test_a_501_elsewhere_is_as_before():
    error = classify(refusal(501, "NotImplemented"), operation="UploadPart", bucket="b", key="k")
    assert error.kind is ErrorKind.RETRYABLE
