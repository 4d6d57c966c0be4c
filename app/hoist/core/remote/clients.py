"""Where uploads go (Destination), and one thread-safe botocore client per destination (S3Clients).

botocore's own retries are off: the engine retries under its own policy so
that every retry is logged with its cause and network outages are waited out
without spending the retry budget. The clients also remember what each endpoint
refused (flexible checksums), what has been said of it once, and the SSE-C keys
given to this run.
"""

import logging
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from urllib3.exceptions import InsecureRequestWarning

from hoist.core.remote.direct.switch import direct_enabled
from hoist.core.remote.errors import ErrorKind, S3Error, endpoint_label
from hoist.core.remote.objects import CustomerKey, customer_key_name
from hoist.core.remote.tls import bundle_problem, verify_argument

log = logging.getLogger("hoist.s3")


@dataclass(frozen=True)
class Destination:
    """Where uploads go, and how to reach it. The secret itself is never part of it."""

    bucket: str
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    account: str = "default"
    path_style: bool = False
    verify_tls: bool = True
    access_key_id: str | None = None   # its secret lives in the SecretStore
    ca_bundle: str | None = None       # PEM file of CAs to trust; None: AWS_CA_BUNDLE, profile, system


def read_timeout() -> float:
    """Seconds an answer may stay silent before the connection counts as lost: 60, or
    $HOIST_READ_TIMEOUT (a link whose stalls should be noticed sooner; tests)."""
    try:
        return max(1.0, float(os.environ.get("HOIST_READ_TIMEOUT", "60")))
    except ValueError:
        return 60.0


class S3Clients:
    """Hands out one shared botocore client per distinct destination (they are thread-safe)."""

    def __init__(self, max_pool_connections: int = 16, secrets=None,
                 cache_dir: Path | None = None):
        self.max_pool_connections = max_pool_connections
        self.secrets = secrets
        self.cache_dir = cache_dir          # where S3's slices of botocore's data are kept
        self._clients: dict[tuple, object] = {}
        self._no_checksums: set[str | None] = set()     # endpoints that refuse them
        self._noted: set[tuple] = set()                 # (endpoint, remark) said once already
        self._lock = threading.Lock()
        self.customer_keys: dict[str, CustomerKey] = {}  # SSE-C keys given to this run, by MD5
        self.direct = direct_enabled()      # PutObject and UploadPart on the lean path

    @staticmethod
    def _ident(dest: Destination) -> tuple:
        return (dest.endpoint_url, dest.region, dest.profile, dest.account, dest.path_style,
                dest.verify_tls, dest.access_key_id, dest.ca_bundle)

    def client_for(self, dest: Destination, fresh: bool = False):
        """The shared client of ``dest``; with ``fresh``, one made now on a new botocore session
        (which reads the profile, the SSO cache or the credential_process again), and shared
        from then on."""
        ident = self._ident(dest)
        if not fresh:
            with self._lock:
                client = self._clients.get(ident)
            if client is not None:
                return client
        # Made outside the lock: reading credentials may run a credential_process or ask the
        # keyring, and every other account's requests must not wait for that.
        client = self._make_client(dest)
        with self._lock:
            if not fresh:            # another thread may have made one meanwhile: share it
                client = self._clients.setdefault(ident, client)
            else:
                self._clients[ident] = client
            return client

    def forget(self, dest: Destination | None = None, client=None) -> None:
        """Drop the cached client of ``dest`` (all, if None): the next call reads the
        credentials again (a secret fixed under Accounts, a refreshed session token).
        With ``client``, only if that is still the one cached: a request refused with
        stale credentials must not drop the client a probe has just renewed."""
        with self._lock:
            if dest is None:
                self._clients.clear()
            elif client is None or self._clients.get(self._ident(dest)) is client:
                self._clients.pop(self._ident(dest), None)

    def _make_client(self, dest: Destination):
        # Imported here, not at the top: botocore takes a fifth of a second to import, and
        # the window paints before any client is needed. botocore's own session, not boto3's:
        # boto3 adds only resources and s3transfer's upload_file & co., which Hoist does not
        # use, and importing them costs every `hoist` run ~40 ms and ~4 MiB (issue #24).
        from botocore.config import Config
        from botocore.session import Session

        from hoist.core.remote.botocore_data import lean_data
        config = Config(
            max_pool_connections=self.max_pool_connections,
            retries={"total_max_attempts": 1, "mode": "standard"},
            connect_timeout=10, read_timeout=read_timeout(),
            # Requests sign with SigV4 either way; said outright, share links do too (left
            # implicit, botocore presigns with SigV2, whose links no week-long limit governs
            # and newer regions refuse)
            signature_version="s3v4",
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            # Each part carries a signed CRC32 or MD5 header that the server checks, so the
            # body needs no SHA-256 signature even over plain HTTP (botocore would otherwise
            # read every part twice: once to hash it, once to send it).
            s3={"addressing_style": "path" if dest.path_style else "auto",
                "payload_signing_enabled": False},
        )
        session = Session(profile=dest.profile or None)
        if self.cache_dir is not None:      # S3's slices of botocore's data, kept there
            lean_data(session, self.cache_dir)
        credentials = {}
        if dest.access_key_id:
            secret = self.secrets.get(dest.account, dest.access_key_id) if self.secrets else None
            if secret is None:
                raise S3Error(ErrorKind.FATAL, "NoSecret",
                              f"The secret key of account {dest.account} is not in the keyring: "
                              "enter it again under Accounts.")
            credentials = {"aws_access_key_id": dest.access_key_id, "aws_secret_access_key": secret}
        self._check_trust(dest)
        try:
            client = session.create_client(
                "s3", endpoint_url=dest.endpoint_url or None, region_name=dest.region or None,
                config=config, verify=verify_argument(dest.ca_bundle, dest.verify_tls),
                **credentials)
        except ValueError:          # botocore's "Invalid endpoint"; BotoCoreErrors are classified
            raise S3Error(ErrorKind.FATAL, "InvalidEndpoint",
                          f"{endpoint_label(dest.endpoint_url)} is not a valid endpoint URL: "
                          "use the form https://host[:port].") from None
        client.meta.events.register_last("before-call.s3", _no_wait_for_small_bodies)
        _send_in_big_blocks(client)
        if self.direct:
            from hoist.core.remote.direct.sending import DirectRequests
            DirectRequests(client)
        return client

    def _check_trust(self, dest: Destination) -> None:
        """Refuse a CA bundle that cannot work; say once a run that verification is off."""
        if not dest.verify_tls:
            if self.first_time(dest.endpoint_url, "tls-off"):
                # said here once, in words; not by urllib3 on stderr at every request
                warnings.filterwarnings("ignore", category=InsecureRequestWarning)
                log.warning("TLS verification is off for %s (account %s): its certificate is "
                            "not checked, so anyone on the network path can read or alter "
                            "the uploads", endpoint_label(dest.endpoint_url), dest.account)
            return
        problem = dest.ca_bundle and bundle_problem(dest.ca_bundle)
        if problem:
            raise S3Error(ErrorKind.FATAL, "CABundle", problem)

    def bucket(self, dest: Destination):
        """The calls against ``dest`` (a hoist.core.remote.s3.Bucket)."""
        from hoist.core.remote.s3 import Bucket  # s3.py imports this module
        return Bucket(self, dest)

    def customer_key(self, account: str, md5: str) -> CustomerKey | None:
        """The SSE-C key whose MD5 is ``md5``: given to this run (`hoist`'s flags), or kept
        in the keyring for ``account`` (the window's, see customer_key_name)."""
        key = self.customer_keys.get(md5)
        if key is None and self.secrets is not None:
            text = self.secrets.get(account, customer_key_name(md5))
            if text:
                try:
                    key = CustomerKey.from_bytes(text.encode())
                except ValueError:
                    return None
        return key if key is not None and key.md5 == md5 else None


    def checksums_supported(self, endpoint_url: str | None) -> bool:
        return endpoint_url not in self._no_checksums

    def refuse_checksums(self, endpoint_url: str | None) -> None:
        self._no_checksums.add(endpoint_url)

    def noted(self, endpoint_url: str | None, remark: str) -> bool:
        """Has ``remark`` been made of this endpoint (by :meth:`first_time`)?"""
        with self._lock:
            return (endpoint_url, remark) in self._noted

    def first_time(self, endpoint_url: str | None, remark: str) -> bool:
        """True once per endpoint and remark: a store's limits are logged once, not per task."""
        with self._lock:
            if (endpoint_url, remark) in self._noted:
                return False
            self._noted.add((endpoint_url, remark))
            return True


# botocore asks for `Expect: 100-continue` with every file-like body, so each PutObject
# waits a round trip for the server's go-ahead before its body. That saves sending a large
# body that would be refused; a body this small costs less to send than the wait does.
SMALL_BODY = 1024 * 1024


# http.client sends a file-like body 16 KiB at a time: a read of the file, a progress report
# and a send each. 256 KiB blocks are 16 times fewer of them (a 1 GiB upload's CPU over a slow
# link was mostly these), and a pause still lands within a block.
BODY_BLOCK = 256 * 1024


def _send_in_big_blocks(client) -> None:
    """The connections the client makes from now on send request bodies in BODY_BLOCKs."""
    manager = getattr(client._endpoint.http_session, "_manager", None)
    if manager is not None:           # urllib3's PoolManager: its connections' keywords
        manager.connection_pool_kw["blocksize"] = BODY_BLOCK


def _no_wait_for_small_bodies(model, params, **_kwargs) -> None:
    if model.name == "PutObject" and "Expect" in params.get("headers", {}):
        if int(params["headers"].get("Content-Length") or SMALL_BODY) < SMALL_BODY:
            del params["headers"]["Expect"]
