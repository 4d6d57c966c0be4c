"""Accounts: named destinations the window uploads to, kept in accounts.json — never a secret.

An account's access key id is stored here; its secret lives in the keyring
(hoist.core.settings.secrets). So does the SSE-C key of its object defaults: this file
keeps only the key's MD5. A damaged accounts.json is kept aside and an empty book
started, like the checkpoint store.
"""

import json
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from hoist.core.local.private_files import make_private_dir, tighten, write_private_text
from hoist.core.remote.objects import ObjectSettings
from hoist.core.remote.s3 import Destination


@dataclass
class Account:
    name: str
    endpoint_url: str | None = None
    region: str | None = None
    path_style: bool = False
    bucket: str = ""
    prefix: str = ""
    profile: str | None = None
    access_key_id: str | None = None
    verify_tls: bool = True
    ca_bundle: str | None = None      # PEM file of CAs to trust, before AWS_CA_BUNDLE and the rest
    # what the window's uploads to this account look like: ObjectSettings' fields that are
    # not the default (cache_control, metadata, tags, storage_class, sse, acl, …)
    objects: dict = field(default_factory=dict)

    def object_settings(self) -> ObjectSettings:
        """The object defaults, as the window's uploads take them when their tasks are made."""
        return ObjectSettings.from_json(json.dumps(self.objects))

    def destination(self) -> Destination:
        return Destination(bucket=self.bucket, endpoint_url=self.endpoint_url or None,
                           region=self.region or None, profile=self.profile or None,
                           account=self.name, path_style=self.path_style,
                           verify_tls=self.verify_tls, access_key_id=self.access_key_id or None,
                           ca_bundle=self.ca_bundle or None)

    @property
    def where(self) -> str:
        """For people: ``s3://bucket/prefix`` and the endpoint when it is not AWS."""
        place = f"s3://{self.bucket}/{self.prefix}"
        return f"{place} at {self.endpoint_url}" if self.endpoint_url else place


class AccountBook:
    def __init__(self, path: Path, accounts: list[Account], default_name: str | None = None):
        self.path = Path(path)
        self.accounts = accounts
        self.default_name = default_name
        self.recovered_from: Path | None = None

    @classmethod
    def load(cls, path: Path) -> "AccountBook":
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            known = {f.name for f in fields(Account)}
            accounts = [Account(**{k: v for k, v in a.items() if k in known})
                        for a in data.get("accounts", [])]
            return cls(path, accounts, data.get("default"))
        except FileNotFoundError:
            return cls(path, [])
        except (ValueError, TypeError, AttributeError):
            aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(path, aside)
            tighten(aside)
            book = cls(path, [])
            book.recovered_from = aside
            return book

    def get(self, name: str) -> Account | None:
        return next((a for a in self.accounts if a.name == name), None)

    @property
    def default(self) -> Account | None:
        return self.get(self.default_name) if self.default_name else (
            self.accounts[0] if self.accounts else None)

    def upsert(self, account: Account, old_name: str | None = None) -> None:
        """Add ``account`` or replace the one called ``old_name`` (or its own name)."""
        target = old_name or account.name
        for i, existing in enumerate(self.accounts):
            if existing.name == target:
                self.accounts[i] = account
                break
        else:
            self.accounts.append(account)
        if self.default_name == target:
            self.default_name = account.name

    def remove(self, name: str) -> None:
        self.accounts = [a for a in self.accounts if a.name != name]
        if self.default_name == name:
            self.default_name = None

    def save(self) -> None:
        """Write atomically: a crash mid-write leaves the old file, never half of the new."""
        make_private_dir(self.path.parent)
        write_private_text(self.path, json.dumps(
            {"default": self.default_name, "accounts": [asdict(a) for a in self.accounts]},
            indent=2, ensure_ascii=False))


def list_aws_profiles() -> list[str]:
    """The profiles botocore finds in ~/.aws/config and ~/.aws/credentials."""
    from botocore.session import Session
    try:
        return sorted(Session().available_profiles)
    except Exception:  # noqa: BLE001 -- a broken ~/.aws/config must not break the dialog
        return []
