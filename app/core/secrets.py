"""Secrets behind a small interface: the OS keyring, or this session's memory — never a file.

When no usable keyring backend exists (a headless Linux box without Secret
Service, say), the secret is kept in memory for this run only and
``why_not_persistent`` says so, so the UI can tell the user.
"""

import logging

import keyring
from keyring.errors import KeyringError

log = logging.getLogger("hoist.secrets")
SERVICE = "hoist"


def _usable(backend) -> bool:
    name = type(backend).__module__ + "." + type(backend).__name__
    if name.startswith("keyring.backends.fail") or name.startswith("keyring.backends.null"):
        return False
    if name.startswith("keyring.backends.chainer") and not getattr(backend, "backends", None):
        return False
    return getattr(backend, "priority", 1) > 0


class SecretStore:
    def __init__(self):
        self._session: dict[tuple[str, str], str] = {}
        backend = keyring.get_keyring()
        self.persistent = _usable(backend)
        self.why_not_persistent = "" if self.persistent else (
            "No system keyring is available, so secrets are kept for this session only "
            "and must be entered again next time.")

    @staticmethod
    def _name(account: str, key_id: str) -> str:
        return f"{account}:{key_id}"

    def get(self, account: str, key_id: str) -> str | None:
        if (account, key_id) in self._session:
            return self._session[(account, key_id)]
        if not self.persistent:
            return None
        try:
            return keyring.get_password(SERVICE, self._name(account, key_id))
        except KeyringError as e:
            log.warning("keyring read failed: %s", type(e).__name__)
            return None

    def set(self, account: str, key_id: str, secret: str) -> None:
        if self.persistent:
            try:
                keyring.set_password(SERVICE, self._name(account, key_id), secret)
                return
            except KeyringError as e:
                log.warning("keyring write failed (%s); keeping the secret for this session",
                            type(e).__name__)
                self.persistent = False
                self.why_not_persistent = ("The system keyring refused the secret, so it is kept "
                                           "for this session only.")
        self._session[(account, key_id)] = secret

    def set_session(self, account: str, key_id: str, secret: str) -> None:
        """Hold a secret for this run only (e.g. one typed for a connection test, not yet saved)."""
        self._session[(account, key_id)] = secret

    def delete(self, account: str, key_id: str) -> None:
        self._session.pop((account, key_id), None)
        if self.persistent:
            try:
                keyring.delete_password(SERVICE, self._name(account, key_id))
            except KeyringError:
                pass
