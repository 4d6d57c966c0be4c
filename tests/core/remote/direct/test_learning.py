"""What a bucket's base is learnt from: botocore's own requests, as sent and answered."""

from types import SimpleNamespace

import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.hooks import HierarchicalEmitter

from hoist.core.remote.direct.learning import BaseLearner

SIGNED = {"Authorization": b"AWS4-HMAC-SHA256 Credential=AKID/20261205/eu-west-1/s3/aws4_request"}


def request(url: str, bucket: str = "bkt", headers: dict = SIGNED, status: int = 200,
            operation: str = "PutObject", url_path: str = "/a%20b/%C3%BC", **context):
    """botocore's three events of one request; the learner that saw them."""
    events = HierarchicalEmitter()
    learner = BaseLearner(events, "us-east-1", "s3")
    context = {"input_params": {"Bucket": bucket}, "retries": {"max": 1},
               "signing": {"region": "eu-west-1", "signing_name": "s3",
                           "disableDoubleEncoding": True}, **context}
    events.emit(f"before-call.s3.{operation}", params={"url_path": url_path}, context=context)
    events.emit(f"before-send.s3.{operation}",
                request=AWSPreparedRequest("PUT", url, dict(headers), None, False, context))
    events.emit(f"after-call.s3.{operation}", http_response=SimpleNamespace(status_code=status),
                context=context)
    return learner


def test_a_virtual_hosted_bucket_is_learnt_with_its_signing_region():
    base = request("https://bkt.s3.eu-west-1.amazonaws.com/a%20b/%C3%BC").base("bkt")
    assert base.url == "https://bkt.s3.eu-west-1.amazonaws.com"
    assert (base.region, base.signing_name, base.host) == (
        "eu-west-1", "s3", "bkt.s3.eu-west-1.amazonaws.com")


def test_path_style_and_the_query_of_create_and_parts():
    learner = request("http://127.0.0.1:9000/bkt/a%20b/%C3%BC?uploads",
                      operation="CreateMultipartUpload", url_path="/a%20b/%C3%BC?uploads")
    assert learner.base("bkt").url == "http://127.0.0.1:9000/bkt"
    assert learner.base("bkt").host == "127.0.0.1:9000"


@pytest.mark.parametrize("case", [
    dict(status=301), dict(status=403), dict(bucket="arn:aws:s3:eu-west-1:1:accesspoint/ap"),
    dict(headers={}), dict(headers={**SIGNED, "x-amz-s3session-token": b"t"}),
    dict(headers={"Authorization": b"AWS4-ECDSA-P256-SHA256 Credential=AKID/x"}),
    dict(s3_redirect={"redirected": True}), dict(operation="HeadObject"),
    dict(signing={"region": "eu-west-1", "signing_name": "s3express", "identity_cache": 1}),
])
def test_nothing_is_learnt_from_what_the_direct_path_cannot_repeat(case):
    learner = request("https://bkt.s3.eu-west-1.amazonaws.com/a%20b/%C3%BC", **case)
    assert learner.base(case.get("bucket", "bkt")) is None
