#!/usr/bin/env bash
# Runs every test layer of the project and prints a summary; exits non-zero if any layer failed.
# This is the README's test command and what CI runs (.ci/run).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

./scripts/bootstrap.sh test || { echo "bootstrap failed"; exit 1; }
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
export CARGO_TERM_COLOR=never

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
summary=()
failed_layers=0
total_passed=0
total_failed=0

# layer <name> <command...>: runs the command, keeps its output, counts the tests its runners report.
layer() {
  local name=$1; shift
  local log="$logs/$name.log" start=$SECONDS status passed failed
  printf '\n===== %s: %s\n' "$name" "$*"
  "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  # cargo test / wasm-bindgen-test: "test result: ok. N passed; M failed"; others: "N passed, M failed".
  # node --test: "# pass N" / "# fail N" (TAP) or "ℹ pass N" (spec).
  passed=$( { grep -aoE '([0-9]+) passed[;,]' "$log"; grep -aoE '^(#|ℹ) pass [0-9]+' "$log"; } | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
  failed=$( { grep -aoE '([0-9]+) failed' "$log"; grep -aoE '^(#|ℹ) fail [0-9]+' "$log"; } | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
  [ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
  total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed))
  [ "$status" -ne 0 ] && failed_layers=$((failed_layers + 1))
  summary+=("$(printf '%-10s %-5s %5s passed %4s failed %5ss' "$name" "$([ "$status" -eq 0 ] && echo ok || echo FAIL)" "$passed" "$failed" "$((SECONDS - start))")")
}

lint() {
  cargo fmt --all --check &&
    cargo clippy --workspace --all-targets -- -D warnings &&
    cargo clippy -p cognito-wasm --all-targets -- -D warnings &&
    cargo clippy -p cognito-wasm --all-targets --target wasm32-unknown-unknown -- -D warnings &&
    cargo clippy -p cognito-wasm --all-targets --target wasm32-unknown-unknown --no-default-features --features talc -- -D warnings &&
    cargo clippy -p cognito-wasm --features all-algorithms --all-targets -- -D warnings &&
    cargo clippy -p cognito-wasm --target wasm32-unknown-unknown --features serde -- -D warnings &&
    cargo clippy -p cognito-wasm-example --target wasm32-unknown-unknown -- -D warnings &&
    cargo doc -p cognito-wasm --no-deps --quiet
}

layer lint lint
# The cargo feature `serde` (off in the npm package; the example app turns it on, so the workspace clippy
# above has it and the `-p cognito-wasm` line has not): its tests are tests/serde.rs and a flow test.
layer native bash -c 'cargo test -p cognito-wasm && cargo test -p cognito-wasm --features serde'
layer devstack ./devstack/test.sh
layer browser cargo test -p cognito-wasm --target wasm32-unknown-unknown   # headless Chromium: .cargo/config.toml
layer package bash -c './scripts/build-pkg.sh && ./scripts/prices.sh --parts && node scripts/size.mjs'
layer consumer node tests/consumer/run.mjs
layer e2e bash -c 'cargo build -q -p devstack && node --test --test-concurrency=1 --test-reporter=tap tests/e2e/'

printf '\n===== summary\n'
printf '%s\n' "${summary[@]}"
echo "total: $total_passed passed, $total_failed failed"
[ "$failed_layers" -eq 0 ]
