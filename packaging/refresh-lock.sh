#!/usr/bin/env bash
# Refreshes requirements.lock: every package that Hoist, its demo server and its tests install
# (the demo and test extras), pinned with hashes, for Python 3.11 on Linux. pyproject.toml
# keeps its ranges for `pip install` users; install.sh, CI and the bundle install the lock.
#
#   bash packaging/refresh-lock.sh                            # newest within pyproject's ranges
#   bash packaging/refresh-lock.sh --upgrade-package boto3    # pip-compile's options pass through
#
# pip-tools runs in a venv of its own (.venv-tools), never in the app's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

python=$(command -v python3.11 || true)
if [ -z "$python" ]; then
    echo "refresh-lock: the lock is made for Python 3.11 and python3.11 is not on PATH" >&2
    exit 2
fi
tools=.venv-tools
if [ ! -x "$tools/bin/pip-compile" ]; then
    "$python" -m venv "$tools"
    "$tools/bin/python" -m pip install -q "pip-tools==7.7.0"
fi
upgrade=--upgrade
[ $# -gt 0 ] && upgrade=            # given options say what to upgrade

# From PyPI alone, whatever pip.conf or PIP_* add on this machine (local mirrors, constraints):
# the hashes are those of the files everyone downloads. hoist itself (the test extra names
# hoist[demo]) is left out: install.sh installs it from the checkout with --no-deps.
# (Its output is shown only on failure: building hoist's metadata makes setuptools nag.)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL -u PIP_CONSTRAINT \
        PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="bash packaging/refresh-lock.sh" \
        "$tools/bin/pip-compile" --quiet --generate-hashes --strip-extras --unsafe-package hoist \
        --no-emit-index-url --no-emit-find-links --index-url https://pypi.org/simple \
        --extra demo --extra test $upgrade "$@" -o requirements.lock pyproject.toml 2>"$log"; then
    cat "$log" >&2
    exit 1
fi
# pip-compile's closing note says hoist is unpinned; say what is meant instead
sed -i '/^# WARNING: The following packages were not pinned/,$d' requirements.lock
echo "# hoist itself comes from the checkout: pip install --no-deps -e . (packaging/install.sh)" \
    >> requirements.lock
echo "requirements.lock: $(grep -c '==' requirements.lock) packages pinned with hashes"
