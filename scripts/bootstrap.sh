#!/usr/bin/env bash
# Installs what the project needs, idempotently and at pinned versions; skips what is already there.
#   scripts/bootstrap.sh test   what the test command needs (the demo's end-to-end test builds it with trunk)
#   scripts/bootstrap.sh demo   what the demo command needs
# Tool downloads from GitHub do not work here: everything comes from crates.io, Debian and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-test}"
. scripts/versions.sh   # NIGHTLY, TRUNK_VERSION
# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)

say() { printf '== bootstrap: %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
# The release build of the npm package (scripts/build-pkg.sh) uses a pinned nightly with build-std.
if ! rustup "+$NIGHTLY" target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
   ! rustup "+$NIGHTLY" component list --installed 2>/dev/null | grep -q '^rust-src'; then
  say "rust $NIGHTLY (rust-src, wasm32-unknown-unknown) for the release build"
  rustup toolchain install "$NIGHTLY" --profile minimal -c rust-src -t wasm32-unknown-unknown
fi

# cargo_tool <crate> <binary> <version>: `cargo install` unless `<binary> --version` already reports it.
cargo_tool() {
  local crate=$1 bin=$2 version=$3
  if command -v "$bin" >/dev/null 2>&1 && "$bin" --version 2>/dev/null | grep -qF " $version"; then
    return 0
  fi
  say "cargo install $crate $version"
  # --locked first; if a locked dependency is missing from the registry, let cargo resolve within semver.
  # One target directory for every tool install, so that their common dependencies compile once.
  local target="${CARGO_HOME:-$HOME/.cargo}/cognito-wasm-tools-target"
  CARGO_TARGET_DIR="$target" cargo install "$crate" --version "=$version" --locked ||
    CARGO_TARGET_DIR="$target" cargo install "$crate" --version "=$version"
}
cargo_tool wasm-bindgen-cli wasm-bindgen "$WASM_BINDGEN_VERSION"
cargo_tool trunk trunk "$TRUNK_VERSION"

if [ "$what" = test ] && { ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; }; then
  say "Debian chromium + chromium-driver"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# npm packages from the committed lock file; reinstall only when the lock changed.
if ! cmp -s package-lock.json node_modules/.cognito-wasm-lock 2>/dev/null; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.cognito-wasm-lock
fi
say "ready ($what): $NIGHTLY, wasm-bindgen $WASM_BINDGEN_VERSION, trunk $TRUNK_VERSION"
