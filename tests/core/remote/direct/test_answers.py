"""A success answer read from its headers is what botocore's parser makes of it."""

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.endpoint import convert_to_response_dict
from botocore.parsers import ResponseParserFactory
from urllib3 import HTTPHeaderDict

from hoist.core.remote.direct.answers import HeaderReader

ANSWER = {"ETag": '"5d41402abc4b2a76b9719d911017c592"', "x-amz-checksum-crc32": "NhCmhg==",
          "x-amz-checksum-type": "FULL_OBJECT", "x-amz-server-side-encryption": "aws:kms",
          "x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:k",
          "x-amz-server-side-encryption-bucket-key-enabled": "true",
          "x-amz-server-side-encryption-customer-algorithm": "AES256",
          "x-amz-server-side-encryption-customer-key-MD5": "Nmw8+Rh2uIJxJUNqTk3ytA==",
          "x-amz-version-id": "v1", "x-amz-object-size": "5", "x-amz-request-id": "R1",
          "x-amz-id-2": "H2", "Content-Length": "0", "Server": "AmazonS3"}


class _Raw:
    def stream(self, *args, **kwargs):
        return iter([b""])


@pytest.fixture(scope="module")
def s3_model():
    return botocore.session.get_session().get_service_model("s3")


@pytest.mark.parametrize("operation", ["PutObject", "UploadPart"])
@pytest.mark.parametrize("headers", [ANSWER, {"ETag": '"e"', "Content-Length": "0"}])
def test_the_answer_reads_as_botocore_parses_it(s3_model, operation, headers):
    model = s3_model.operation_model(operation)
    response = AWSResponse("http://x", 200, HTTPHeaderDict(headers), _Raw())
    expected = ResponseParserFactory().create_parser("rest-xml").parse(
        convert_to_response_dict(response, model), model.output_shape)
    expected["ResponseMetadata"]["RetryAttempts"] = 0
    reader = HeaderReader(model.output_shape)
    assert reader.complete
    assert reader.read(200, response.headers) == expected
