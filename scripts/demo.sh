#!/usr/bin/env bash
# Runs the ShopSphere demo: devstack (local Cognito + S3) and `trunk serve` on http://localhost:8080/, which
# serves www/ with the release npm package (pkg/, built here by scripts/build-pkg.sh).
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh demo
./scripts/build-pkg.sh

cargo build -p devstack
./target/debug/devstack --data-dir .devstack &
devstack=$!
trap 'kill "$devstack" 2>/dev/null; wait "$devstack" 2>/dev/null' EXIT INT TERM
sleep 0.5
kill -0 "$devstack" || { echo "devstack did not start"; exit 1; }
echo
echo "ShopSphere demo: http://localhost:8080/   (sign in as demo / ShopSphere!2026)"
echo
trunk serve
