"""ObjectSettings: what an object looks like, as request parameters, as JSON, and checked."""

import base64
import hashlib
import pickle

import pytest

from hoist.core.remote.objects import CustomerKey, ObjectSettings, SettingError, parse_pairs

FULL = ObjectSettings(content_type="text/html", cache_control="max-age=60",
                      content_disposition="inline", content_encoding="identity",
                      content_language="fr", metadata={"owner": "ops", "run": "7"},
                      tags={"team": "data", "keep": "yes please"}, storage_class="STANDARD_IA",
                      sse="aws:kms", sse_kms_key_id="alias/hoist", bucket_key_enabled=True,
                      acl="bucket-owner-full-control", checksum_algorithm="SHA256")


def test_create_params_carry_every_setting():
    assert FULL.create_params() == {
        "ContentType": "text/html", "CacheControl": "max-age=60", "ContentDisposition": "inline",
        "ContentEncoding": "identity", "ContentLanguage": "fr",
        "Metadata": {"owner": "ops", "run": "7"}, "Tagging": "team=data&keep=yes+please",
        "StorageClass": "STANDARD_IA", "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": "alias/hoist", "BucketKeyEnabled": True,
        "ACL": "bucket-owner-full-control"}


def test_defaults_send_nothing_but_a_guessed_type():
    assert ObjectSettings().create_params() == {}
    assert ObjectSettings().for_file("/x/index.html").create_params() == {"ContentType": "text/html"}
    assert ObjectSettings(guess_mime_type=False).for_file("a.html").create_params() == {}
    assert ObjectSettings(content_type="text/plain").for_file("a.html").content_type == "text/plain"


def test_json_round_trip_leaves_defaults_out():
    assert ObjectSettings().to_json() == "{}"
    assert ObjectSettings.from_json(None) == ObjectSettings() == ObjectSettings.from_json("")
    assert ObjectSettings.from_json(FULL.to_json()) == FULL
    assert FULL.to_json() == ObjectSettings.from_json(FULL.to_json()).to_json()   # one string
    # a newer Hoist's field is ignored, not an error
    assert ObjectSettings.from_json('{"cache_control": "x", "future": 1}').cache_control == "x"


def test_as_dict_and_describe_never_hold_a_key():
    key = CustomerKey(bytes(range(32)))
    settings = ObjectSettings(sse_c_key_md5=key.md5)
    text = repr(settings.as_dict()) + repr(settings.describe()) + settings.to_json() + repr(key)
    assert base64.b64encode(bytes(range(32))).decode() not in text
    assert key.md5 in text
    with pytest.raises(TypeError):
        pickle.dumps(key)


def test_describe_names_each_setting():
    labels = dict(FULL.describe())
    assert labels["Content-Type"] == "text/html" and labels["Storage class"] == "STANDARD_IA"
    assert labels["Tags"] == "team=data, keep=yes please"
    assert labels["Encryption"] == "aws:kms, key alias/hoist, bucket key"


@pytest.mark.parametrize("settings,words", [
    (ObjectSettings(metadata={"bad name": "x"}), "metadata name"),
    (ObjectSettings(metadata={"a": "naïve"}), "ASCII"),
    (ObjectSettings(tags={f"k{i}": "v" for i in range(11)}), "at most 10"),
    (ObjectSettings(sse_kms_key_id="k"), "needs --sse aws:kms"),
    (ObjectSettings(bucket_key_enabled=True, sse="AES256"), "needs --sse aws:kms"),
    (ObjectSettings(sse="AES256", sse_c_key_md5="x"), "choose one"),
    (ObjectSettings(acl="world"), "--acl"),
    (ObjectSettings(storage_class="cold storage"), "--storage-class"),
])
def test_check_refuses_what_s3_would(settings, words):
    with pytest.raises(SettingError, match=words):
        settings.check()


def test_parse_pairs():
    assert parse_pairs("a=1,b=x=y, c = 3") == {"a": "1", "b": "x=y", "c": "3"}
    with pytest.raises(SettingError, match="name=value"):
        parse_pairs("a=1,b")


def test_customer_key_from_raw_or_base64():
    raw = bytes(range(32))
    md5 = base64.b64encode(hashlib.md5(raw).digest()).decode()
    assert CustomerKey.from_bytes(raw).md5 == md5
    assert CustomerKey.from_bytes(base64.b64encode(raw) + b"\n").md5 == md5
    assert CustomerKey.from_bytes(raw).params() == {
        "SSECustomerAlgorithm": "AES256", "SSECustomerKey": base64.b64encode(raw).decode(),
        "SSECustomerKeyMD5": md5}
    for bad in (b"short", base64.b64encode(b"x" * 16)):
        with pytest.raises(SettingError, match="32"):
            CustomerKey.from_bytes(bad)
