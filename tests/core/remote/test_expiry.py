"""Expired credentials: which refusals mean it, and the remedy each kind of credentials gets."""

import os

import pytest
from botocore.exceptions import ClientError, CredentialRetrievalError, UnauthorizedSSOTokenError

from hoist.core.remote.errors import ErrorKind, classify
from hoist.core.remote.expiry import expired_message, is_sso_profile


def refusal(code, status=400):
    return ClientError({"Error": {"Code": code, "Message": "The provided token has expired."},
                        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}}},
                       "UploadPart")


def run(exc, **kw):
    return classify(exc, operation="UploadPart", bucket="photos", key="a.bin",
                    endpoint_url="https://s3.example.test", **kw)


@pytest.fixture
def aws_config():
    """Profiles in the test's own AWS_CONFIG_FILE (tests/conftest.py points it at tmp)."""
    with open(os.environ["AWS_CONFIG_FILE"], "w") as f:
        f.write("[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
                "sso_role_name = Uploader\nregion = us-east-1\n\n"
                "[profile legacy-sso]\nsso_start_url = https://corp.awsapps.com/start\n"
                "sso_region = us-east-1\n\n"
                "[profile ci]\ncredential_process = /bin/false\n\n"
                "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
                "sso_region = us-east-1\n")


@pytest.mark.parametrize("code", ["ExpiredToken", "TokenRefreshRequired", "RequestExpired"])
def test_an_expired_session_is_a_wait_not_a_failure(code, aws_config):
    error = run(refusal(code), profile="dev")
    assert error.kind is ErrorKind.EXPIRED and error.code == code
    assert error.message == "Credentials expired: run `aws sso login --profile dev`"


def test_a_malformed_token_is_still_fatal():
    assert run(refusal("InvalidToken")).kind is ErrorKind.FATAL


def test_each_kind_of_credentials_gets_its_remedy(aws_config):
    assert is_sso_profile("dev") and is_sso_profile("legacy-sso")
    assert not is_sso_profile("ci") and not is_sso_profile("missing") and not is_sso_profile(None)
    assert expired_message("legacy-sso", "x", False).endswith("`aws sso login --profile legacy-sso`")
    assert expired_message(None, "Work", True) == (
        "Credentials expired: update the access key of account Work in Accounts…")
    assert expired_message("ci", "profile:ci", False).startswith(
        "Credentials expired: refresh the credentials of profile ci")
    assert expired_message(None, "default", False) == (
        "Credentials expired: refresh the credentials in ~/.aws/credentials or the environment")


def test_a_refresh_that_botocore_cannot_make_waits_too_and_quotes_nothing(aws_config):
    sso = run(UnauthorizedSSOTokenError(), profile="dev")
    assert sso.kind is ErrorKind.EXPIRED and "aws sso login --profile dev" in sso.message
    leaky = CredentialRetrievalError(provider="custom-process", error_msg="secret-output-XYZZY")
    process = run(leaky, profile="ci")
    assert process.kind is ErrorKind.EXPIRED and "XYZZY" not in process.message + repr(process)
