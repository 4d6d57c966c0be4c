"""Secrets behind a small interface: the OS keyring, or this session's memory — never a file.

When no usable keyring backend exists (a headless Linux box without Secret
Service, say), or the keyring fails when used, the secret is kept in memory
for this run only and ``why_not_persistent`` says so, so the UI can tell the user.
"""

import logging

import keyring

log = logging.getLogger("hoist.secrets")
SERVICE = "hoist"

_NO_KEYRING = ("No system keyring is available, so secrets are kept for this session only "
               "and must be entered again next time.")
# keyrings.alt backends that keep secrets in a file in plain text (or behind a terminal prompt)
_FILE_BACKENDS = ("keyrings.alt.file.PlaintextKeyring", "keyrings.alt.file.EncryptedKeyring")


def unusable_reason(backend) -> str:
    """Why ``backend`` cannot keep secrets safely across runs ("" when it can)."""
    name = type(backend).__module__ + "." + type(backend).__name__
    if name.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return _NO_KEYRING
    if name in _FILE_BACKENDS:
        return ("The configured keyring keeps secrets in a file, so Hoist keeps them for this "
                "session only: configure a system keyring to keep them.")
    if name.startswith("keyring.backends.chainer"):
        try:
            return "" if backend.backends else _NO_KEYRING
        except Exception:               # a backend that fails to load: the chain is unusable
            return _NO_KEYRING
    try:
        priority = backend.priority    # a backend whose service is missing raises here
    except Exception:
        return _NO_KEYRING
    return "" if priority > 0 else _NO_KEYRING


class SecretStore:
    """get/set/delete a secret by (account, access key id), in the keyring ``SERVICE``."""

    def __init__(self):
        self._session: dict[tuple[str, str], str] = {}
        self.why_not_persistent = unusable_reason(keyring.get_keyring())
        self.persistent = not self.why_not_persistent

    @property
    def kept_for_session(self) -> bool:
        """Whether a secret is held for this session only (no keyring took it): it will have
        to be entered again next time."""
        return bool(self._session)

    @staticmethod
    def _name(account: str, key_id: str) -> str:
        return f"{account}:{key_id}"

    def _give_up_keyring(self, doing: str, error: Exception) -> None:
        # Only the exception's type is logged: a backend's message could quote what it was given.
        log.warning("keyring %s failed (%s); secrets are kept for this session only",
                    doing, type(error).__name__)
        self.persistent = False
        self.why_not_persistent = (f"The system keyring failed ({type(error).__name__}), so "
                                   "secrets are kept for this session only.")

    def get(self, account: str, key_id: str) -> str | None:
        if (account, key_id) in self._session:
            return self._session[(account, key_id)]
        if not self.persistent:
            return None
        try:
            return keyring.get_password(SERVICE, self._name(account, key_id))
        except Exception as e:          # D-Bus and friends raise more than KeyringError
            self._give_up_keyring("read", e)
            return None

    def set(self, account: str, key_id: str, secret: str) -> None:
        if self.persistent:
            try:
                keyring.set_password(SERVICE, self._name(account, key_id), secret)
                self._session.pop((account, key_id), None)   # the keyring is the truth now
                return
            except Exception as e:
                self._give_up_keyring("write", e)
        self._session[(account, key_id)] = secret

    def delete(self, account: str, key_id: str) -> None:
        self._session.pop((account, key_id), None)
        if self.persistent:
            try:
                keyring.delete_password(SERVICE, self._name(account, key_id))
            except Exception:           # not there (PasswordDeleteError) or keyring trouble
                pass
