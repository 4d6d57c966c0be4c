"""Credentials that rotate under a running upload: an AWS profile whose credential_process
reads the current access key from a file the test rewrites (issue #28).

A fault proxy's ``refuse_key(OLD)`` then plays the store that no longer takes the
old key; moto itself accepts any key, so what reaches it proves which key signed.
"""

import os
import sys
import textwrap
from pathlib import Path

OLD, NEW = "AKIDROTATEDOLD", "AKIDROTATEDNEW"
PROFILE = "rotating"

_PROCESS = textwrap.dedent("""\
    import json, sys
    key_id, secret = open(sys.argv[1]).read().split()
    print(json.dumps({"Version": 1, "AccessKeyId": key_id, "SecretAccessKey": secret}))
""")


class RotatingProfile:
    """Writes the profile into $AWS_CONFIG_FILE (tests/conftest.py points it at tmp)."""

    def __init__(self, folder: Path, extra: str = ""):
        folder.mkdir(parents=True, exist_ok=True)
        self.keys = folder / "current-key"
        script = folder / "credential_process.py"
        script.write_text(_PROCESS)
        self.use(OLD)
        Path(os.environ["AWS_CONFIG_FILE"]).write_text(
            f"[profile {PROFILE}]\ncredential_process = {sys.executable} {script} {self.keys}\n"
            f"region = us-east-1\n{extra}")

    def use(self, key_id: str) -> None:
        """What the credential_process answers from now on (written whole, then renamed)."""
        temp = self.keys.with_suffix(".tmp")
        temp.write_text(f"{key_id} secret-of-{key_id}\n")
        os.replace(temp, self.keys)


def key_id_of(request) -> str:
    """The access key id a recorded request was signed with."""
    return request.headers["authorization"].split("Credential=")[1].split("/")[0]
