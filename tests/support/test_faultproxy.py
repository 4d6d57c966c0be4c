"""The fault-injecting proxy, tested through boto3 against moto's server on loopback."""

import http.client
import random
import socket
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    HTTPClientError,
    IncompleteReadError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from hoist.core.policy.clock import FakeClock
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


def raw_head_bucket(sock: socket.socket, bucket: str) -> None:
    """One HEAD request on a raw connection (moto checks no signature)."""
    sock.sendall(f"HEAD /{bucket} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())


def accepted_then_reset(port: int) -> bool:
    """Connecting is not refused, and the connection is reset (RST, not FIN) before a word.

    The RST may already be there when connect() returns; then connect() reports it."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    except ConnectionResetError:
        return True
    with sock:
        try:
            sock.recv(1)                # b"" would be a FIN: closed, not reset
        except ConnectionResetError:
            return True
    return False


def read_answer_head(sock: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        assert chunk, "the proxy closed the connection"
        head += chunk
    return head


def in_thread(call) -> tuple[threading.Thread, dict]:
    outcome = {}

    def run():
        try:
            outcome["value"] = call()
        except Exception as exc:  # noqa: BLE001 -- handed to the test
            outcome["error"] = exc
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def proxy_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("faultproxy")]


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


def test_refuse_key_answers_expired_to_that_key_only_until_cancelled(proxy, bucket, s3_server):
    def as_key(key_id):
        return boto3.client("s3", endpoint_url=proxy.endpoint_url, region_name="us-east-1",
                            aws_access_key_id=key_id, aws_secret_access_key="s",
                            config=Config(retries={"total_max_attempts": 1}))
    old, new = as_key("AKIDOLD"), as_key("AKIDNEW")
    fault = proxy.refuse_key("AKIDOLD")
    for _ in range(3):                                  # not once: for as long as it is armed
        with pytest.raises(ClientError) as caught:
            old.put_object(Bucket=bucket, Key="k", Body=payload(MiB))
        assert caught.value.response["Error"]["Code"] == "ExpiredToken"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    new.put_object(Bucket=bucket, Key="k", Body=b"new key")         # another key passes
    assert fault.fired == 3 and proxy.injected("refuse_key") == 3
    assert s3_server.count("PutObject", bucket) == 1               # moto saw only that one
    fault.cancel()
    old.put_object(Bucket=bucket, Key="k", Body=b"old key again")


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


def test_down_with_reset_accepts_then_resets_and_resets_open_connections(proxy, bucket):
    old = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    raw_head_bucket(old, bucket)
    assert read_answer_head(old).startswith(b"HTTP/1.1 200")
    proxy.down(reset=True)
    assert proxy.is_down
    with pytest.raises(ConnectionResetError):                   # RST, not FIN (recv would be b"")
        old.recv(1)
    old.close()
    assert accepted_then_reset(proxy.port)
    assert wait_until(lambda: proxy.injected("reset_on_accept") >= 1)
    assert proxy.stats.connections == 1                         # the reset one was never served
    proxy.restore()
    assert not proxy.is_down
    client_for(proxy).head_bucket(Bucket=bucket)


def test_down_with_reset_for_a_while_then_refused_then_back(proxy, bucket):
    proxy.down(seconds=30, reset=True)
    proxy.down()                                                # refused now; the timer is gone
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    proxy.down(seconds=0.2, reset=True)                         # listening again, resetting
    assert accepted_then_reset(proxy.port)
    assert wait_until(lambda: not proxy.is_down)
    client_for(proxy).head_bucket(Bucket=bucket)
    assert proxy.injected("down") == 3


def test_reset_every_counts_body_bytes_across_connections(proxy, bucket, s3):
    first, second = client_for(proxy), client_for(proxy)        # two clients, two connections
    fault = proxy.reset_every(1 * MiB, match="PutObject")
    body = payload(700 * 1024, seed=6)
    outcomes = []
    for number, client in enumerate([first, second, first, second], 1):
        try:
            client.put_object(Bucket=bucket, Key=f"k{number}", Body=body)
            outcomes.append("ok")
        except NETWORK_ERRORS:
            outcomes.append("reset")
    # tally 700K, 1.4M (reset at 1M), 1.7M, 2.4M (reset at 2M)
    assert outcomes == ["ok", "reset", "ok", "reset"]
    assert fault.fired == 2 and proxy.injected("reset_every") == 2
    assert fault.forwarded == 2 * MiB
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert keys == {"k1", "k3"}                                 # the cut bodies were not stored
    assert s3.get_object(Bucket=bucket, Key="k3")["Body"].read() == body


def test_reset_every_stops_after_times(proxy, bucket):
    s3 = client_for(proxy)
    proxy.reset_every(100 * 1024, match="PutObject", times=1)
    with pytest.raises(NETWORK_ERRORS):
        s3.put_object(Bucket=bucket, Key="a", Body=payload(300 * 1024))
    s3.put_object(Bucket=bucket, Key="a", Body=payload(300 * 1024))
    assert proxy.injected("reset_every") == 1


def test_stall_answer_stays_silent_after_the_body_until_the_read_timeout(proxy, bucket, s3):
    client = client_for(proxy, read_timeout=0.5)
    fault = proxy.stall_answer(60, match="PutObject")
    body = payload(2 * MiB, seed=8)
    with pytest.raises(ReadTimeoutError):
        client.put_object(Bucket=bucket, Key="silent", Body=body)
    assert fault.fired == 1
    # the whole body went through before the silence: the server stored it
    assert s3.get_object(Bucket=bucket, Key="silent")["Body"].read() == body
    # the client gave up and closed; the proxy lets that connection go without being told
    assert wait_until(lambda: proxy.open_connections == 0)
    client.head_bucket(Bucket=bucket)


def test_drip_sends_bodies_a_little_at_a_time(proxy, bucket, s3):
    body = payload(32 * 1024, seed=9)
    client = client_for(proxy)
    proxy.drip(16 * 1024, direction="up", match="PutObject")
    before = proxy.stats.bytes_up
    thread, outcome = in_thread(lambda: client.put_object(Bucket=bucket, Key="d", Body=body))
    assert wait_until(lambda: proxy.stats.bytes_up - before >= 4096)
    assert proxy.stats.bytes_up - before < len(body)            # only a part has gone so far
    thread.join(30)
    assert "error" not in outcome
    assert s3.get_object(Bucket=bucket, Key="d")["Body"].read() == body

    proxy.drip(16 * 1024, direction="down", match="GetObject")
    before = proxy.stats.bytes_down
    thread, outcome = in_thread(lambda: client.get_object(Bucket=bucket, Key="d")["Body"].read())
    assert wait_until(lambda: proxy.stats.bytes_down - before >= 4096)
    assert proxy.stats.bytes_down - before < len(body)
    thread.join(30)
    assert outcome["value"] == body


def test_drip_paces_at_the_rate_on_the_injected_clock(s3_server, bucket):
    clock = FakeClock()
    with FaultProxy(s3_server.endpoint_url, clock=clock) as proxy:
        client = client_for(proxy)
        body = payload(40 * 1024, seed=10)
        proxy.drip(8 * 1024, match={"PutObject", "GetObject"}, times=2)
        client.put_object(Bucket=bucket, Key="paced", Body=body)
        assert clock.slept == pytest.approx(5, abs=0.01)        # 40 KiB at 8 KiB/s
        assert client.get_object(Bucket=bucket, Key="paced")["Body"].read() == body
        assert clock.slept == pytest.approx(10, abs=0.01)       # and as long to come back
        assert max(clock.sleeps) <= 0.05                        # in small slices
        assert proxy.injected("drip") == 2


def test_half_open_silences_open_connections_while_new_ones_work(proxy, bucket, s3_server):
    old = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    raw_head_bucket(old, bucket)
    assert read_answer_head(old).startswith(b"HTTP/1.1 200")
    seen = s3_server.count("HeadBucket", bucket)
    assert proxy.half_open() == 1
    raw_head_bucket(old, bucket)                                # goes into the void
    old.settimeout(0.5)
    with pytest.raises(TimeoutError):                           # neither FIN (b"") nor RST
        old.recv(1)
    client_for(proxy).head_bucket(Bucket=bucket)                # a new connection is served
    assert s3_server.count("HeadBucket", bucket) == seen + 1
    old.close()


def test_stop_leaves_no_thread_behind(s3_server, bucket):
    proxy = FaultProxy(s3_server.endpoint_url)
    client = client_for(proxy, read_timeout=30)
    client.head_bucket(Bucket=bucket)
    proxy.half_open()                                           # one silent connection
    proxy.stall_answer(60, match="PutObject")
    thread, _ = in_thread(lambda: client_for(proxy, read_timeout=30).put_object(
        Bucket=bucket, Key="held", Body=b"held"))
    assert wait_until(lambda: proxy.injected("stall_answer") == 1)
    proxy.stop()
    assert proxy_threads() == []
    thread.join(10)
    assert not thread.is_alive()
