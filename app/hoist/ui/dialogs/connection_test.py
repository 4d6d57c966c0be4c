"""Test connection, for the Accounts dialog: the check on the thread pool, and what it offers
when the store's certificate is refused.

A CA bundle is offered first; switching verification off only once a bundle did not
help, or when no bundle can (an expired certificate, one for another host name).
"""

from PySide6.QtCore import QObject, QRunnable, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from hoist.core.remote.errors import S3Error
from hoist.core.remote.s3 import S3Clients
from hoist.core.remote.tls import CERTIFICATE_CODES, CertificateProblem


class TypedSecret:
    """The secret for one connection test, as typed: it is tested before it is saved."""

    def __init__(self, secret: str):
        self._secret = secret

    def get(self, account: str, key_id: str) -> str:
        return self._secret


class ConnectionTest(QRunnable):
    """Checks a destination on the thread pool; reports through its own signals object."""

    class Signals(QObject):
        done = Signal(bool, str, str)       # connected, what to say, the S3Error's code

    def __init__(self, destination, secrets):
        super().__init__()
        self.signals = self.Signals()
        self._destination = destination
        self._secrets = secrets

    def run(self) -> None:
        try:
            S3Clients(max_pool_connections=1, secrets=self._secrets).bucket(
                self._destination).check_access()
        except S3Error as error:
            self.signals.done.emit(False, error.message, error.code)
        except Exception as error:  # noqa: BLE001 -- the dialog must always hear back
            self.signals.done.emit(False, f"The test failed: {type(error).__name__}", "")
        else:
            self.signals.done.emit(True, f"Connected: bucket {self._destination.bucket} "
                                         "is reachable with these credentials.", "")


class TrustOffer(QWidget):
    """The way out of a refused certificate, under the test's answer."""

    choose_bundle = Signal()
    turn_off = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.bundle_button = QPushButton("Choose the CA certificate…")
        self.bundle_button.setToolTip("The PEM file of the authority that signed the store's "
                                      "certificate: ask the store's administrator for it.")
        self.off_button = QPushButton("Turn off verification…")
        self.off_button.setToolTip("Last resort: the certificate is then not checked at all.")
        self.bundle_button.clicked.connect(self.choose_bundle)
        self.off_button.clicked.connect(self.turn_off)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Fix:"))
        row.addWidget(self.bundle_button)
        row.addWidget(self.off_button)
        row.addStretch(1)
        self.hide()

    def offer(self, code: str, tried_bundle: bool) -> None:
        """Show what fits the refusal ``code`` (none for other answers)."""
        refused = code in CERTIFICATE_CODES
        # no bundle makes an expired certificate, or one for another name, acceptable
        bundle_helps = refused and code not in _NO_BUNDLE_HELPS
        self.bundle_button.setVisible(bundle_helps)
        self.off_button.setVisible(refused and (tried_bundle or not bundle_helps))
        self.setVisible(refused)


_NO_BUNDLE_HELPS = {CertificateProblem.EXPIRED.value, CertificateProblem.WRONG_HOST.value}
