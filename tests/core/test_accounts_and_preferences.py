"""Accounts and preferences: round trips, damaged files, and no secret on disk."""

import json

from app.core.accounts import Account, AccountBook
from app.core.planner import MiB
from app.core.preferences import Preferences


def test_account_book_round_trip(tmp_path):
    book = AccountBook.load(tmp_path / "accounts.json")
    assert book.accounts == [] and book.default is None
    book.upsert(Account("Work", endpoint_url="http://minio:9000", bucket="media", prefix="in/",
                        path_style=True, access_key_id="AKIAEXAMPLE"))
    book.upsert(Account("Home", bucket="photos", profile="home"))
    book.default_name = "Home"
    book.save()
    again = AccountBook.load(tmp_path / "accounts.json")
    assert [a.name for a in again.accounts] == ["Work", "Home"]
    assert again.default.name == "Home"
    dest = again.get("Work").destination()
    assert (dest.bucket, dest.endpoint_url, dest.path_style, dest.account) == (
        "media", "http://minio:9000", True, "Work")


def test_rename_keeps_default_and_remove_clears_it(tmp_path):
    book = AccountBook.load(tmp_path / "a.json")
    book.upsert(Account("Old", bucket="b1"))
    book.default_name = "Old"
    book.upsert(Account("New", bucket="b1"), old_name="Old")
    assert [a.name for a in book.accounts] == ["New"] and book.default_name == "New"
    book.remove("New")
    assert book.accounts == [] and book.default_name is None


def test_damaged_accounts_file_is_kept_aside(tmp_path):
    path = tmp_path / "accounts.json"
    path.write_text("{not json")
    book = AccountBook.load(path)
    assert book.accounts == []
    assert book.recovered_from.read_text() == "{not json"


def test_account_file_holds_no_secret_fields(tmp_path):
    book = AccountBook.load(tmp_path / "accounts.json")
    book.upsert(Account("Work", bucket="b", access_key_id="AKIAEXAMPLE"))
    book.save()
    stored = json.loads((tmp_path / "accounts.json").read_text())["accounts"][0]
    assert not any("secret" in k or "token" in k or "password" in k for k in stored)


def test_preferences_round_trip_and_config(tmp_path):
    prefs = Preferences(files_at_once=5, parts_per_file=12, part_size=16 * MiB,
                        bandwidth_limit=2 * MiB, auto_resume=True)
    prefs.save(tmp_path / "p.json")
    again = Preferences.load(tmp_path / "p.json")
    assert again == prefs
    config = again.transfer_config()
    assert (config.files_at_once, config.parts_per_file, config.part_size,
            config.bandwidth_limit, config.auto_resume) == (5, 12, 16 * MiB, 2 * MiB, True)
    assert config.parts_total >= config.parts_per_file


def test_damaged_preferences_give_defaults(tmp_path):
    (tmp_path / "p.json").write_text("[1, 2")
    assert Preferences.load(tmp_path / "p.json") == Preferences()
    assert Preferences.load(tmp_path / "missing.json") == Preferences()
