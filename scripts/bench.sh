#!/usr/bin/env bash
# Benchmarks cognito-wasm next to the libraries an app would use instead, in one run: shipped size (raw, gzip,
# brotli), start-up in headless Chromium, RS256 verification rate (cold and warm) next to jose, wasm memory.
# Prints one table (stdout; progress goes to stderr) and writes bench/results.json.
#   scripts/bench.sh             the benchmark (2–3 minutes)
#   scripts/bench.sh --quick     a smoke run (seconds): checks that everything works; not the benchmark figures
#   scripts/bench.sh --rebuild   rebuild pkg/ (scripts/build-pkg.sh) first, even if it is there
# The anchors are pinned in bench/package.json + bench/package-lock.json. Only 127.0.0.1 is used at run time.
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
rebuild=0
for a in "$@"; do
  case "$a" in
    --quick) args+=(--quick) ;;
    --rebuild) rebuild=1 ;;
    *) echo "usage: $0 [--quick] [--rebuild]" >&2; exit 2 ;;
  esac
done
say() { printf '== bench: %s\n' "$*" >&2; }

# Tools (Chromium, wasm-bindgen, the workspace's esbuild / playwright-core / wasm-opt): idempotent, fast when present.
scripts/bootstrap.sh test >&2

# The anchors, from the committed lock file; reinstalled only when it changed.
if ! cmp -s bench/package-lock.json bench/node_modules/.bench-lock 2>/dev/null; then
  say "npm ci in bench/ (the pinned anchor packages)"
  (cd bench && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  cp bench/package-lock.json bench/node_modules/.bench-lock
fi

if [ "$rebuild" = 1 ] || [ ! -f pkg/cognito_wasm_bg.wasm ] || [ ! -f pkg/cognito_wasm.js ]; then
  say "building pkg/ (scripts/build-pkg.sh)"
  scripts/build-pkg.sh >&2
fi

exec node bench/run.mjs ${args[@]+"${args[@]}"}
