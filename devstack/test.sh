#!/usr/bin/env bash
# devstack's full test: Rust integration tests, then the boto3 proof against the built binary.
# Idempotent and CI-safe: no prompts, free ports, a temp data dir, the server is stopped on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/devstack-venv"
python="${PYTHON:-python3}"

echo "== devstack: cargo test -p devstack"
cargo test -p devstack

echo "== devstack: cargo build -p devstack"
cargo build -p devstack
bin="$target/debug/devstack"

data="$(mktemp -d "${TMPDIR:-/tmp}/devstack-test.XXXXXX")"
log="$data.log"
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$data" "$log"
}
trap cleanup EXIT INT TERM

echo "== devstack: python venv ($venv)"
stamp="$venv/.devstack-requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$stamp"; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$stamp"
fi

echo "== devstack: starting on free ports"
"$bin" --data-dir "$data/state" --cognito-port 0 --s3-port 0 --dynamodb-port 0 >"$log" 2>&1 &
pid=$!
cognito=""
s3=""
dynamodb=""
for _ in $(seq 1 100); do
    line="$(grep -m1 '^devstack: cognito ' "$log" || true)"
    if [ -n "$line" ]; then
        cognito="$(echo "$line" | sed -E 's#.*cognito http://[^:]+:([0-9]+).*#\1#')"
        s3="$(echo "$line" | sed -E 's#.* s3 http://[^:]+:([0-9]+).*#\1#')"
        dynamodb="$(echo "$line" | sed -E 's#.* dynamodb http://[^:]+:([0-9]+).*#\1#')"
        break
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "devstack exited early" >&2; exit 1; }
    sleep 0.1
done
[ -n "$cognito" ] && [ -n "$s3" ] && [ -n "$dynamodb" ] || { cat "$log"; echo "devstack did not start" >&2; exit 1; }
echo "devstack: cognito on $cognito, s3 on $s3, dynamodb on $dynamodb"

echo "== devstack: boto3 proof"
status=0
"$venv/bin/python" "$here/tests/sdk_proof.py" --cognito "http://127.0.0.1:$cognito" --s3 "http://127.0.0.1:$s3" --dynamodb "http://127.0.0.1:$dynamodb" || status=$?

kill -TERM "$pid"
wait "$pid" || { echo "devstack did not shut down cleanly" >&2; status=1; }
pid=""
if [ "$status" -ne 0 ]; then
    echo "---- devstack log"; cat "$log"
fi
exit "$status"
