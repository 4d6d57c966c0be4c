"""DemoServer: an embedded local S3 (moto's server) so `hoist --demo` works without a cloud account.

The server runs in a process of its own (``python -m hoist.demo``, or ``hoist _demo``
in the bundle), listens on 127.0.0.1 on a free port, holds everything in memory,
and has one bucket, ``hoist-demo``. Its own process because it is busy while
uploads run: as threads of the window it would take the GIL from the GUI thread
(docs/architecture.md). It lives as long as its stdin is open: when the window
stops it, or dies, the server exits.

Its account, "Demo (local)", uses path-style addressing and made-up credentials
that are kept in memory for this run only: they never reach the keyring, the
accounts file or the log.
"""

import importlib.util
import logging
import queue
import signal
import subprocess
import sys
import threading

log = logging.getLogger("hoist.demo")

DEMO_ACCOUNT = "Demo (local)"
DEMO_BUCKET = "hoist-demo"
DEMO_REGION = "us-east-1"
_DEMO_KEY_ID = "HOISTDEMO"
_DEMO_SECRET = "hoist-demo-secret"   # moto accepts any signature; this opens nothing real
START_TIMEOUT = 60.0                  # seconds for the server's process to say where it listens
_MISSING = ("The demo server needs moto and flask, which are not installed ({name} is "
            "missing): install them with `pip install 'hoist[demo]'`, or add your own "
            "account under Accounts… instead.")


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
        self._process: subprocess.Popen | None = None
        self.endpoint_url: str | None = None

    def start(self):
        for name in ("moto", "flask"):        # found without importing them here
            if importlib.util.find_spec(name) is None:
                raise DemoUnavailable(_MISSING.format(name=name))
        # Windows would open a console window for a console program started from the
        # window: the server needs none (its stdin and stdout are pipes to us).
        self._process = subprocess.Popen(demo_command(), stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True,
                                         creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
        answer = self._first_line()
        if answer.startswith("missing "):
            self.stop()
            raise DemoUnavailable(_MISSING.format(name=answer.split()[1]))
        if not answer.startswith("ready "):
            self.stop()
            raise OSError(f"the demo server did not start ({answer or 'no answer'})")
        self.endpoint_url = answer.split()[1]
        log.info("demo S3 server on %s with bucket %s (process %d)", self.endpoint_url,
                 DEMO_BUCKET, self._process.pid)
        return self.account()

    def _first_line(self) -> str:
        """What the server's process said first, or "" if it said nothing in START_TIMEOUT.
        (A thread reads it: select() takes no pipes on Windows.)"""
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: lines.put(self._process.stdout.readline()),
                         daemon=True).start()
        try:
            return lines.get(timeout=START_TIMEOUT).strip()
        except queue.Empty:
            return ""

    def account(self):
        from hoist.core.settings.accounts import Account
        return Account(name=DEMO_ACCOUNT, endpoint_url=self.endpoint_url, region=DEMO_REGION,
                       path_style=True, bucket=DEMO_BUCKET, prefix="", profile=None,
                       access_key_id=_DEMO_KEY_ID, verify_tls=True)

    def secrets(self, store) -> SessionSecrets:
        """``store`` with the demo's credentials added in memory."""
        layered = store if isinstance(store, SessionSecrets) else SessionSecrets(store)
        layered.remember(DEMO_ACCOUNT, _DEMO_KEY_ID, _DEMO_SECRET)
        return layered

    def stop(self) -> None:
        if self._process is not None:
            self._process.stdin.close()          # the server's cue to exit
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process.stdout.close()
            self._process = None


def demo_command() -> list[str]:
    """How to start the server's process: ``python -m hoist.demo``, or the bundle's own executable."""
    if getattr(sys, "frozen", False):        # the PyInstaller bundle: hoist_entry → cli.main
        return [sys.executable, "_demo"]
    return [sys.executable, "-m", "hoist.demo"]


def serve() -> int:
    """The server's process: start moto, make the bucket, print ``ready URL``, run until
    stdin closes. Prints ``missing NAME`` instead if moto or flask cannot be imported."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl+C is for the window, which stops us
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError as e:
        print(f"missing {e.name}", flush=True)
        return 1
    # werkzeug logs every request at INFO on stderr; the window is the place to watch.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint_url = f"http://{host}:{port}"
    s3 = boto3.session.Session(aws_access_key_id=_DEMO_KEY_ID,
                               aws_secret_access_key=_DEMO_SECRET).client(
        "s3", endpoint_url=endpoint_url, region_name=DEMO_REGION)
    s3.create_bucket(Bucket=DEMO_BUCKET)
    print(f"ready {endpoint_url}", flush=True)
    sys.stdin.read()                          # until the window closes it, or exits
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
