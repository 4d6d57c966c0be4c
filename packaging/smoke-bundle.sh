#!/usr/bin/env bash
# Smoke test of a built bundle, as a user would try it, all on loopback:
#   1. `hoist --version`
#   2. the window with its embedded demo server, offscreen (it must stay up and log its server);
#      its engine and the demo server run as child processes (`hoist _engine`, `hoist _demo`)
#   3. `hoist upload` of a small file from the command line to that demo server: exit 0;
#      `hoist download` of it back, identical; `hoist watch` sends a file, exits 0 on SIGTERM
#   4. a file handed to the running window by a second `hoist FILE`: completed in its store
#   5. SIGTERM: the window checkpoints and exits 0, and its child processes end with it
# Prints the start-up time of `hoist --version` and of the window (spawn to demo server up).
#
#   bash packaging/smoke-bundle.sh dist/hoist/hoist
set -euo pipefail
exe=$(realpath "${1:-dist/hoist/hoist}")
work=$(mktemp -d)
window_pid=""
cleanup() {
    [ -n "$window_pid" ] && kill -9 "$window_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
export QT_QPA_PLATFORM=offscreen PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring
fail() { echo "SMOKE FAILED: $*" >&2; [ -f "$work/window/hoist.log" ] && tail -20 "$work/window/hoist.log" >&2; exit 1; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

start=$(ms)
version=$("$exe" --version) || fail "--version"
echo "ok  $version (in $(( $(ms) - start )) ms)"

mkdir -p "$work/window" "$work/cli" "$work/files"
head -c 300000 /dev/urandom > "$work/files/handed.bin"
head -c 70000 /dev/urandom > "$work/files/from-cli.bin"

start=$(ms)
HOIST_DATA_DIR=$work/window "$exe" --demo >"$work/window.out" 2>&1 &
window_pid=$!
endpoint=""
for _ in $(seq 600); do
    kill -0 "$window_pid" 2>/dev/null || fail "the window exited: $(cat "$work/window.out")"
    endpoint=$(grep -o 'demo S3 server on http://127.0.0.1:[0-9]*' "$work/window/hoist.log" 2>/dev/null \
               | grep -o 'http://.*' || true)
    [ -n "$endpoint" ] && break
    sleep 0.1
done
[ -n "$endpoint" ] || fail "the window's demo server did not start within 60 s"
echo "ok  window up with its demo server at $endpoint (in $(( $(ms) - start )) ms)"

# The window starts its engine (`hoist _engine …`) and its demo server (`hoist _demo`) as
# child processes of the same executable.
children=$(ps -o pid=,args= --ppid "$window_pid" || true)
echo "$children" | grep -q " _engine " || fail "no engine process under the window: $children"
echo "$children" | grep -q " _demo" || fail "no demo server process under the window: $children"
child_pids=$(echo "$children" | awk '{print $1}')
echo "ok  the engine and the demo server run as processes of their own"

HOIST_DATA_DIR=$work/cli AWS_ACCESS_KEY_ID=smoke AWS_SECRET_ACCESS_KEY=smoke AWS_DEFAULT_REGION=us-east-1 \
    "$exe" upload "$work/files/from-cli.bin" --bucket hoist-demo --endpoint-url "$endpoint" --quiet \
    || fail "hoist upload to the demo server"
echo "ok  hoist upload to the demo server"

HOIST_DATA_DIR=$work/cli AWS_ACCESS_KEY_ID=smoke AWS_SECRET_ACCESS_KEY=smoke AWS_DEFAULT_REGION=us-east-1 \
    "$exe" download s3://hoist-demo/from-cli.bin "$work/back" --endpoint-url "$endpoint" --quiet \
    || fail "hoist download from the demo server"
cmp -s "$work/files/from-cli.bin" "$work/back/from-cli.bin" || fail "the download differs"
echo "ok  hoist download from the demo server, identical"

# A folder of small files: batches, the direct path and its socket for small PUTs
mkdir -p "$work/photos"
for i in $(seq -w 1 40); do head -c $((3000 + 10#$i)) /dev/urandom > "$work/photos/IMG_$i.jpg"; done
HOIST_DATA_DIR=$work/cli AWS_ACCESS_KEY_ID=smoke AWS_SECRET_ACCESS_KEY=smoke AWS_DEFAULT_REGION=us-east-1 \
    "$exe" upload "$work/photos" --bucket hoist-demo --endpoint-url "$endpoint" --quiet \
    || fail "hoist upload of a folder of small files"
HOIST_DATA_DIR=$work/cli AWS_ACCESS_KEY_ID=smoke AWS_SECRET_ACCESS_KEY=smoke AWS_DEFAULT_REGION=us-east-1 \
    "$exe" download s3://hoist-demo/photos/ "$work/photos-back" --endpoint-url "$endpoint" --quiet \
    || fail "hoist download of the folder"
diff -r "$work/photos" "$work/photos-back/photos" >/dev/null 2>&1 || diff -r "$work/photos" "$work/photos-back" >/dev/null \
    || fail "the folder came back different"
echo "ok  a folder of 40 small files up and back, identical"

mkdir -p "$work/watched"
head -c 5000 /dev/urandom > "$work/watched/seen.bin"
HOIST_DATA_DIR=$work/watch AWS_ACCESS_KEY_ID=smoke AWS_SECRET_ACCESS_KEY=smoke AWS_DEFAULT_REGION=us-east-1 \
    "$exe" watch "$work/watched" --bucket hoist-demo --endpoint-url "$endpoint" --settle 0.2 \
    >"$work/watch.out" 2>&1 &
watch_pid=$!
for _ in $(seq 300); do grep -q "seen.bin →" "$work/watch.out" && break; sleep 0.1; done
kill -TERM "$watch_pid"
wait "$watch_pid" || fail "hoist watch did not exit 0 on SIGTERM: $(cat "$work/watch.out")"
grep -q "seen.bin →" "$work/watch.out" || fail "hoist watch did not send its file: $(cat "$work/watch.out")"
echo "ok  hoist watch sent a file and exited 0 on SIGTERM"

HOIST_DATA_DIR=$work/window "$exe" "$work/files/handed.bin" || fail "handing a file to the window"
for _ in $(seq 600); do
    HOIST_DATA_DIR=$work/window "$exe" list | grep -q completed && break
    sleep 0.1
done
HOIST_DATA_DIR=$work/window "$exe" list | grep -q completed || fail "the handed file did not complete"
echo "ok  a file handed to the window was uploaded"

kill -TERM "$window_pid"
wait "$window_pid" || fail "the window did not exit cleanly on SIGTERM"
window_pid=""
echo "ok  the window exited cleanly"
gone() {   # exited, or a zombie left for a reaper that a container's init may not run
    [ ! -e "/proc/$1" ] || grep -q '^State:.Z' "/proc/$1/status" 2>/dev/null
}
for pid in $child_pids; do
    for _ in $(seq 100); do gone "$pid" && break; sleep 0.1; done
    gone "$pid" || fail "process $pid ($(tr '\0' ' ' < "/proc/$pid/cmdline")) outlived the window"
done
echo "ok  the engine and the demo server ended with the window"
echo "Bundle smoke test passed."
