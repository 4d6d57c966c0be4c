"""The account book: round trips, renames, damaged files, atomic saves, no secret on disk."""

import json
import os

import pytest

from hoist.core.settings.accounts import Account, AccountBook, list_aws_profiles


def test_account_book_round_trip(tmp_path):
    book = AccountBook.load(tmp_path / "accounts.json")
    assert book.accounts == [] and book.default is None and book.recovered_from is None
    book.upsert(Account("Work", endpoint_url="http://minio:9000", bucket="media", prefix="in/",
                        path_style=True, access_key_id="AKIAEXAMPLE", verify_tls=False))
    book.upsert(Account("Home", bucket="photos", profile="home"))
    book.default_name = "Home"
    book.save()
    again = AccountBook.load(tmp_path / "accounts.json")
    assert again.accounts == book.accounts
    assert again.default.name == "Home"
    dest = again.get("Work").destination()
    assert (dest.bucket, dest.endpoint_url, dest.path_style, dest.account, dest.verify_tls,
            dest.access_key_id, dest.profile) == (
        "media", "http://minio:9000", True, "Work", False, "AKIAEXAMPLE", None)


def test_an_accounts_ca_bundle_is_kept_and_reaches_its_destination(tmp_path):
    book = AccountBook.load(tmp_path / "accounts.json")
    book.upsert(Account("NAS", endpoint_url="https://nas:9000", bucket="b",
                        ca_bundle="/etc/nas-ca.pem"))
    book.save()
    assert AccountBook.load(tmp_path / "accounts.json").get("NAS").destination().ca_bundle \
        == "/etc/nas-ca.pem"
    assert Account("A", bucket="b", ca_bundle="").destination().ca_bundle is None


def test_destination_turns_empty_fields_into_none():
    dest = Account("A", endpoint_url="", region="", bucket="b", profile="",
                   access_key_id="").destination()
    assert (dest.endpoint_url, dest.region, dest.profile, dest.access_key_id) == (None,) * 4


def test_upsert_replaces_by_name_and_rename_keeps_default(tmp_path):
    book = AccountBook.load(tmp_path / "a.json")
    book.upsert(Account("Old", bucket="b1"))
    book.upsert(Account("Old", bucket="b2"))
    assert [(a.name, a.bucket) for a in book.accounts] == [("Old", "b2")]
    book.default_name = "Old"
    book.upsert(Account("New", bucket="b1"), old_name="Old")
    assert [a.name for a in book.accounts] == ["New"] and book.default_name == "New"
    book.remove("New")
    assert book.accounts == [] and book.default_name is None


def test_damaged_accounts_file_is_kept_aside_and_a_new_book_starts(tmp_path):
    path = tmp_path / "accounts.json"
    path.write_text("{not json")
    book = AccountBook.load(path)
    assert book.accounts == []
    assert book.recovered_from.name.startswith("accounts.json.corrupt-")
    assert book.recovered_from.read_text() == "{not json"
    assert not path.exists()
    book.upsert(Account("Fresh", bucket="b"))
    book.save()
    assert [a.name for a in AccountBook.load(path).accounts] == ["Fresh"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
@pytest.mark.usefixtures("umask_022")
def test_the_book_and_a_damaged_one_kept_aside_are_owner_only(tmp_path):
    book = AccountBook.load(tmp_path / "data" / "accounts.json")
    book.upsert(Account("Work", bucket="media", access_key_id="AKIAEXAMPLE"))
    book.save()
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "data" / "accounts.json").stat().st_mode & 0o777 == 0o600
    (tmp_path / "damaged.json").write_text("{not json")            # readable by all
    aside = AccountBook.load(tmp_path / "damaged.json").recovered_from
    assert aside.stat().st_mode & 0o777 == 0o600


def test_json_of_the_wrong_shape_counts_as_damaged(tmp_path):
    path = tmp_path / "accounts.json"
    path.write_text("[1, 2, 3]")
    book = AccountBook.load(path)
    assert book.accounts == [] and book.recovered_from is not None


def test_unknown_fields_from_a_newer_version_are_ignored(tmp_path):
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps({"default": None, "accounts": [
        {"name": "A", "bucket": "b", "storage_class": "GLACIER"}]}))
    assert AccountBook.load(path).get("A") == Account("A", bucket="b")


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "nested" / "accounts.json"
    book = AccountBook.load(path)
    book.upsert(Account("A", bucket="b"))
    book.save()
    book.upsert(Account("B", bucket="c"))
    book.save()
    assert [p.name for p in path.parent.iterdir()] == ["accounts.json"]
    assert [a["name"] for a in json.loads(path.read_text())["accounts"]] == ["A", "B"]


def test_account_file_holds_no_secret_fields(tmp_path):
    book = AccountBook.load(tmp_path / "accounts.json")
    book.upsert(Account("Work", bucket="b", access_key_id="AKIAEXAMPLE"))
    book.save()
    stored = json.loads((tmp_path / "accounts.json").read_text())["accounts"][0]
    assert not any("secret" in k or "token" in k or "password" in k for k in stored)


def test_aws_profiles_are_listed_from_the_config_files(tmp_path, monkeypatch):
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = eu-west-1\n[profile work]\nregion = eu-central-1\n")
    credentials = tmp_path / "aws-credentials"
    credentials.write_text("[archive]\naws_access_key_id = AKIA\naws_secret_access_key = x\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    assert list_aws_profiles() == ["archive", "default", "work"]


def test_a_broken_aws_config_lists_no_profiles(tmp_path, monkeypatch):
    config = tmp_path / "aws-config"
    config.write_text("this is [not an ini file\n= =\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert list_aws_profiles() == []
