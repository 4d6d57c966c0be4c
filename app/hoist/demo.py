"""DemoServer: an embedded local S3 (moto's threaded server) so `hoist --demo` works without a cloud account.

The server listens on 127.0.0.1 on a free port, holds everything in memory,
and has one bucket, ``hoist-demo``. Its account, "Demo (local)", uses
path-style addressing and made-up credentials that are kept in memory for
this run only: they never reach the keyring, the accounts file or the log.
"""

import logging

log = logging.getLogger("hoist.demo")

DEMO_ACCOUNT = "Demo (local)"
DEMO_BUCKET = "hoist-demo"
DEMO_REGION = "us-east-1"
_DEMO_KEY_ID = "HOISTDEMO"
_DEMO_SECRET = "hoist-demo-secret"   # moto accepts any signature; this opens nothing real


class SessionSecrets:
    """A secret store that answers some secrets from memory and the rest from ``store``.

    The demo's made-up key lives here so that it is never written to the
    system keyring; every other call goes to the real store.
    """

    def __init__(self, store):
        self._store = store
        self._memory: dict[tuple[str, str], str] = {}

    def remember(self, account: str, key_id: str, secret: str) -> None:
        self._memory[(account, key_id)] = secret

    def get(self, account: str, key_id: str):
        found = self._memory.get((account, key_id))
        return found if found is not None else self._store.get(account, key_id)

    def __getattr__(self, name):        # set, delete, persistent, … of the real store
        return getattr(self._store, name)


class DemoUnavailable(Exception):
    """The demo server's optional dependencies (the ``demo`` extra) are not installed."""


class DemoServer:
    """Start with ``start()`` (returns the demo Account), stop with ``stop()``."""

    def __init__(self):
        self._server = None
        self.endpoint_url: str | None = None

    def start(self):
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as e:
            raise DemoUnavailable(
                f"The demo server needs moto and flask, which are not installed ({e.name} is "
                "missing): install them with `pip install 'hoist[demo]'`, or add your own "
                "account under Accounts… instead.") from None
        import boto3
        # werkzeug logs every request at INFO on stderr; the window is the place to watch.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        s3 = boto3.session.Session(aws_access_key_id=_DEMO_KEY_ID,
                                   aws_secret_access_key=_DEMO_SECRET).client(
            "s3", endpoint_url=self.endpoint_url, region_name=DEMO_REGION)
        try:
            s3.create_bucket(Bucket=DEMO_BUCKET)
        except (s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
            pass            # moto keeps state per process: a second demo server shares it
        log.info("demo S3 server on %s with bucket %s", self.endpoint_url, DEMO_BUCKET)
        return self.account()

    def account(self):
        from hoist.core.accounts import Account
        return Account(name=DEMO_ACCOUNT, endpoint_url=self.endpoint_url, region=DEMO_REGION,
                       path_style=True, bucket=DEMO_BUCKET, prefix="", profile=None,
                       access_key_id=_DEMO_KEY_ID, verify_tls=True)

    def secrets(self, store) -> SessionSecrets:
        """``store`` with the demo's credentials added in memory."""
        layered = store if isinstance(store, SessionSecrets) else SessionSecrets(store)
        layered.remember(DEMO_ACCOUNT, _DEMO_KEY_ID, _DEMO_SECRET)
        return layered

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
