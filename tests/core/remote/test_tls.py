"""Trusting a store's certificate: CA bundles and their order, refusals in plain words, and
verification switched off. Real TLS: an HTTPS front to moto with a CA made for the session."""

import logging

import pytest

from hoist.core.remote.errors import ErrorKind, S3Error
from hoist.core.remote.s3 import Destination, S3Clients
from hoist.core.remote.tls import bundle_problem


def refusal(dest: Destination) -> S3Error:
    with pytest.raises(S3Error) as caught:
        S3Clients(max_pool_connections=1).bucket(dest).check_access()
    return caught.value


def reaches(dest: Destination) -> bool:
    try:
        S3Clients(max_pool_connections=1).bucket(dest).check_access()
    except S3Error as error:
        assert error.code.startswith("TLS"), error      # only trust may stand in the way
        return False
    return True


def profile_bundle(tmp_path, path) -> None:
    """The default profile's ca_bundle, in the AWS_CONFIG_FILE the tests use."""
    (tmp_path / "no-aws-config").write_text(f"[default]\nca_bundle = {path}\n")


def test_an_unknown_issuer_is_named_and_the_fix_offered(tls, bucket):
    error = refusal(Destination(bucket, endpoint_url=tls.good.endpoint_url))
    assert error.kind is ErrorKind.FATAL and error.code == "TLSUnknownIssuer"
    assert "unknown issuer" in error.message and "self-signed" in error.message
    assert "CA bundle" in error.message and "the system's certificates" in error.message


def test_the_accounts_bundle_makes_the_upload_work(tls, bucket, s3):
    remote = S3Clients(max_pool_connections=1).bucket(
        Destination(bucket, endpoint_url=tls.good.endpoint_url, ca_bundle=str(tls.ca.path)))
    remote.put_object("hello.txt", b"over TLS", 8, None, None)
    assert s3.get_object(Bucket=bucket, Key="hello.txt")["Body"].read() == b"over TLS"


def test_an_expired_certificate_says_so(tls, bucket):
    error = refusal(Destination(bucket, endpoint_url=tls.expired.endpoint_url,
                                ca_bundle=str(tls.ca.path)))
    assert error.code == "TLSExpired" and "has expired" in error.message


def test_a_certificate_for_another_host_says_so(tls, bucket):
    error = refusal(Destination(bucket, endpoint_url=tls.wrong_host.endpoint_url,
                                ca_bundle=str(tls.ca.path)))
    assert error.code == "TLSWrongHost"
    assert "another host name" in error.message and "elsewhere.example" in error.message


def test_the_account_bundle_comes_before_aws_ca_bundle(tls, bucket, monkeypatch):
    url = tls.good.endpoint_url
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tls.other_ca.path))
    assert reaches(Destination(bucket, endpoint_url=url, ca_bundle=str(tls.ca.path)))
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tls.ca.path))
    error = refusal(Destination(bucket, endpoint_url=url, ca_bundle=str(tls.other_ca.path)))
    assert error.code == "TLSUnknownIssuer" and str(tls.other_ca.path) in error.message


def test_aws_ca_bundle_comes_before_the_profiles(tls, bucket, monkeypatch, tmp_path):
    url = tls.good.endpoint_url
    profile_bundle(tmp_path, tls.other_ca.path)
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tls.ca.path))
    assert reaches(Destination(bucket, endpoint_url=url))
    profile_bundle(tmp_path, tls.ca.path)
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tls.other_ca.path))
    error = refusal(Destination(bucket, endpoint_url=url))
    assert "AWS_CA_BUNDLE" in error.message


def test_the_profiles_bundle_comes_before_the_system(tls, bucket, tmp_path):
    profile_bundle(tmp_path, tls.ca.path)
    assert reaches(Destination(bucket, endpoint_url=tls.good.endpoint_url))
    profile_bundle(tmp_path, tls.other_ca.path)
    error = refusal(Destination(bucket, endpoint_url=tls.good.endpoint_url))
    assert f"the ca_bundle of the AWS profile ({tls.other_ca.path})" in error.message


def test_a_bundle_that_cannot_work_is_refused_before_connecting(tls, bucket, tmp_path):
    (tmp_path / "empty.pem").write_text("")
    for path, words in ((tmp_path / "nowhere.pem", "does not exist"),
                        (tmp_path / "empty.pem", "holds no PEM certificate"), (tmp_path, "directory")):
        error = refusal(Destination(bucket, endpoint_url=tls.good.endpoint_url, ca_bundle=str(path)))
        assert error.code == "CABundle" and words in error.message
    assert bundle_problem(str(tls.ca.path)) is None


def test_switched_off_it_connects_and_says_so_once(tls, bucket, caplog):
    clients = S3Clients(max_pool_connections=1)
    dest = Destination(bucket, endpoint_url=tls.good.endpoint_url, verify_tls=False)
    with caplog.at_level(logging.WARNING, logger="hoist.s3"):
        clients.bucket(dest).check_access()
        clients.forget()                       # a new client: still one warning a run
        clients.bucket(dest).check_access()
    warnings = [r.getMessage() for r in caplog.records if "TLS verification is off" in r.getMessage()]
    assert len(warnings) == 1 and "127.0.0.1" in warnings[0]


def test_the_bundle_is_part_of_the_client_cache_key(tls, bucket):
    clients = S3Clients(max_pool_connections=1)
    plain = Destination(bucket, endpoint_url=tls.good.endpoint_url)
    trusting = Destination(bucket, endpoint_url=tls.good.endpoint_url, ca_bundle=str(tls.ca.path))
    assert clients.client_for(plain) is not clients.client_for(trusting)
    clients.bucket(trusting).check_access()
    with pytest.raises(S3Error):
        clients.bucket(plain).check_access()
