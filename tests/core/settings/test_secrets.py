"""SecretStore: the keyring when there is one, this session's memory when not; never a file."""

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringLocked

from hoist.core.settings.secrets import SERVICE, SecretStore, unusable_reason


class BrokenKeyring(KeyringBackend):
    """Looks fine until used, like a Secret Service whose D-Bus is gone."""

    viable = False          # keeps keyring's own detection from ever choosing it
    priority = 5

    def get_password(self, service, username):
        raise KeyringLocked("the collection is locked")

    def set_password(self, service, username, password):
        raise RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown")

    def delete_password(self, service, username):
        raise KeyringLocked("the collection is locked")


class MissingServiceKeyring(KeyringBackend):
    """A backend whose priority check fails, as keyring's do when their service is absent."""

    viable = False

    @property
    def priority(self):
        raise RuntimeError("no service")

    def get_password(self, service, username):
        return None

    def set_password(self, service, username, password):
        pass

    def delete_password(self, service, username):
        pass


def test_keeps_secrets_in_the_keyring(memory_keyring):
    store = SecretStore()
    assert store.persistent and store.why_not_persistent == ""
    store.set("work", "AKIDEXAMPLE", "s3cr3t")
    assert memory_keyring.secrets == {(SERVICE, "work:AKIDEXAMPLE"): "s3cr3t"}
    assert SecretStore().get("work", "AKIDEXAMPLE") == "s3cr3t"       # a later run finds it
    store.delete("work", "AKIDEXAMPLE")
    assert memory_keyring.secrets == {}
    assert store.get("work", "AKIDEXAMPLE") is None
    store.delete("work", "AKIDEXAMPLE")                               # deleting twice is fine


def test_secrets_are_per_account_and_key():
    store = SecretStore()
    store.set("a", "K1", "one")
    store.set("b", "K1", "two")
    store.set("a", "K2", "three")
    assert (store.get("a", "K1"), store.get("b", "K1"), store.get("a", "K2")) == ("one", "two", "three")


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_without_a_keyring_secrets_live_for_this_session_only(backend, tmp_path):
    keyring.set_keyring(backend)
    store = SecretStore()
    assert not store.persistent
    assert "session only" in store.why_not_persistent
    store.set("work", "K", "s3cr3t")
    assert store.get("work", "K") == "s3cr3t"
    assert SecretStore().get("work", "K") is None                     # the next run has to ask
    store.delete("work", "K")
    assert store.get("work", "K") is None


def test_an_empty_chain_is_no_keyring(monkeypatch):
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    assert unusable_reason(chainer.ChainerBackend())
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [object()])
    assert unusable_reason(chainer.ChainerBackend()) == ""           # one real backend will do


def test_a_backend_whose_service_is_missing_is_no_keyring():
    assert unusable_reason(MissingServiceKeyring()) != ""


def test_a_keyring_that_fails_when_used_falls_back_to_memory():
    keyring.set_keyring(BrokenKeyring())
    store = SecretStore()
    assert store.persistent                     # nothing is known to be wrong yet
    store.set("work", "K", "s3cr3t")
    assert not store.persistent
    assert "RuntimeError" in store.why_not_persistent and "session only" in store.why_not_persistent
    assert store.get("work", "K") == "s3cr3t"
    store.delete("work", "K")


def test_a_keyring_that_cannot_be_read_is_reported():
    keyring.set_keyring(BrokenKeyring())
    store = SecretStore()
    assert store.get("work", "K") is None
    assert not store.persistent and "KeyringLocked" in store.why_not_persistent


def test_secrets_never_reach_the_log(caplog):
    keyring.set_keyring(BrokenKeyring())
    store = SecretStore()
    with caplog.at_level("DEBUG"):
        store.set("work", "K", "s3cr3t-in-the-log?")
        store.get("other", "K2")
    assert caplog.records
    assert "s3cr3t-in-the-log?" not in caplog.text


def test_nothing_is_written_to_the_data_directory(data_dir, tmp_path):
    keyring.set_keyring(fail.Keyring())
    store = SecretStore()
    store.set("work", "K", "s3cr3t-on-disk?")
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not any(b"s3cr3t-on-disk?" in p.read_bytes() for p in written)


def test_only_a_secret_no_keyring_took_is_kept_for_the_session(memory_keyring):
    with_keyring = SecretStore()
    with_keyring.set("Work", "AKIA1", "s3cret")
    assert not with_keyring.kept_for_session
    keyring.set_keyring(fail.Keyring())       # conftest puts its own back afterwards
    without = SecretStore()
    assert not without.kept_for_session       # nothing typed yet: nothing to lose
    without.set("Work", "AKIA1", "s3cret")
    assert without.kept_for_session
    without.delete("Work", "AKIA1")
    assert not without.kept_for_session
