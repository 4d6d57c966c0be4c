"""The fault-injecting proxy, tested through boto3 against moto's server on loopback."""

import http.client
import random
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import (ClientError, ConnectionError as BotoConnectionError,
                                 EndpointConnectionError, HTTPClientError, IncompleteReadError,
                                 ReadTimeoutError, ResponseStreamingError)

from support.faultproxy import FaultProxy

MiB = 1024 * 1024
NETWORK_ERRORS = (BotoConnectionError, HTTPClientError)


@pytest.fixture
def proxy(s3_server):
    with FaultProxy(s3_server.endpoint_url, seed=7) as proxy:
        yield proxy


def client_for(proxy, read_timeout: float = 10):
    return boto3.client(
        "s3", endpoint_url=proxy.endpoint_url, region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}, read_timeout=read_timeout,
                      connect_timeout=5, s3={"addressing_style": "path"},
                      request_checksum_calculation="when_required",
                      response_checksum_validation="when_required"))


def payload(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_pass_through_round_trips_bytes(proxy, bucket, s3_server):
    s3 = client_for(proxy)
    small, large = payload(1000), payload(6 * MiB + 123, seed=2)
    s3.put_object(Bucket=bucket, Key="small", Body=small)
    s3.put_object(Bucket=bucket, Key="large", Body=large)      # Expect: 100-continue
    assert s3.get_object(Bucket=bucket, Key="small")["Body"].read() == small
    assert s3.get_object(Bucket=bucket, Key="large")["Body"].read() == large
    assert s3.head_object(Bucket=bucket, Key="large")["ContentLength"] == len(large)

    stats = proxy.stats
    assert stats.requests["PutObject"] == 2 and stats.requests["GetObject"] == 2
    assert stats.bytes_up > len(large) and stats.bytes_down > len(large)
    assert stats.connections == 1           # one keep-alive connection carried everything
    assert stats.faults == {}
    assert s3_server.count("PutObject", bucket) == 2


def test_multipart_upload_passes_through(proxy, bucket):
    s3 = client_for(proxy)
    data = payload(5 * MiB + 1000, seed=3)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts = []
    for number, (start, end) in enumerate([(0, 5 * MiB), (5 * MiB, len(data))], 1):
        reply = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=number,
                               Body=data[start:end])
        parts.append({"PartNumber": number, "ETag": reply["ETag"]})
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload,
                                 MultipartUpload={"Parts": parts})
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == data
    assert proxy.count("UploadPart") == 2
    assert proxy.count("CompleteMultipartUpload") == 1


def test_chunked_request_body_passes_through(proxy, bucket):
    data = payload(300_000, seed=4)
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    chunks = (data[i:i + 70_000] for i in range(0, len(data), 70_000))
    conn.request("PUT", f"/{bucket}/chunked", body=chunks, encode_chunked=True,
                 headers={"Transfer-Encoding": "chunked"})
    reply = conn.getresponse()
    reply.read()
    assert reply.status == 200
    conn.close()
    got = client_for(proxy).get_object(Bucket=bucket, Key="chunked")["Body"].read()
    assert got == data


def test_error_answers_an_s3_error_without_forwarding(proxy, bucket, s3_server):
    s3 = client_for(proxy)
    fault = proxy.error(503, "SlowDown", match="PutObject", times=2)
    for _ in range(2):
        with pytest.raises(ClientError) as caught:
            s3.put_object(Bucket=bucket, Key="k", Body=payload(2 * MiB))
        assert caught.value.response["Error"]["Code"] == "SlowDown"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    s3.put_object(Bucket=bucket, Key="k", Body=b"third time")    # the fault is spent
    assert fault.fired == 2 and proxy.injected("error") == 2
    assert s3_server.count("PutObject", bucket) == 1             # moto saw only the third


def test_error_filter_hits_only_matching_requests(proxy, bucket):
    s3 = client_for(proxy)
    proxy.error(500, "InternalError", match=lambda r: "partNumber" in r.query, times=1)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="f")["UploadId"]
    with pytest.raises(ClientError) as caught:
        s3.upload_part(Bucket=bucket, Key="f", UploadId=upload, PartNumber=1, Body=b"x")
    assert caught.value.response["Error"]["Code"] == "InternalError"
    s3.upload_part(Bucket=bucket, Key="f", UploadId=upload, PartNumber=1, Body=b"x")
    assert proxy.count("CreateMultipartUpload") == 1 and proxy.count("UploadPart") == 2


def test_share_uses_the_seeded_rng(s3_server, bucket):
    def failures(seed: int) -> list[bool]:
        with FaultProxy(s3_server.endpoint_url, seed=seed) as proxy:
            s3 = client_for(proxy)
            proxy.error(503, "SlowDown", match="HeadBucket", share=0.5)
            outcome = []
            for _ in range(16):
                try:
                    s3.head_bucket(Bucket=bucket)
                    outcome.append(False)
                except ClientError:
                    outcome.append(True)
            assert proxy.injected("error") == sum(outcome)
            return outcome

    first = failures(11)
    assert 0 < sum(first) < 16
    assert failures(11) == first


def test_reset_mid_body_breaks_the_connection(proxy, bucket, s3_server):
    s3 = client_for(proxy)
    s3.head_bucket(Bucket=bucket)                               # a pooled connection to reset
    proxy.reset_mid_body(0.3, match="PutObject")
    with pytest.raises(NETWORK_ERRORS):
        s3.put_object(Bucket=bucket, Key="cut", Body=payload(3 * MiB))
    assert proxy.injected("reset_mid_body") == 1
    assert s3_server.count("PutObject", bucket) == 0            # never reached the server
    s3.put_object(Bucket=bucket, Key="cut", Body=b"fine now")


def test_down_refuses_then_restore_serves_on_the_same_port(proxy, bucket):
    s3 = client_for(proxy)
    s3.head_bucket(Bucket=bucket)
    port, url = proxy.port, proxy.endpoint_url
    proxy.down()
    assert proxy.is_down
    with pytest.raises(EndpointConnectionError):                # connection refused
        s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    proxy.restore()
    assert (proxy.port, proxy.endpoint_url) == (port, url)
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"


def test_down_for_a_while_comes_back_by_itself(proxy, bucket):
    s3 = client_for(proxy)
    proxy.down(seconds=0.2)
    assert wait_until(lambda: not proxy.is_down)
    s3.head_bucket(Bucket=bucket)
    assert proxy.injected("down") == 1


def test_stall_trips_the_client_read_timeout(proxy, bucket):
    s3 = client_for(proxy, read_timeout=0.3)
    proxy.stall(30, match="HeadBucket")
    with pytest.raises(ReadTimeoutError):
        s3.head_bucket(Bucket=bucket)
    proxy.clear()                                               # release the held request
    s3.head_bucket(Bucket=bucket)
    assert proxy.injected("stall") == 1


def test_short_stall_delays_then_forwards(proxy, bucket):
    s3 = client_for(proxy)
    fault = proxy.stall(0.2, match="PutObject")
    s3.put_object(Bucket=bucket, Key="late", Body=payload(2 * MiB))   # Expect: 100-continue too
    assert fault.fired == 1
    assert s3.get_object(Bucket=bucket, Key="late")["Body"].read() == payload(2 * MiB)


def test_truncated_get_is_detected(proxy, bucket):
    s3 = client_for(proxy)
    data = payload(1 * MiB, seed=5)
    s3.put_object(Bucket=bucket, Key="t", Body=data)
    proxy.truncate_response(0.5, match="GetObject")
    with pytest.raises((IncompleteReadError, ResponseStreamingError) + NETWORK_ERRORS):
        s3.get_object(Bucket=bucket, Key="t")["Body"].read()
    assert proxy.stats.bytes_down < len(data) + 2 * 1024        # about half went out
    assert s3.get_object(Bucket=bucket, Key="t")["Body"].read() == data


def test_truncated_put_answer_did_the_work_but_the_client_never_heard(proxy, bucket, s3_server):
    s3 = client_for(proxy)
    proxy.truncate_response(match="PutObject")
    with pytest.raises(NETWORK_ERRORS):
        s3.put_object(Bucket=bucket, Key="done", Body=b"stored anyway")
    assert s3.get_object(Bucket=bucket, Key="done")["Body"].read() == b"stored anyway"


def test_only_loopback_upstreams():
    with pytest.raises(ValueError):
        FaultProxy("http://example.com:80")
