"""The Accounts dialog and a store whose certificate is refused: the problem in plain words,
the CA bundle offered first, verification off only after, and shown where it is off."""

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from hoist.core.settings.accounts import AccountBook
from hoist.core.settings.secrets import SecretStore
from hoist.ui.dialogs.accounts import TLS_OFF, AccountDialog


@pytest.fixture
def dialog(qtbot, data_dir, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k:
                        shown.append(text) or QMessageBox.Ok)
    dlg = AccountDialog(AccountBook.load(data_dir / "accounts.json"), SecretStore())
    dlg.warnings = shown
    qtbot.addWidget(dlg)
    return dlg


def fill(dlg, endpoint, bucket, ca_bundle=""):
    dlg.name.setText("NAS")
    dlg.endpoint.setText(endpoint)
    dlg.region.setText("us-east-1")
    dlg.bucket.setText(bucket)
    dlg.ca_bundle.setText(str(ca_bundle))


def answer(qtbot, dlg, start=None) -> str:
    (start or dlg.test_connection)()
    qtbot.waitUntil(dlg.test_button.isEnabled, timeout=15_000)
    return dlg.test_result.text()


def offered(dlg) -> tuple[bool, bool]:
    """(CA bundle offered, switching verification off offered)."""
    offer = dlg.trust_offer
    return (offer.isVisibleTo(dlg) and offer.bundle_button.isVisibleTo(dlg),
            offer.isVisibleTo(dlg) and offer.off_button.isVisibleTo(dlg))


def test_an_unknown_issuer_offers_the_bundle_and_the_bundle_fixes_it(qtbot, dialog, tls, bucket,
                                                                      monkeypatch):
    fill(dialog, tls.good.endpoint_url, bucket)
    text = answer(qtbot, dialog)
    assert "unknown issuer" in text and "self-signed" in text
    assert offered(dialog) == (True, False)             # the bundle first, nothing riskier
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(tls.ca.path), ""))
    text = answer(qtbot, dialog, dialog.trust_offer.bundle_button.click)
    assert text.startswith("✓ Connected") and dialog.ca_bundle.text() == str(tls.ca.path)
    assert offered(dialog) == (False, False)
    assert dialog.save()
    saved = AccountBook.load(dialog.book.path).get("NAS")
    assert saved.ca_bundle == str(tls.ca.path) and saved.verify_tls


def test_verification_off_is_offered_only_after_a_bundle_and_then_shown(qtbot, dialog, tls, bucket,
                                                                         monkeypatch):
    fill(dialog, tls.good.endpoint_url, bucket, ca_bundle=tls.other_ca.path)
    assert "unknown issuer" in answer(qtbot, dialog)
    assert offered(dialog) == (True, True)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.Yes)
    text = answer(qtbot, dialog, dialog.trust_offer.off_button.click)
    assert text.startswith("✓ Connected") and not dialog.verify_tls.isChecked()
    assert dialog.tls_warning.isVisibleTo(dialog) and not dialog.ca_bundle.isEnabled()
    assert dialog.save()
    assert dialog.list.currentItem().toolTip() == TLS_OFF
    assert not AccountBook.load(dialog.book.path).get("NAS").verify_tls


@pytest.mark.parametrize("front, says", [("expired", "has expired"),
                                         ("wrong_host", "another host name")])
def test_a_certificate_no_bundle_can_fix_is_named(qtbot, dialog, tls, bucket, front, says):
    fill(dialog, getattr(tls, front).endpoint_url, bucket, ca_bundle=tls.ca.path)
    assert says in answer(qtbot, dialog)
    assert offered(dialog) == (False, True)


def test_a_bundle_that_is_not_there_is_refused_before_testing_or_saving(dialog, tls, bucket,
                                                                        tmp_path):
    fill(dialog, tls.good.endpoint_url, bucket, ca_bundle=tmp_path / "gone.pem")
    dialog.test_connection()
    assert "does not exist" in dialog.test_result.text()
    assert not dialog.save() and "does not exist" in dialog.warnings[-1]

